package excel

import (
	"strings"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// The sources of the targets, bands and benchmarks (SPEC §5, "Honest sources"), named in
// full wherever the workbook cites them.
const (
	citeRecoveryRate = `KPI Depot, "Customer Recovery Rate" (KPI reference page)`
	citeSatisfaction = `KPI Depot, "Customer Recovery Satisfaction" (KPI reference page)`
	citeGoodPoints   = `Good Points blog, "Is your customer recovery effective?" (figures of one travel client)`
	citePractitioner = "figures quoted by customer-recovery practitioners (not a published survey)"
	citeDeparted     = `"Reaching Out To Departed Customers For Recovery" (practitioner article: executives call a handful of departed customers every cycle)`
	citeProcess      = `"Customer recovery management" (glossary article: identify, analyse, solve, win back, follow up)`
)

// sourceCitation names a benchmark's source in full: the industry averages of
// Forrester, Gartner and HubSpot reach the workbook through the KPI Depot page that
// quotes them.
func sourceCitation(source string) string {
	switch strings.ToLower(source) {
	case "forrester", "gartner", "hubspot":
		return source + ", as quoted by " + citeRecoveryRate
	case "practitioner figures":
		return "practitioner figures: " + citePractitioner
	case contract.SourceCompanyConfig:
		return contract.SourceCompanyConfig + ": set in this company's configuration, not a published figure"
	}
	return source
}

// targetSource names the source of a KPI's target and bands.
func targetSource(id contract.KPI) string {
	switch id {
	case contract.RecoveryRate:
		return citeRecoveryRate
	case contract.RecoverySatisfaction:
		return citeSatisfaction
	case contract.OfferConsumptionRate, contract.OfferBreakageRate:
		return citeGoodPoints
	}
	return ""
}
