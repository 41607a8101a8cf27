// Package json writes recovery-scorecard-<label>.json (SPEC §6): every number of the
// workbook, machine-readable, values unrounded, money a plain number, times RFC 3339
// in UTC. The bytes depend only on the scorecard: members are written in a fixed
// order and no map is iterated.
package json

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"io"
	"time"

	"github.com/recoverykpi/recoverykpi/pipeline"
)

// FileName returns the scorecard's JSON file name for a quarter label.
func FileName(label string) string { return "recovery-scorecard-" + label + ".json" }

// Write encodes the scorecard to w, indented, ending in a newline.
func Write(w io.Writer, sc *pipeline.Scorecard) error {
	b, err := Marshal(sc)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Marshal returns the scorecard's JSON bytes.
func Marshal(sc *pipeline.Scorecard) ([]byte, error) {
	return encode(newDocument(sc))
}

// encode writes doc with encoding/json, indented, ending in a newline.
//
// The bytes are those of an Encoder with SetIndent("", "  "), made in steps: the
// document without its worklists by the Encoder, compact, then json.Indent into a
// buffer sized for it up front (the Encoder would grow its indented copy from
// nothing and copy it again); then the worklists, written indented by
// appendWorklists (rows.go), in the place of their empty object.
func encode(doc document) ([]byte, error) {
	rest := doc
	rest.Worklists = worklists{}
	var compact bytes.Buffer
	enc := stdjson.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rest); err != nil {
		return nil, err
	}
	var out bytes.Buffer // json.Indent sizes it: twice the compact text
	if err := stdjson.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	s := out.Bytes()
	at := bytes.Index(s, []byte(worklistsHole))
	if at < 0 || bytes.LastIndex(s, []byte(worklistsHole)) != at {
		return nil, errors.New("json: the worklists' place is not found once in the document")
	}
	// The rest of the document's room; a long worklist makes its own (rowEncoder.list).
	b, err := appendWorklists(append(make([]byte, 0, len(s)), s[:at]...), doc.Worklists)
	if err != nil {
		return nil, err
	}
	return append(b, s[at+len(worklistsHole):]...), nil
}

// newDocument returns the document of sc.
func newDocument(sc *pipeline.Scorecard) document {
	doc := document{
		Quarter: sc.Quarter.Label,
		Period:  period{Start: rfc3339(sc.Quarter.Start), End: rfc3339(sc.Quarter.End)},
		AsOf:    rfc3339(sc.AsOf),
		Final:   !sc.FinalAt.After(sc.AsOf),
		FinalAt: rfc3339(sc.FinalAt),
		KPIs:    kpiSet(sc.KPIs),
		Comparisons: comparisons{
			PreviousQuarter: comparison(sc.Comparisons.PreviousQuarter),
			YearAgo:         comparison(sc.Comparisons.YearAgo),
		},
		Kinds:         []kindRow{},
		Channels:      []channelRow{},
		Departed:      departed{BySegment: []segmentDeparted{}, ByTier: []tierDeparted{}},
		RecoveryCurve: []curvePoint{},
		Reasons:       []reasonRow{},
		Segments:      []segmentRow{},
		Mitigation:    []mitigationRow{},
		Offers:        []offerRow{},
		Trend:         []trendPoint{},
		Worklists: worklists{
			Winback:        winbackRows(sc.Winback),
			ExecutiveCalls: winbackRows(sc.ExecutiveCalls),
			IntensiveCare:  make([]careRow, 0, len(sc.IntensiveCare)),
		},
	}
	for _, k := range sc.Kinds {
		doc.Kinds = append(doc.Kinds, kindRow{k.Name, k.AtRisk, k.Recovered, k.Lost, k.Pending, k.RecoveryRate, k.MaturedRecoveryRate, k.RevenueAtRisk, k.LostRevenue})
	}
	for _, c := range sc.Channels {
		doc.Channels = append(doc.Channels, channelRow(c))
	}
	for _, d := range sc.Departed.BySegment {
		doc.Departed.BySegment = append(doc.Departed.BySegment, segmentDeparted{d.Name, d.Departed, d.DepartedRevenue, d.Recovered})
	}
	for _, d := range sc.Departed.ByTier {
		doc.Departed.ByTier = append(doc.Departed.ByTier, tierDeparted{d.Name, d.Departed, d.DepartedRevenue, d.Recovered})
	}
	for _, c := range sc.RecoveryCurve {
		doc.RecoveryCurve = append(doc.RecoveryCurve, curvePoint(c))
	}
	for _, r := range sc.Reasons {
		doc.Reasons = append(doc.Reasons, reasonRow{r.Name, r.AtRisk, r.Recovered, r.Lost, r.Pending, r.RecoveryRate, r.RevenueAtRisk, r.LostRevenue, r.CumulativeRevenueShare})
	}
	for _, r := range sc.Segments {
		doc.Segments = append(doc.Segments, segmentRow{r.Name, r.AtRisk, r.Recovered, r.Lost, r.Pending, r.RecoveryRate, r.RevenueAtRisk, r.LostRevenue})
	}
	for _, m := range sc.Mitigation {
		doc.Mitigation = append(doc.Mitigation, mitigationRow(m))
	}
	for _, o := range sc.Offers {
		doc.Offers = append(doc.Offers, offerRow(o))
	}
	for _, t := range sc.Trend {
		reasons := make([]trendReason, 0, len(t.Reasons))
		for _, r := range t.Reasons {
			reasons = append(reasons, trendReason(r))
		}
		doc.Trend = append(doc.Trend, trendPoint{t.Quarter.Label, kpiSet(t.KPIs), reasons})
	}
	for _, c := range sc.IntensiveCare {
		doc.Worklists.IntensiveCare = append(doc.Worklists.IntensiveCare, careRow{
			c.CustomerID, c.Name, c.Segment, rfc3339(c.RecoveredAt), rfc3339(c.ReviewDue),
			c.PurchasesSince, c.NetAmountSince, c.ComplaintsSince, c.Status, c.RechurnKind, c.RechurnReason,
		})
	}
	for _, q := range sc.DataQuality {
		by := orderedObject{}
		for _, r := range q.ByReason {
			by = append(by, member{r.Reason, r.Rows})
		}
		doc.DataQuality = append(doc.DataQuality, member{q.Table, tableQuality{q.RowsRead, q.RowsSetAside, by}})
	}
	if doc.DataQuality == nil {
		doc.DataQuality = orderedObject{}
	}
	return doc
}

// winbackRows returns the rows of the win-back list or of the executive calls.
func winbackRows(list []pipeline.WinbackRow) []winbackRow {
	out := make([]winbackRow, 0, len(list))
	for _, w := range list {
		out = append(out, winbackRow{
			w.CustomerID, w.Name, w.Segment, rfc3339(w.AtRiskAt), w.Kind, w.Reason, w.RevenueAtRisk, w.Outcome, w.Treated,
			rfc3339(w.WindowCloses), w.Tier,
		})
	}
	return out
}

// comparison returns a same-age comparison.
func comparison(c pipeline.Comparison) comparisonDoc {
	return comparisonDoc{c.Quarter.Label, rfc3339(c.AsOf), kpiSet(c.KPIs)}
}

// rfc3339 formats an instant in UTC, with the fraction trimmed (µs precision).
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

type document struct {
	Quarter       string          `json:"quarter"`
	Period        period          `json:"period"`
	AsOf          string          `json:"as_of"`
	Final         bool            `json:"final"`    // no KPI is provisional
	FinalAt       string          `json:"final_at"` // when no KPI will be provisional
	KPIs          orderedObject   `json:"kpis"`
	Comparisons   comparisons     `json:"comparisons"`
	Kinds         []kindRow       `json:"kinds"`
	Channels      []channelRow    `json:"channels"`
	Departed      departed        `json:"departed"`
	RecoveryCurve []curvePoint    `json:"recovery_curve"`
	Reasons       []reasonRow     `json:"reasons"`
	Segments      []segmentRow    `json:"segments"`
	Mitigation    []mitigationRow `json:"mitigation"`
	Offers        []offerRow      `json:"offers"`
	Trend         []trendPoint    `json:"trend"`
	Worklists     worklists       `json:"worklists"`
	DataQuality   orderedObject   `json:"data_quality"`
}

type period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type comparisons struct {
	PreviousQuarter comparisonDoc `json:"previous_quarter"`
	YearAgo         comparisonDoc `json:"year_ago"`
}

type comparisonDoc struct {
	Quarter string        `json:"quarter"`
	AsOf    string        `json:"as_of"`
	KPIs    orderedObject `json:"kpis"`
}

type kindRow struct {
	Kind                string   `json:"kind"`
	AtRisk              int64    `json:"at_risk"`
	Recovered           int64    `json:"recovered"`
	Lost                int64    `json:"lost"`
	Pending             int64    `json:"pending"`
	RecoveryRate        *float64 `json:"recovery_rate"`
	MaturedRecoveryRate *float64 `json:"matured_recovery_rate"`
	RevenueAtRisk       float64  `json:"revenue_at_risk"`
	LostRevenue         float64  `json:"lost_revenue"`
}

type channelRow struct {
	Channel      string   `json:"channel"`
	Episodes     int64    `json:"episodes"`
	Recovered    int64    `json:"recovered"`
	RecoveryRate *float64 `json:"recovery_rate"`
}

type departed struct {
	BySegment []segmentDeparted `json:"by_segment"`
	ByTier    []tierDeparted    `json:"by_tier"`
}

type segmentDeparted struct {
	Segment         string  `json:"segment"`
	Departed        int64   `json:"departed"`
	DepartedRevenue float64 `json:"departed_revenue"`
	Recovered       int64   `json:"recovered"`
}

type tierDeparted struct {
	Tier            string  `json:"tier"`
	Departed        int64   `json:"departed"`
	DepartedRevenue float64 `json:"departed_revenue"`
	Recovered       int64   `json:"recovered"`
}

type curvePoint struct {
	Day            int      `json:"day"`
	RecoveredShare *float64 `json:"recovered_share"`
}

// kpi is one KPI: value alone for counts and money; numerator and denominator for
// percentages; pending for the re-churn rate; status, target and benchmark where they
// apply; whether it is provisional.
type kpi struct {
	Value       *float64   `json:"value"`
	Numerator   *int64     `json:"numerator,omitempty"`
	Denominator *int64     `json:"denominator,omitempty"`
	Pending     *int64     `json:"pending,omitempty"`
	Status      string     `json:"status,omitempty"`
	Target      *target    `json:"target,omitempty"`
	Benchmark   *benchmark `json:"benchmark,omitempty"`
	Provisional bool       `json:"provisional"`
}

type target struct {
	Rule string   `json:"rule"`
	Low  *float64 `json:"low,omitempty"`
	High *float64 `json:"high,omitempty"`
}

type benchmark struct {
	Industry string   `json:"industry"`
	Value    float64  `json:"value"`
	Low      *float64 `json:"low,omitempty"`
	High     *float64 `json:"high,omitempty"`
	Source   string   `json:"source"`
}

func kpiSet(list []pipeline.KPI) orderedObject {
	out := make(orderedObject, 0, len(list))
	for _, k := range list {
		v := kpi{Value: k.Value, Numerator: k.Numerator, Denominator: k.Denominator, Pending: k.Pending, Status: k.Status, Provisional: k.Provisional}
		if k.Target != nil {
			v.Target = &target{k.Target.Rule, k.Target.Low, k.Target.High}
		}
		if k.Benchmark != nil {
			b := k.Benchmark
			v.Benchmark = &benchmark{b.Industry, b.Value, b.Low, b.High, b.Source}
		}
		out = append(out, member{string(k.ID), v})
	}
	return out
}

type reasonRow struct {
	Reason                 string   `json:"reason"`
	AtRisk                 int64    `json:"at_risk"`
	Recovered              int64    `json:"recovered"`
	Lost                   int64    `json:"lost"`
	Pending                int64    `json:"pending"`
	RecoveryRate           *float64 `json:"recovery_rate"`
	RevenueAtRisk          float64  `json:"revenue_at_risk"`
	LostRevenue            float64  `json:"lost_revenue"`
	CumulativeRevenueShare *float64 `json:"cumulative_revenue_share"`
}

type segmentRow struct {
	Segment       string   `json:"segment"`
	AtRisk        int64    `json:"at_risk"`
	Recovered     int64    `json:"recovered"`
	Lost          int64    `json:"lost"`
	Pending       int64    `json:"pending"`
	RecoveryRate  *float64 `json:"recovery_rate"`
	RevenueAtRisk float64  `json:"revenue_at_risk"`
	LostRevenue   float64  `json:"lost_revenue"`
}

type mitigationRow struct {
	Group            string   `json:"group"`
	AtRisk           int64    `json:"at_risk"`
	Recovered        int64    `json:"recovered"`
	RecoveryRate     *float64 `json:"recovery_rate"`
	RecoveredRevenue float64  `json:"recovered_revenue"`
}

type offerRow struct {
	OfferType         string   `json:"offer_type"`
	Issued            int64    `json:"issued"`
	Redeemed          int64    `json:"redeemed"`
	Expired           int64    `json:"expired"`
	Open              int64    `json:"open"`
	ConsumptionRate   *float64 `json:"consumption_rate"`
	BreakageRate      *float64 `json:"breakage_rate"`
	FaceValueIssued   float64  `json:"face_value_issued"`
	FaceValueRedeemed float64  `json:"face_value_redeemed"`
	RecoveredRevenue  float64  `json:"recovered_revenue"`
	ReturnOnFaceValue *float64 `json:"return_on_face_value"`
}

type trendPoint struct {
	Quarter string        `json:"quarter"`
	KPIs    orderedObject `json:"kpis"`
	Reasons []trendReason `json:"reasons"`
}

type trendReason struct {
	Reason        string  `json:"reason"`
	AtRisk        int64   `json:"at_risk"`
	RevenueAtRisk float64 `json:"revenue_at_risk"`
}

type worklists struct {
	Winback        []winbackRow `json:"winback"`
	ExecutiveCalls []winbackRow `json:"executive_calls"`
	IntensiveCare  []careRow    `json:"intensive_care"`
}

type winbackRow struct {
	CustomerID    string  `json:"customer_id"`
	Name          *string `json:"name"`
	Segment       string  `json:"segment"`
	AtRiskAt      string  `json:"at_risk_at"`
	Kind          string  `json:"kind"`
	Reason        string  `json:"reason"`
	RevenueAtRisk float64 `json:"revenue_at_risk"`
	Outcome       string  `json:"outcome"`
	Treated       bool    `json:"treated"`
	WindowCloses  string  `json:"window_closes"`
	Tier          *string `json:"tier"`
}

type careRow struct {
	CustomerID      string  `json:"customer_id"`
	Name            *string `json:"name"`
	Segment         string  `json:"segment"`
	RecoveredAt     string  `json:"recovered_at"`
	ReviewDue       string  `json:"review_due"`
	PurchasesSince  int64   `json:"purchases_since"`
	NetAmountSince  float64 `json:"net_amount_since"`
	ComplaintsSince int64   `json:"complaints_since"`
	Status          string  `json:"status"`
	RechurnKind     *string `json:"rechurn_kind"`
	RechurnReason   *string `json:"rechurn_reason"`
}

type tableQuality struct {
	RowsRead         int64         `json:"rows_read"`
	RowsSetAside     int64         `json:"rows_set_aside"`
	SetAsideByReason orderedObject `json:"set_aside_by_reason"`
}

// orderedObject is a JSON object whose members keep their order.
type orderedObject []member

type member struct {
	Key   string
	Value any
}

// MarshalJSON writes the members in order.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := stdjson.Marshal(m.Key)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		v, err := stdjson.Marshal(m.Value)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
