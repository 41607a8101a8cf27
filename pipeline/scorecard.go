package pipeline

import (
	"time"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// Scorecard is everything one quarter publishes: the KPIs of SPEC §4 with statuses and
// benchmarks of §5, the breakdowns, the trend, the worklists and the data quality.
// Writers render it; nothing in it depends on the wall clock.
type Scorecard struct {
	Company  string
	Industry string
	Currency string
	Quarter  Quarter
	AsOf     time.Time
	Params   Params
	// Benchmarks are the industry figures in force: SPEC §5 with the config's overrides.
	Benchmarks Benchmarks

	KPIs []KPI // in catalogue order (KPIIDs)
	// Open is set when the quarter has not ended by as_of (published only when the
	// run allows it): every KPI is then provisional.
	Open bool
	// FinalAt is the first instant at which, with the extract as it is, no KPI of the
	// quarter is provisional any more: the latest of end + W (episodes), end + I
	// (re-churn) and the expiry of every offer issued in the quarter that is still open
	// at as_of. The quarter is final when FinalAt <= AsOf. New rows (a later
	// redemption, a new offer in an open quarter) can only settle things sooner, except
	// in an open quarter, whose end is the earliest it can be final.
	FinalAt time.Time
	// Comparisons are the previous quarter and the quarter a year before, each at the
	// same age as Quarter (SPEC §4, "Comparisons at the same age").
	Comparisons    Comparisons
	Reasons        []BreakdownRow
	Segments       []BreakdownRow
	Kinds          []KindRow
	Mitigation     []MitigationRow
	Offers         []OfferRow
	Channels       []ChannelRow
	Departed       Departed
	RecoveryCurve  []CurvePoint
	Trend          []TrendPoint // the 8 quarters ending with Quarter, oldest first
	Winback        []WinbackRow
	ExecutiveCalls []WinbackRow
	IntensiveCare  []CareRow
	DataQuality    []TableQuality // present tables, in contract order
}

// Comparisons are the same-age comparisons of a scorecard.
type Comparisons struct {
	PreviousQuarter, YearAgo Comparison
}

// Comparison is a quarter's KPIs computed at as_of = its end + the scorecard
// quarter's age.
type Comparison struct {
	Quarter Quarter
	AsOf    time.Time
	KPIs    []KPI // in catalogue order
}

// KindRow is one episode kind: the reasons' fields and the matured recovery rate.
type KindRow struct {
	BreakdownRow
	MaturedRecoveryRate *float64
}

// ChannelRow is one outreach channel: the episodes of the quarter contacted through
// it in their window.
type ChannelRow struct {
	Channel      string
	Episodes     int64
	Recovered    int64
	RecoveryRate *float64
}

// Departed is the departed customers of the quarter by segment and by value tier.
type Departed struct {
	BySegment []DepartedRow
	ByTier    []DepartedRow // A, B, C, always all three
}

// DepartedRow is one segment or value tier of the departed customers.
type DepartedRow struct {
	Name            string // segment or tier
	Departed        int64
	DepartedRevenue float64
	Recovered       int64
}

// CurvePoint is one day of the recovery curve: the share (0..100) of the quarter's
// matured episodes recovered within Day days.
type CurvePoint struct {
	Day            int
	RecoveredShare *float64
}

// Params are the definitions used (SPEC §4), echoed on the Definitions sheet.
type Params struct {
	RecoveryWindowDays  int
	LapseDays           int
	IntensiveCareDays   int
	RevenueLookbackDays int
	SatisfiedMinScore   float64
	ScoreMin, ScoreMax  float64
	WorklistSize        int
	ExecutiveCalls      int // (v2) size of the executive call list
}

// KPI is one KPI value. Value is nil for "no data". Numerator and Denominator are set
// for percentages; Pending only for recovered_rechurn_rate.
type KPI struct {
	ID          contract.KPI
	Value       *float64
	Numerator   *int64
	Denominator *int64
	Pending     *int64
	Status      string // "" when there is no status (no data, or no bands)
	Target      *Target
	Benchmark   *Benchmark
	// Provisional is set while the value can still change (SPEC §4, "Provisional
	// values").
	Provisional bool
}

// Benchmark is the configured industry's benchmark for a KPI.
type Benchmark struct {
	Industry string
	Value    float64  // the point compared with (the midpoint of a range)
	Low      *float64 // set for a range such as automotive 10–15
	High     *float64
	Source   string
}

// TrendPoint holds the KPIs of one quarter of the trend, and its reasons.
type TrendPoint struct {
	Quarter Quarter
	KPIs    []KPI
	Reasons []TrendReason // ordered by reason
}

// TrendReason is one reason of a trend quarter.
type TrendReason struct {
	Reason        string
	AtRisk        int64
	RevenueAtRisk float64
}

// BreakdownRow is one reason or segment.
type BreakdownRow struct {
	Name                   string
	AtRisk                 int64
	Recovered, Lost        int64
	Pending                int64
	RecoveryRate           *float64
	RevenueAtRisk          float64
	LostRevenue            float64
	CumulativeRevenueShare *float64 // reasons only; nil when there is no revenue at risk
}

// MitigationRow is one mitigation group: "offer:<type>", "outreach only" or "none".
type MitigationRow struct {
	Group            string
	AtRisk           int64
	Recovered        int64
	RecoveryRate     *float64
	RecoveredRevenue float64
}

// OfferRow is one offer type of the quarter's offers.
type OfferRow struct {
	OfferType         string
	Issued            int64
	Redeemed          int64
	Expired           int64
	Open              int64
	ConsumptionRate   *float64
	BreakageRate      *float64
	FaceValueIssued   float64
	FaceValueRedeemed float64
	// RecoveredRevenue is that of the mitigation group offer:<type> of the quarter.
	RecoveredRevenue float64
	// ReturnOnFaceValue is RecoveredRevenue / FaceValueRedeemed, a plain ratio; nil
	// when no face value was redeemed.
	ReturnOnFaceValue *float64
}

// WinbackRow is one lost or pending episode of the quarter.
type WinbackRow struct {
	CustomerID    string
	Name          *string
	Segment       string
	AtRiskAt      time.Time
	Kind          string
	Reason        string
	RevenueAtRisk float64
	Outcome       string
	Treated       bool
	WindowCloses  time.Time // d + W
	Tier          *string   // departed value tier; nil when not departed in the quarter
}

// CareRow is one recently recovered customer under review.
type CareRow struct {
	CustomerID      string
	Name            *string
	Segment         string
	RecoveredAt     time.Time
	ReviewDue       time.Time
	PurchasesSince  int64
	NetAmountSince  float64
	ComplaintsSince int64
	Status          string  // "re-churned", "inactive" or "healthy"
	RechurnKind     *string // of the first at-risk event after RecoveredAt; nil when none
	RechurnReason   *string
}

// TableQuality, ReasonCount and FileQuality are the data-quality counts of SPEC §2
// and §6, defined once in the contract; the readers fill them.
type (
	TableQuality = contract.TableQuality
	ReasonCount  = contract.ReasonCount
	FileQuality  = contract.FileQuality
)

// FindKPI returns the KPI with the given id from a list, or nil.
func FindKPI(list []KPI, id contract.KPI) *KPI {
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	return nil
}
