package excel

import (
	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// direction says whether a KPI is better higher or lower, or neither.
type direction int

const (
	neutral      direction = iota // neither: a size (pending, offers issued) or a band (breakage)
	higherBetter                  // more is good: recovery, retained revenue, satisfaction
	lowerBetter                   // less is good: losses, departures, days to recovery
)

// kpiDirection is the one place that says which way each KPI of SPEC §4 should move.
// The QoQ and YoY changes on the Summary and the Scorecard are coloured by it: green
// when the KPI moved its good way, red when it moved its bad way.
func kpiDirection(id contract.KPI) direction {
	switch id {
	case contract.RecoveryRate, contract.MaturedRecoveryRate, contract.RecoveredCustomers,
		contract.RetainedRevenue, contract.RecoveredRevenue, contract.RecoverySatisfaction,
		contract.OfferConsumptionRate, contract.TreatedRecoveryRate, contract.MitigationUplift:
		return higherBetter
	case contract.MedianDaysToRecovery, contract.AtRiskCustomers, contract.LostCustomers,
		contract.RevenueAtRisk, contract.LostRevenue, contract.DepartedCustomers,
		contract.DepartedRevenue, contract.RecoveredRechurnRate:
		return lowerBetter
	}
	// PendingCustomers, PendingRevenue: open windows, neither good nor bad.
	// OffersIssued: effort, not outcome. OfferBreakageRate: its target is a band
	// (10–15%), so a change is good or bad only relative to it. UntreatedRecoveryRate:
	// the baseline the uplift is measured against.
	return neutral
}

// changeTone is the tone of a change of the KPI: good, bad or none.
func changeTone(id contract.KPI, change float64) string {
	switch d := kpiDirection(id); {
	case change == 0 || d == neutral:
		return ""
	case (change > 0) == (d == higherBetter):
		return toneGood
	}
	return toneBad
}

// sameAgeChange returns the change of KPI id since the comparison: ok is false when
// there is no comparison or either value is no data.
func sameAgeChange(kpis []pipeline.KPI, than *pipeline.Comparison, id contract.KPI) (change float64, ok bool) {
	if than.KPIs == nil {
		return 0, false
	}
	k, old := pipeline.FindKPI(kpis, id), pipeline.FindKPI(than.KPIs, id)
	if k == nil || old == nil || k.Value == nil || old.Value == nil {
		return 0, false
	}
	return *k.Value - *old.Value, true
}
