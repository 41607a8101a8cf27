package pipeline

// Unit says how a KPI value is read and formatted.
type Unit int

const (
	UnitCount   Unit = iota // a number of customers or offers
	UnitMoney               // in the config's currency
	UnitPercent             // 0..100
	UnitPoints              // a difference of percentages, in percentage points
)

// KPIDef describes one KPI of SPEC §4 for the Definitions sheet and the writers.
type KPIDef struct {
	ID      string
	Title   string
	Unit    Unit
	Formula string
	Meaning string
}

// Catalogue lists every KPI of SPEC §4 in the order the scorecard shows them.
func Catalogue() []KPIDef {
	return []KPIDef{
		{"recovery_rate", "Recovery rate", UnitPercent,
			"recovered / at-risk × 100",
			"Share of this quarter's at-risk customers who made a qualifying purchase within W days of becoming at risk (the standard formula)."},
		{"matured_recovery_rate", "Matured recovery rate", UnitPercent,
			"recovered / (recovered + lost) × 100",
			"Recovery rate over the episodes whose window has closed, so still-open (pending) episodes do not pull it down."},
		{"at_risk_customers", "At-risk customers", UnitCount,
			"episodes in the quarter",
			"Customers with at least one complaint, departure or lapse in the quarter; each counts once, at the earliest such event."},
		{"recovered_customers", "Recovered customers", UnitCount,
			"episodes with a qualifying purchase in (d, min(d + W, as_of)]",
			"At-risk customers who bought again (amount > 0) within the recovery window."},
		{"lost_customers", "Lost customers", UnitCount,
			"episodes not recovered with d + W <= as_of",
			"At-risk customers whose recovery window closed without a qualifying purchase."},
		{"pending_customers", "Pending customers", UnitCount,
			"episodes not recovered with d + W > as_of",
			"At-risk customers whose recovery window is still open."},
		{"revenue_at_risk", "Revenue at risk", UnitMoney,
			"Σ purchase amounts in [d − R, d) over episodes",
			"What the at-risk customers spent in the R days before they became at risk (refunds included)."},
		{"recovered_revenue", "Recovered revenue", UnitMoney,
			"Σ purchase amounts in (d, min(d + W, as_of)] over recovered episodes",
			"What recovered customers spent inside their recovery window."},
		{"lost_revenue", "Lost revenue", UnitMoney,
			"Σ revenue at risk over lost episodes",
			"The revenue at risk of the customers who were not won back."},
		{"departed_customers", "Departed customers", UnitCount,
			"distinct customers with a departure or lapse in the quarter",
			"Customers who left explicitly or stopped buying for L days."},
		{"departed_revenue", "Departed revenue", UnitMoney,
			"Σ revenue at risk at each departed customer's first departure or lapse in the quarter",
			"The yearly revenue that walked out of the door this quarter."},
		{"recovery_satisfaction", "Recovery satisfaction", UnitPercent,
			"recovery-related surveys with score >= satisfied minimum / all recovery-related surveys × 100",
			"How satisfied customers were with the way their problem was handled."},
		{"offers_issued", "Offers issued", UnitCount,
			"offers with issued_at in the quarter",
			"Recovery offers (discounts, vouchers, ...) handed out in the quarter."},
		{"offer_consumption_rate", "Offer consumption rate", UnitPercent,
			"offers redeemed by as_of / offers issued × 100",
			"Share of the quarter's offers that customers redeemed."},
		{"offer_breakage_rate", "Offer breakage rate", UnitPercent,
			"offers not redeemed and expired by as_of / offers issued × 100",
			"Share of the quarter's offers that expired unused."},
		{"treated_recovery_rate", "Treated recovery rate", UnitPercent,
			"recovery rate of episodes with an offer or outreach in [d, min(d + W, as_of)]",
			"Recovery rate of the customers the team reached out to."},
		{"untreated_recovery_rate", "Untreated recovery rate", UnitPercent,
			"recovery rate of episodes without offer or outreach",
			"Recovery rate of the customers nobody contacted: the baseline."},
		{"mitigation_uplift", "Mitigation uplift", UnitPoints,
			"treated − untreated recovery rate",
			"Percentage points of recovery the outreach and offers are associated with (not a controlled experiment)."},
		{"recovered_rechurn_rate", "Recovered re-churn rate", UnitPercent,
			"cohort recovered in the quarter with an at-risk event in (r, min(r + I, as_of)] / cohort × 100",
			"Share of the customers won back this quarter who became at risk again within I days."},
	}
}

// kpiIDs returns the ids of the catalogue in order.
func kpiIDs() []string {
	c := Catalogue()
	ids := make([]string, len(c))
	for i, d := range c {
		ids[i] = d.ID
	}
	return ids
}

// LookupKPI returns the catalogue entry of id.
func LookupKPI(id string) (KPIDef, bool) {
	for _, d := range Catalogue() {
		if d.ID == id {
			return d, true
		}
	}
	return KPIDef{}, false
}
