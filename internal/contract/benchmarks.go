package contract

// Industries with a default recovery-rate benchmark (SPEC §5).
const (
	Automotive         = "automotive"
	FinancialServices  = "financial_services"
	Retail             = "retail"
	SaaS               = "saas"
	Telecommunications = "telecommunications"
)

// Industries returns the industries with a default benchmark, sorted.
func Industries() []string {
	return []string{Automotive, FinancialServices, Retail, SaaS, Telecommunications}
}

// IndustryFigure is one industry's published figure for a KPI (SPEC §5).
type IndustryFigure struct {
	Industry string
	Low      float64
	High     float64 // equal to Low for a single figure
	Source   string
}

// SourceCompanyConfig is the source shown for a figure set in the config.
const SourceCompanyConfig = "company config"

// DefaultIndustryFigures returns the industry figures of SPEC §5 by KPI, each list
// sorted by industry.
func DefaultIndustryFigures() map[KPI][]IndustryFigure {
	return map[KPI][]IndustryFigure{
		RecoveryRate: {
			{Automotive, 10, 15, "practitioner figures"},
			{FinancialServices, 30, 30, "practitioner figures"},
			{Retail, 60, 60, "Forrester"},
			{SaaS, 65, 65, "HubSpot"},
			{Telecommunications, 55, 55, "Gartner"},
		},
	}
}

// BenchmarkKPIs returns the KPIs that have bands and may have industry figures.
func BenchmarkKPIs() []KPI {
	return []KPI{RecoveryRate, RecoverySatisfaction, OfferConsumptionRate, OfferBreakageRate}
}

// Band is one status band of SPEC §5.
type Band struct {
	Status string
	Low    *float64 // nil: unbounded
	High   *float64
	// LowInclusive and HighInclusive say whether the bounds belong to the band.
	LowInclusive, HighInclusive bool
	Colour                      string // green, amber or red
}

// Contains says whether v falls in the band.
func (b Band) Contains(v float64) bool {
	if b.Low != nil && (v < *b.Low || (v == *b.Low && !b.LowInclusive)) {
		return false
	}
	if b.High != nil && (v > *b.High || (v == *b.High && !b.HighInclusive)) {
		return false
	}
	return true
}

// Target describes the target band of a KPI (SPEC §5).
type Target struct {
	Rule string   // as printed: "> 70", ">= 90", "10..15"
	Low  *float64 // lower bound, nil when open
	High *float64 // upper bound, nil when open
}

// Bands returns the status bands of a KPI in the order they are tested, and its
// target; nil when the KPI has no bands.
func Bands(kpi KPI) ([]Band, *Target) {
	f := func(v float64) *float64 { return &v }
	switch kpi {
	case RecoveryRate:
		return []Band{
			{Status: "strong", Low: f(70), Colour: "green"},
			{Status: "moderate", Low: f(50), High: f(70), LowInclusive: true, HighInclusive: true, Colour: "amber"},
			{Status: "critical", High: f(50), Colour: "red"},
		}, &Target{Rule: "> 70", Low: f(70)}
	case RecoverySatisfaction:
		return []Band{
			{Status: "on target", Low: f(80), Colour: "green"},
			{Status: "below target", High: f(80), HighInclusive: true, Colour: "red"},
		}, &Target{Rule: "> 80", Low: f(80)}
	case OfferConsumptionRate:
		return []Band{
			{Status: "on target", Low: f(90), LowInclusive: true, Colour: "green"},
			{Status: "below target", High: f(90), Colour: "red"},
		}, &Target{Rule: ">= 90", Low: f(90)}
	case OfferBreakageRate:
		return []Band{
			{Status: "optimal", Low: f(10), High: f(15), LowInclusive: true, HighInclusive: true, Colour: "green"},
			{Status: "outside optimal", Colour: "amber"},
		}, &Target{Rule: "10..15", Low: f(10), High: f(15)}
	}
	return nil, nil
}

// Status returns the status of value v for the KPI's bands; "" when none applies.
func Status(kpi KPI, v float64) string {
	bands, _ := Bands(kpi)
	for _, b := range bands {
		if b.Contains(v) {
			return b.Status
		}
	}
	return ""
}
