package pipeline

import (
	"slices"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// Unit says how a KPI value is read and formatted.
type Unit int

const (
	UnitCount   Unit = iota // a number of customers or offers
	UnitMoney               // in the config's currency
	UnitPercent             // 0..100
	UnitPoints              // a difference of percentages, in percentage points
	UnitDays                // a duration in days (a double)
)

// settles says when a KPI's value of quarter Q stops changing: until then it is
// provisional (SPEC §4, "Provisional values").
type settles int8

const (
	// settlesWithWindows: the episode KPIs, "provisional when end(Q) + W > as_of".
	settlesWithWindows settles = iota
	// settlesWithReview: recovered_rechurn_rate, "provisional when end(Q) + I > as_of".
	settlesWithReview
	// settlesWithOffers: the offer rates, "provisional while an offer issued in Q is
	// unredeemed by as_of and expires after as_of ...; false when offers is absent".
	settlesWithOffers
	// settlesAtEnd: "departed_customers, departed_revenue, recovery_satisfaction,
	// offers_issued: provisional when end(Q) > as_of".
	settlesAtEnd
)

// quarterAge is what the provisional rules read besides a quarter's aggregates.
type quarterAge struct {
	end, asOf                    int64 // µs
	recoveryWindow, reviewPeriod int64 // W and I, µs
}

// provisional applies rule to a quarter with aggregates a. SPEC §4: "A quarter that
// has not ended by as_of (end(Q) > as_of, only with --allow-open) has every KPI
// provisional, whatever the rules above give."
func (q quarterAge) provisional(rule settles, a *quarterAcc, has present) bool {
	if q.end > q.asOf {
		return true
	}
	switch rule {
	case settlesWithWindows:
		return q.end+q.recoveryWindow > q.asOf
	case settlesWithReview:
		return q.end+q.reviewPeriod > q.asOf
	case settlesWithOffers:
		return has.offers && a.offersOpen > 0
	}
	return false // settlesAtEnd, and the quarter has ended
}

// KPIDef describes one KPI of SPEC §4 for the Definitions sheet and the writers.
type KPIDef struct {
	ID      contract.KPI
	Title   string
	Unit    Unit
	Formula string
	Meaning string
}

// present says which optional tables the extract set has: a KPI whose table is absent
// is no data (SPEC §2), never 0.
type present struct{ offers, surveys bool }

// kpiRow is one row of SPEC §4's KPI table: its catalogue text, and the function that
// computes its value from a quarter's merged aggregates. The ID, Status, Target and
// Benchmark of the value are filled in by quarterKPIs.
type kpiRow struct {
	def     KPIDef
	settles settles
	value   func(a *quarterAcc, has present) KPI
}

// kpiRows lists every KPI of SPEC §4 in the order the scorecard shows them. Each row's
// value function is the KPI's definition; a reader holding SPEC.md checks it here.
func kpiRows() []kpiRow {
	return []kpiRow{
		{KPIDef{contract.RecoveryRate, "Recovery rate", UnitPercent,
			"recovered / at-risk × 100",
			"Share of this quarter's at-risk customers who made a qualifying purchase within W days of becoming at risk (the standard formula)."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return rate(a.recovered, a.atRisk) }},
		{KPIDef{contract.MaturedRecoveryRate, "Matured recovery rate", UnitPercent,
			"recovered / matured × 100, over the episodes whose window has closed (d + W <= as_of)",
			"Recovery rate over the episodes whose recovery window has closed, so open windows neither help nor hurt it; an episode recovered while its window is still open counts only once the window closes."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return rate(a.maturedRecovered, a.matured) }},
		{KPIDef{contract.MedianDaysToRecovery, "Median days to recovery", UnitDays,
			"median of (r − d) in days over recovered episodes",
			"How long a recovered customer took to buy again, for the typical one: half took less, half took more."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return medianDays(a.recoveryGaps) }},
		{KPIDef{contract.AtRiskCustomers, "At-risk customers", UnitCount,
			"episodes in the quarter",
			"Customers with at least one complaint, departure or lapse in the quarter; each counts once, at the earliest such event."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return count(a.atRisk) }},
		{KPIDef{contract.RecoveredCustomers, "Recovered customers", UnitCount,
			"episodes with a qualifying purchase in (d, min(d + W, as_of)]",
			"At-risk customers who bought again (amount > 0) within the recovery window."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return count(a.recovered) }},
		{KPIDef{contract.LostCustomers, "Lost customers", UnitCount,
			"episodes not recovered with d + W <= as_of",
			"At-risk customers whose recovery window closed without a qualifying purchase."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return count(a.lost) }},
		{KPIDef{contract.PendingCustomers, "Pending customers", UnitCount,
			"episodes not recovered with d + W > as_of",
			"At-risk customers whose recovery window is still open."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return count(a.pending) }},
		{KPIDef{contract.RevenueAtRisk, "Revenue at risk", UnitMoney,
			"Σ purchase amounts in [d − R, d) over episodes",
			"What the at-risk customers spent in the R days before they became at risk (refunds included)."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return money(a.revenueAtRisk) }},
		{KPIDef{contract.RetainedRevenue, "Retained revenue", UnitMoney,
			"Σ revenue at risk over recovered episodes",
			"The revenue at risk of the customers who were won back: the part of the revenue bridge that was kept."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return money(a.retainedRevenue) }},
		{KPIDef{contract.PendingRevenue, "Pending revenue", UnitMoney,
			"Σ revenue at risk over pending episodes",
			"The revenue at risk of the customers whose recovery window is still open: neither kept nor lost yet. Revenue at risk = retained + pending + lost."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return money(a.pendingRevenue) }},
		{KPIDef{contract.LostRevenue, "Lost revenue", UnitMoney,
			"Σ revenue at risk over lost episodes",
			"The revenue at risk of the customers who were not won back."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return money(a.lostRevenue) }},
		{KPIDef{contract.RecoveredRevenue, "Recovered revenue", UnitMoney,
			"Σ purchase amounts in (d, min(d + W, as_of)] over recovered episodes",
			"What recovered customers spent inside their recovery window."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return money(a.recoveredRevenue) }},
		{KPIDef{contract.DepartedCustomers, "Departed customers", UnitCount,
			"distinct customers with a departure or lapse in the quarter",
			"Customers who left explicitly or stopped buying for L days."}, settlesAtEnd,
			func(a *quarterAcc, _ present) KPI { return count(a.departed) }},
		{KPIDef{contract.DepartedRevenue, "Departed revenue", UnitMoney,
			"Σ revenue at risk at each departed customer's first departure or lapse in the quarter",
			"The yearly revenue that walked out of the door this quarter."}, settlesAtEnd,
			func(a *quarterAcc, _ present) KPI { return money(a.departedRevenue) }},
		{KPIDef{contract.RecoverySatisfaction, "Recovery satisfaction", UnitPercent,
			"recovery-related surveys with score >= satisfied minimum / all recovery-related surveys × 100",
			"How satisfied customers were with the way their problem was handled."}, settlesAtEnd,
			func(a *quarterAcc, has present) KPI {
				if !has.surveys {
					return KPI{}
				}
				return rate(a.satisfied, a.surveys)
			}},
		{KPIDef{contract.OffersIssued, "Offers issued", UnitCount,
			"offers with issued_at in the quarter",
			"Recovery offers (discounts, vouchers, ...) handed out in the quarter."}, settlesAtEnd,
			func(a *quarterAcc, has present) KPI {
				if !has.offers {
					return KPI{}
				}
				return count(a.offersIssued)
			}},
		{KPIDef{contract.OfferConsumptionRate, "Offer consumption rate", UnitPercent,
			"offers redeemed by as_of / offers issued × 100",
			"Share of the quarter's offers that customers redeemed."}, settlesWithOffers,
			func(a *quarterAcc, has present) KPI {
				if !has.offers {
					return KPI{}
				}
				return rate(a.offersRedeemed, a.offersIssued)
			}},
		{KPIDef{contract.OfferBreakageRate, "Offer breakage rate", UnitPercent,
			"offers not redeemed and expired by as_of / offers issued × 100",
			"Share of the quarter's offers that expired unused."}, settlesWithOffers,
			func(a *quarterAcc, has present) KPI {
				if !has.offers {
					return KPI{}
				}
				return rate(a.offersGone, a.offersIssued)
			}},
		{KPIDef{contract.TreatedRecoveryRate, "Treated recovery rate", UnitPercent,
			"recovery rate of episodes with an offer or outreach in [d, min(d + W, as_of)]",
			"Recovery rate of the customers the team reached out to."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return rate(a.treatedRecovered, a.treated) }},
		{KPIDef{contract.UntreatedRecoveryRate, "Untreated recovery rate", UnitPercent,
			"recovery rate of episodes without offer or outreach",
			"Recovery rate of the customers nobody contacted: the baseline."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI { return rate(a.untreatedRecovered, a.untreated) }},
		{KPIDef{contract.MitigationUplift, "Mitigation uplift", UnitPoints,
			"treated − untreated recovery rate",
			"Percentage points of recovery the outreach and offers are associated with (not a controlled experiment)."}, settlesWithWindows,
			func(a *quarterAcc, _ present) KPI {
				t, u := pct(a.treatedRecovered, a.treated), pct(a.untreatedRecovered, a.untreated)
				if t == nil || u == nil {
					return KPI{}
				}
				return KPI{Value: ptr(*t - *u)}
			}},
		{KPIDef{contract.RecoveredRechurnRate, "Recovered re-churn rate", UnitPercent,
			"cohort recovered in the quarter with an at-risk event in (r, min(r + I, as_of)] / cohort × 100",
			"Share of the customers won back this quarter who became at risk again within I days."}, settlesWithReview,
			func(a *quarterAcc, _ present) KPI {
				k := rate(a.rechurned, a.cohort)
				k.Pending = ptr(a.cohortPending)
				return k
			}},
	}
}

// quarterKPIs returns the KPIs of a quarter's merged aggregates, in catalogue order,
// with their statuses, targets and benchmarks (SPEC §5) and whether each is
// provisional at the quarter's age.
func quarterKPIs(a *quarterAcc, has present, s Settings, age quarterAge) []KPI {
	rows := kpiRows()
	out := make([]KPI, 0, len(rows))
	for _, row := range rows {
		k := row.value(a, has)
		k.ID = row.def.ID
		k.Provisional = age.provisional(row.settles, a, has)
		_, k.Target = Bands(k.ID)
		if k.Value != nil {
			k.Status = status(k.ID, *k.Value)
		}
		k.Benchmark = s.Benchmarks.benchmark(k.ID, s.Industry)
		out = append(out, k)
	}
	return out
}

// rate is a percentage KPI: num/den × 100 with its numerator and denominator.
func rate(num, den int64) KPI {
	return KPI{Value: pct(num, den), Numerator: ptr(num), Denominator: ptr(den)}
}

// medianDays is the median of gaps (µs) in days: SPEC §4, median_days_to_recovery:
// "the median of (r - d) in days (µs / 86,400,000,000, a double); with an even count
// the mean of the two middle values; no data when none". Each value is converted to
// days before the mean is taken, as the reference does.
func medianDays(gaps []int64) KPI {
	if len(gaps) == 0 {
		return KPI{}
	}
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	days := func(i int) float64 { return float64(sorted[i]) / float64(day) }
	h := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return KPI{Value: ptr(days(h))}
	}
	return KPI{Value: ptr((days(h-1) + days(h)) / 2)}
}

// count is a KPI that counts customers or offers.
func count(v int64) KPI { return KPI{Value: ptr(float64(v))} }

// money is a KPI in the config's currency.
func money(v float64) KPI { return KPI{Value: ptr(v)} }

// pct is num/den × 100 (SPEC §4), nil when den is 0. The operation order matches the
// reference implementation so both give the same bits.
func pct(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	return ptr(float64(num) / float64(den) * 100)
}

func ptr[T any](v T) *T { return &v }

// Catalogue lists every KPI of SPEC §4 in the order the scorecard shows them.
func Catalogue() []KPIDef {
	rows := kpiRows()
	defs := make([]KPIDef, len(rows))
	for i, r := range rows {
		defs[i] = r.def
	}
	return defs
}

// LookupKPI returns the catalogue entry of id.
func LookupKPI(id contract.KPI) (KPIDef, bool) {
	for _, d := range Catalogue() {
		if d.ID == id {
			return d, true
		}
	}
	return KPIDef{}, false
}
