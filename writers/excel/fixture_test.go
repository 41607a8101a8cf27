package excel

import (
	"time"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

func fp(v float64) *float64 { return &v }

// curve is a recovery curve of n days that rises to 70% by day 60.
func curve(n int) []pipeline.CurvePoint {
	out := make([]pipeline.CurvePoint, n)
	for i := range out {
		out[i] = pipeline.CurvePoint{Day: i + 1, RecoveredShare: fp(min(70, float64(i+1)*70/60))}
	}
	return out
}
func ip(v int64) *int64   { return &v }
func sp(v string) *string { return &v }

// fixture returns a realistic scorecard of 2026-Q3 in Europe/Berlin: every KPI, one with
// no data (recovery satisfaction), breakdowns, an 8-quarter trend with gaps, worklists
// with a nameless customer, data-quality counts, and a provenance with two inputs.
func fixture() (*pipeline.Scorecard, manifest.Provenance) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	cal := pipeline.Calendar{Loc: loc, StartMonth: 1}
	q, err := cal.Quarter("2026-Q3")
	if err != nil {
		panic(err)
	}
	asOf := time.Date(2026, 10, 5, 4, 30, 0, 0, time.UTC)
	bands := func(id contract.KPI) *pipeline.Target { _, t := pipeline.Bands(id); return t }
	retail := &pipeline.Benchmark{Industry: "retail", Value: 60, Source: "Forrester"}

	kpis := func(scale float64, current, provisional bool) []pipeline.KPI {
		v := func(x float64) *float64 { return fp(x * scale) }
		rr := 62.5 * scale
		status := "moderate"
		if rr > 70 {
			status = "strong"
		} else if rr < 50 {
			status = "critical"
		}
		list := []pipeline.KPI{
			{ID: "recovery_rate", Value: fp(rr), Numerator: ip(125), Denominator: ip(200), Status: status, Target: bands("recovery_rate"), Benchmark: retail},
			{ID: "matured_recovery_rate", Value: v(68.68131868131869), Numerator: ip(125), Denominator: ip(182)},
			{ID: "median_days_to_recovery", Value: v(17.5)},
			{ID: "at_risk_customers", Value: v(200)},
			{ID: "recovered_customers", Value: v(125)},
			{ID: "lost_customers", Value: v(57)},
			{ID: "pending_customers", Value: v(18)},
			{ID: "revenue_at_risk", Value: v(184523.75)},
			{ID: "retained_revenue", Value: v(110000.25)},
			{ID: "pending_revenue", Value: v(13289.3)},
			{ID: "lost_revenue", Value: v(61234.2)},
			{ID: "recovered_revenue", Value: v(40210.5)},
			{ID: "departed_customers", Value: v(88)},
			{ID: "departed_revenue", Value: v(70345.1)},
			{ID: "recovery_satisfaction", Target: bands("recovery_satisfaction")},
			{ID: "offers_issued", Value: v(60)},
			{ID: "offer_consumption_rate", Value: fp(45), Numerator: ip(27), Denominator: ip(60), Status: "below target", Target: bands("offer_consumption_rate")},
			{ID: "offer_breakage_rate", Value: fp(13.333333333333334), Numerator: ip(8), Denominator: ip(60), Status: "optimal", Target: bands("offer_breakage_rate")},
			{ID: "treated_recovery_rate", Value: fp(71.42857142857143), Numerator: ip(50), Denominator: ip(70)},
			{ID: "untreated_recovery_rate", Value: fp(57.69230769230769), Numerator: ip(75), Denominator: ip(130)},
			{ID: "mitigation_uplift", Value: fp(13.736263736263737)},
			{ID: "recovered_rechurn_rate", Value: fp(12.5), Numerator: ip(5), Denominator: ip(40), Pending: ip(9)},
		}
		if !current {
			for i := range list {
				list[i].Numerator, list[i].Denominator, list[i].Pending = nil, nil, nil
			}
		}
		// As of 5 Oct, the quarter's windows (90 days) and review period are open;
		// departures, satisfaction and offers issued are settled; one offer is open.
		for i := range list {
			switch list[i].ID {
			case "departed_customers", "departed_revenue", "recovery_satisfaction", "offers_issued":
			default:
				list[i].Provisional = provisional
			}
		}
		return list
	}

	var trend []pipeline.TrendPoint
	scales := []float64{0.8, 0.85, 0.9, 1.2, 0.95, 1.05, 1.1, 1}
	for i, s := range scales {
		tq := cal.Shift(q, i-7)
		ks := kpis(s, i == 7, i >= 6) // the last two quarters still have open windows
		if i < 2 {                    // no offers table rows before 2025-Q2
			for j := range ks {
				switch ks[j].ID {
				case "offers_issued", "offer_consumption_rate", "offer_breakage_rate":
					ks[j].Value, ks[j].Status = nil, ""
				}
			}
		}
		reasons := []pipeline.TrendReason{
			{Reason: "delivery late", AtRisk: int64(60 * s), RevenueAtRisk: 54000.25 * s},
			{Reason: "lapsed", AtRisk: int64(90 * s), RevenueAtRisk: 90000.5 * s},
			{Reason: "price", AtRisk: int64(30 * s), RevenueAtRisk: 30000 * s},
		}
		if i%2 == 1 {
			reasons = append(reasons, pipeline.TrendReason{Reason: "unspecified", AtRisk: 20, RevenueAtRisk: 10523})
		}
		trend = append(trend, pipeline.TrendPoint{Quarter: tq, KPIs: ks, Reasons: reasons})
	}

	at := func(d, h int) time.Time {
		return time.Date(2026, 7, 1, 0, 0, 0, 0, loc).AddDate(0, 0, d).Add(time.Duration(h) * time.Hour)
	}
	sc := &pipeline.Scorecard{
		Company:  "Example Retail & Co",
		Industry: "retail",
		Currency: "EUR",
		Quarter:  q,
		AsOf:     asOf,
		Params: pipeline.Params{RecoveryWindowDays: 90, LapseDays: 180, IntensiveCareDays: 180,
			RevenueLookbackDays: 365, SatisfiedMinScore: 4, ScoreMin: 1, ScoreMax: 5, WorklistSize: 200, ExecutiveCalls: 10},
		KPIs:    kpis(1, true, true),
		FinalAt: time.Date(2026, 12, 30, 0, 0, 0, 0, loc),
		Comparisons: pipeline.Comparisons{
			PreviousQuarter: pipeline.Comparison{Quarter: trend[6].Quarter, AsOf: asOf.AddDate(0, -3, 0), KPIs: kpis(1.02, false, true)},
			YearAgo:         pipeline.Comparison{Quarter: trend[3].Quarter, AsOf: asOf.AddDate(-1, 0, 0), KPIs: kpis(1.15, false, true)},
		},
		Kinds: []pipeline.KindRow{
			{BreakdownRow: pipeline.BreakdownRow{Name: "complaint", AtRisk: 90, Recovered: 65, Lost: 18, Pending: 7, RecoveryRate: fp(72.22222222222223), RevenueAtRisk: 84000.25, LostRevenue: 21000.2}, MaturedRecoveryRate: fp(78.3132530120482)},
			{BreakdownRow: pipeline.BreakdownRow{Name: "departure", AtRisk: 20, Recovered: 10, Lost: 7, Pending: 3, RecoveryRate: fp(50), RevenueAtRisk: 10523, LostRevenue: 10234}, MaturedRecoveryRate: fp(58.82352941176471)},
			{BreakdownRow: pipeline.BreakdownRow{Name: "lapse", AtRisk: 90, Recovered: 50, Lost: 32, Pending: 8, RecoveryRate: fp(55.55555555555556), RevenueAtRisk: 90000.5, LostRevenue: 30000}, MaturedRecoveryRate: nil},
		},
		Channels: []pipeline.ChannelRow{
			{Channel: "executive call", Episodes: 8, Recovered: 7, RecoveryRate: fp(87.5)},
			{Channel: "phone", Episodes: 52, Recovered: 37, RecoveryRate: fp(71.15384615384616)},
			{Channel: "unspecified", Episodes: 3, Recovered: 0, RecoveryRate: fp(0)},
		},
		Departed: pipeline.Departed{
			BySegment: []pipeline.DepartedRow{
				{Name: "enterprise", Departed: 8, DepartedRevenue: 52000.1, Recovered: 2},
				{Name: "smb", Departed: 75, DepartedRevenue: 17345, Recovered: 30},
				{Name: "unassigned", Departed: 5, DepartedRevenue: 1000, Recovered: 0},
			},
			ByTier: []pipeline.DepartedRow{
				{Name: "A", Departed: 6, DepartedRevenue: 56000.1, Recovered: 1},
				{Name: "B", Departed: 20, DepartedRevenue: 10500, Recovered: 8},
				{Name: "C", Departed: 62, DepartedRevenue: 3845, Recovered: 23},
			},
		},
		RecoveryCurve: curve(90),
		Reasons: []pipeline.BreakdownRow{
			{Name: "lapsed", AtRisk: 90, Recovered: 50, Lost: 32, Pending: 8, RecoveryRate: fp(55.55555555555556), RevenueAtRisk: 90000.5, LostRevenue: 30000, CumulativeRevenueShare: fp(48.77358184296898)},
			{Name: "delivery late", AtRisk: 60, Recovered: 45, Lost: 10, Pending: 5, RecoveryRate: fp(75), RevenueAtRisk: 54000.25, LostRevenue: 15000.2, CumulativeRevenueShare: fp(78.03857839013318)},
			{Name: "price", AtRisk: 30, Recovered: 20, Lost: 8, Pending: 2, RecoveryRate: fp(66.66666666666667), RevenueAtRisk: 30000, LostRevenue: 10234, CumulativeRevenueShare: fp(94.29670063015097)},
			{Name: "unspecified", AtRisk: 20, Recovered: 10, Lost: 7, Pending: 3, RecoveryRate: fp(50), RevenueAtRisk: 10523, LostRevenue: 6000, CumulativeRevenueShare: fp(100)},
		},
		Segments: []pipeline.BreakdownRow{
			{Name: "enterprise", AtRisk: 40, Recovered: 30, Lost: 8, Pending: 2, RecoveryRate: fp(75), RevenueAtRisk: 100000, LostRevenue: 20000},
			{Name: "smb", AtRisk: 150, Recovered: 90, Lost: 45, Pending: 15, RecoveryRate: fp(60), RevenueAtRisk: 80000.75, LostRevenue: 40000.2},
			{Name: "unassigned", AtRisk: 10, Recovered: 5, Lost: 4, Pending: 1, RecoveryRate: fp(50), RevenueAtRisk: 4523, LostRevenue: 1234},
		},
		Mitigation: []pipeline.MitigationRow{
			{Group: "none", AtRisk: 130, Recovered: 75, RecoveryRate: fp(57.69230769230769), RecoveredRevenue: 21000.5},
			{Group: "offer:discount", AtRisk: 40, Recovered: 30, RecoveryRate: fp(75), RecoveredRevenue: 12000},
			{Group: "offer:voucher", AtRisk: 10, Recovered: 6, RecoveryRate: fp(60), RecoveredRevenue: 2210},
			{Group: "outreach only", AtRisk: 20, Recovered: 14, RecoveryRate: fp(70), RecoveredRevenue: 5000},
		},
		Offers: []pipeline.OfferRow{
			{OfferType: "discount", Issued: 45, Redeemed: 22, Expired: 5, Open: 18, ConsumptionRate: fp(48.888888888888886), BreakageRate: fp(11.11111111111111), FaceValueIssued: 2250, FaceValueRedeemed: 1100, RecoveredRevenue: 12000, ReturnOnFaceValue: fp(10.909090909090908)},
			{OfferType: "voucher", Issued: 15, Redeemed: 5, Expired: 3, Open: 7, ConsumptionRate: fp(33.333333333333336), BreakageRate: fp(20), FaceValueIssued: 1500.5, FaceValueRedeemed: 500, RecoveredRevenue: 2210, ReturnOnFaceValue: fp(4.42)},
		},
		Trend: trend,
		Winback: []pipeline.WinbackRow{
			{CustomerID: "C-10042", Name: sp("Müller GmbH"), Segment: "enterprise", AtRiskAt: at(3, 10), Kind: "complaint", Reason: "delivery late", RevenueAtRisk: 25000.5, Outcome: "lost", Treated: true, WindowCloses: at(93, 10)},
			{CustomerID: "C-20007", Name: nil, Segment: "unassigned", AtRiskAt: at(40, 0), Kind: "lapse", Reason: "lapsed", RevenueAtRisk: 12000, Outcome: "lost", WindowCloses: at(130, 0), Tier: sp("A")},
			{CustomerID: "C-30311", Name: sp("Ana O'Neill"), Segment: "smb", AtRiskAt: at(80, 23), Kind: "departure", Reason: "price", RevenueAtRisk: 830.25, Outcome: "pending", WindowCloses: at(170, 23), Tier: sp("B")},
			{CustomerID: "42", Name: sp("Zeta & Sons"), Segment: "smb", AtRiskAt: at(91, 6), Kind: "complaint", Reason: "unspecified", RevenueAtRisk: -15, Outcome: "pending", Treated: true, WindowCloses: at(181, 6)},
		},
		ExecutiveCalls: []pipeline.WinbackRow{
			{CustomerID: "C-20007", Name: nil, Segment: "unassigned", AtRiskAt: at(40, 0), Kind: "lapse", Reason: "lapsed", RevenueAtRisk: 12000, Outcome: "lost", WindowCloses: at(130, 0), Tier: sp("A")},
			{CustomerID: "C-30311", Name: sp("Ana O'Neill"), Segment: "smb", AtRiskAt: at(80, 23), Kind: "departure", Reason: "price", RevenueAtRisk: 830.25, Outcome: "pending", WindowCloses: at(170, 23), Tier: sp("B")},
			{CustomerID: "C-40404", Name: sp("Omega Ltd"), Segment: "smb", AtRiskAt: at(85, 1), Kind: "lapse", Reason: "lapsed", RevenueAtRisk: 120, Outcome: "pending", WindowCloses: at(175, 1), Tier: sp("C")},
		},
		IntensiveCare: []pipeline.CareRow{
			{CustomerID: "C-20002", Name: nil, Segment: "smb", RecoveredAt: at(10, 14), ReviewDue: at(190, 14), PurchasesSince: 1, NetAmountSince: -20, ComplaintsSince: 2, Status: "re-churned", RechurnKind: sp("complaint"), RechurnReason: sp("delivery late")},
			{CustomerID: "C-50005", Name: sp("Quiet Co"), Segment: "enterprise", RecoveredAt: at(20, 9), ReviewDue: at(200, 9), PurchasesSince: 0, NetAmountSince: 0, ComplaintsSince: 0, Status: "inactive"},
			{CustomerID: "C-10001", Name: sp("Acme AG"), Segment: "enterprise", RecoveredAt: at(-60, 9), ReviewDue: at(120, 9), PurchasesSince: 4, NetAmountSince: 3120.4, ComplaintsSince: 0, Status: "healthy"},
			{CustomerID: "C-30003", Name: sp("Café Lumière"), Segment: "smb", RecoveredAt: at(50, 8), ReviewDue: at(230, 8), PurchasesSince: 2, NetAmountSince: 410, ComplaintsSince: 0, Status: "healthy"},
		},
		DataQuality: []pipeline.TableQuality{
			{Table: "customers", RowsRead: 1200},
			{Table: "purchases", RowsRead: 48211, RowsSetAside: 7, ByReason: []pipeline.ReasonCount{
				{Reason: "duplicate key", Rows: 3}, {Reason: "missing amount", Rows: 4},
			}},
			{Table: "complaints", RowsRead: 310},
			{Table: "departures", RowsRead: 95},
			{Table: "outreach", RowsRead: 120},
			{Table: "offers", RowsRead: 60},
		},
	}
	prov := manifest.Provenance{
		Version:      "v1.0.0-test",
		GoVersion:    "go1.26.0",
		Libraries:    []manifest.Library{{Path: "github.com/xuri/excelize/v2", Version: "v2.11.0"}},
		ConfigYAML:   []byte("company: Example Retail & Co\nindustry: retail\ncurrency: EUR\ntimezone: Europe/Berlin\ndefinitions:\n  recovery_window_days: 90\n  lapse_days: 180\n"),
		ConfigSHA256: "3f1c0a9e5b7d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e",
		InputRoot:    "/data/extracts/2026-10-05",
		Inputs: []manifest.InputFile{
			{Table: "customers", Path: "customers.parquet", Size: 48213, SHA256: "aa11bb22cc33dd44ee55ff6677889900aa11bb22cc33dd44ee55ff6677889900", RowsRead: 1200},
			{Table: "purchases", Path: "purchases/dt=2026-09-30/part-0000.parquet", Size: 1048576, SHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", RowsRead: 48211, RowsSetAside: 7},
		},
	}
	return sc, prov
}
