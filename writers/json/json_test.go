package json

import (
	stdjson "encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/recoverykpi/recoverykpi/pipeline"
)

// The worklists are in the document, every row in order, a missing name as null.
func TestWorklistsInDocument(t *testing.T) {
	at := time.Date(2026, 7, 3, 9, 30, 15, 500000000, time.UTC)
	name := "O'Brien & Sons"
	sc := &pipeline.Scorecard{Quarter: pipeline.Quarter{Label: "2026-Q3", Start: at, End: at.AddDate(0, 3, 0)}, AsOf: at,
		Winback: []pipeline.WinbackRow{{CustomerID: "C-1", Name: &name, AtRiskAt: at, RevenueAtRisk: 1e21, Treated: true}},
		IntensiveCare: []pipeline.CareRow{
			{CustomerID: "C-2", RecoveredAt: at, ReviewDue: at.AddDate(0, 0, 90), NetAmountSince: -12.5, Status: "healthy"},
			{CustomerID: "C-3", Name: &name, RecoveredAt: at, ReviewDue: at, PurchasesSince: 4, Status: "re-churned"},
		}}
	b, err := Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Worklists struct {
			Winback       []map[string]any `json:"winback"`
			IntensiveCare []map[string]any `json:"intensive_care"`
		} `json:"worklists"`
	}
	if err := stdjson.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	wl := doc.Worklists
	if len(wl.Winback) != 1 || len(wl.IntensiveCare) != 2 {
		t.Fatalf("worklists of %d and %d rows, want 1 and 2", len(wl.Winback), len(wl.IntensiveCare))
	}
	if w := wl.Winback[0]; w["name"] != name || w["at_risk_at"] != "2026-07-03T09:30:15.5Z" || w["treated"] != true {
		t.Errorf("win-back row %v", w)
	}
	if c := wl.IntensiveCare[0]; c["customer_id"] != "C-2" || c["name"] != nil || c["net_amount_since"] != -12.5 {
		t.Errorf("first intensive-care row %v", c)
	}
	if c := wl.IntensiveCare[1]; c["customer_id"] != "C-3" || c["status"] != "re-churned" {
		t.Errorf("second intensive-care row %v", c)
	}
	if !strings.HasSuffix(string(b), "}\n") {
		t.Error("the document does not end in a newline")
	}
}

// Like encoding/json, the worklists refuse a number JSON cannot hold.
func TestWorklistsRefuseNaN(t *testing.T) {
	sc := &pipeline.Scorecard{IntensiveCare: []pipeline.CareRow{{CustomerID: "C-1", NetAmountSince: math.NaN()}}}
	if _, err := Marshal(sc); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("NaN encoded: %v", err)
	}
}

// encode's bytes are an indenting Encoder's, HTML characters unescaped, ending in a
// newline.
func TestEncodeAsIndentingEncoder(t *testing.T) {
	at := time.Date(2026, 7, 3, 9, 30, 15, 500000000, time.UTC)
	name := "<O'Brien & Sons>\u2028"
	sc := &pipeline.Scorecard{Quarter: pipeline.Quarter{Label: "2026-Q3", Start: at, End: at.AddDate(0, 3, 0)}, AsOf: at,
		Winback:       []pipeline.WinbackRow{{CustomerID: "C-1", Name: &name, AtRiskAt: at, RevenueAtRisk: 1e21}},
		IntensiveCare: []pipeline.CareRow{{CustomerID: "C-2", Name: &name, RecoveredAt: at, ReviewDue: at, NetAmountSince: -12.5}}}
	if want := encodeAsIndentingEncoder(t, sc); !strings.Contains(want, "<O'Brien & Sons>") {
		t.Fatal("HTML characters escaped")
	}
}

// The worklists' rows are written as encoding/json writes them: every member of
// both row types, strings needing every kind of escape, floats in both forms, nil
// pointers, empty and long lists.
func TestRowsAsEncodingJSON(t *testing.T) {
	texts := []string{"", "C-1", "plain ascii ~!", `quo"te`, `back\slash`, "tab\there", "nl\nand\rcr",
		"\x00\x01\x1f\x7f", "\b\f", "<b>&amp;</b>", "O'Brien", "Zoë Ångström", "日本語", "\u2028\u2029",
		"bad \xff\xfe utf8", "\xed\xa0\x80", "trailing \xc3"}
	floats := []float64{0, math.Copysign(0, -1), 1, -12.5, 1e-6, 9.99e-7, 1e-7, 1.5e-300, 5e-324,
		1e20, 1e21, -1e21, 123456789.125, math.MaxFloat64, 0.1 + 0.2, -1.0 / 3}
	ints := []int64{0, 1, -1, 42, math.MaxInt64, math.MinInt64}
	ptr := func(i int) *string {
		if i%5 == 0 {
			return nil
		}
		return &texts[i%len(texts)]
	}
	var winback, calls []pipeline.WinbackRow
	var care []pipeline.CareRow
	at := time.Date(2026, 7, 3, 9, 30, 15, 123456000, time.UTC)
	for i := range 2*probeRows + 100 { // long enough for the care list's buffer to be sized from its first rows
		s := func(k int) string { return texts[(i*7+k)%len(texts)] }
		w := pipeline.WinbackRow{CustomerID: s(0), Name: ptr(i), Segment: s(1), AtRiskAt: at.Add(time.Duration(i) * time.Hour),
			Kind: s(2), Reason: s(3), RevenueAtRisk: floats[i%len(floats)], Outcome: s(4), Treated: i%2 == 0,
			WindowCloses: at.AddDate(0, 0, i), Tier: ptr(i + 1)}
		if i < 200 {
			winback = append(winback, w)
		}
		if i%3 == 0 && i < 200 {
			calls = append(calls, w)
		}
		care = append(care, pipeline.CareRow{CustomerID: s(5), Name: ptr(i + 2), Segment: s(6), RecoveredAt: at,
			ReviewDue: at.AddDate(0, 0, 90), PurchasesSince: ints[i%len(ints)], NetAmountSince: floats[(i+3)%len(floats)],
			ComplaintsSince: ints[(i+1)%len(ints)], Status: s(7), RechurnKind: ptr(i + 3), RechurnReason: ptr(i + 4)})
	}
	q := pipeline.Quarter{Label: "2026-Q3", Start: at, End: at.AddDate(0, 3, 0)}
	for _, sc := range []*pipeline.Scorecard{
		{Quarter: q, AsOf: at, Winback: winback, ExecutiveCalls: calls, IntensiveCare: care},
		{Quarter: q, AsOf: at, IntensiveCare: care[:1]},
		{Quarter: q, AsOf: at, Winback: winback[:2]},
		{Quarter: q, AsOf: at},
	} {
		encodeAsIndentingEncoder(t, sc)
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		_, want := stdjson.Marshal(newDocument(&pipeline.Scorecard{Winback: []pipeline.WinbackRow{{RevenueAtRisk: bad}}}))
		_, got := Marshal(&pipeline.Scorecard{Winback: []pipeline.WinbackRow{{RevenueAtRisk: bad}}})
		if got == nil || want == nil || got.Error() != want.Error() {
			t.Errorf("%v: error %v, encoding/json's %v", bad, got, want)
		}
	}
}

// encodeAsIndentingEncoder fails the test unless encode gives sc's document as
// encoding/json's Encoder writes it with SetIndent("", "  ") and HTML characters
// unescaped, and returns those bytes.
func encodeAsIndentingEncoder(t *testing.T, sc *pipeline.Scorecard) string {
	t.Helper()
	doc := newDocument(sc)
	var b strings.Builder
	enc := stdjson.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	got, err := encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := string(got), b.String(); g != w {
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		t.Fatalf("encode differs from an indenting Encoder at byte %d:\n%q\nagainst\n%q", i, g[max(0, i-80):min(len(g), i+80)], w[max(0, i-80):min(len(w), i+80)])
	}
	return b.String()
}
