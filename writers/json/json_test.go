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
	doc := newDocument(sc)
	var want strings.Builder
	enc := stdjson.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	got, err := encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Fatalf("encode gives\n%s\nan indenting Encoder\n%s", got, want.String())
	}
	if !strings.Contains(want.String(), "<O'Brien & Sons>") {
		t.Fatal("HTML characters escaped")
	}
}
