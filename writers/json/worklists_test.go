package json

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/recoverykpi/recoverykpi/pipeline"
)

// encodingJSON is the document as encoding/json alone writes it, worklists included.
func encodingJSON(t *testing.T, sc *pipeline.Scorecard) []byte {
	t.Helper()
	doc := newDocument(sc)
	for _, w := range sc.Winback {
		doc.Worklists.Winback = append(doc.Worklists.Winback, winbackRow{
			w.CustomerID, w.Name, w.Segment, rfc3339(w.AtRiskAt), w.Kind, w.Reason, w.RevenueAtRisk, w.Outcome, w.Treated,
		})
	}
	for _, c := range sc.IntensiveCare {
		doc.Worklists.IntensiveCare = append(doc.Worklists.IntensiveCare, careRow{
			c.CustomerID, c.Name, c.Segment, rfc3339(c.RecoveredAt), rfc3339(c.ReviewDue),
			c.PurchasesSince, c.NetAmountSince, c.ComplaintsSince, c.Status,
		})
	}
	b, err := encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var awkward = []string{
	"", "C-000001", "O'Brien & Sons", "<b>bold</b>", `say "hi"`, `back\slash`, "two\nlines", "tab\t", "cr\r",
	"bell\a", "\b\f", "bad\xffutf8", "Zoë Åström", "日本語", "emoji 😀", "line\u2028sep", "para\u2029sep", "\x7f del",
}

var awkwardNumbers = []float64{0, math.Copysign(0, -1), 1, -1.5, 1.0 / 3, 1e-6, 9.99e-7, 1e-7, 1.5e-10, 1e20, 1e21, 1.234e22, -2e21, 123456789.125, 5e-324, math.MaxFloat64}

// The worklists encoded here are the bytes encoding/json writes: whole documents
// compared, with awkward texts, numbers on both sides of the exponent cut-offs,
// missing names, empty worklists and lists of many chunks.
func TestWorklistsMatchEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	pick := func() string { return awkward[rng.IntN(len(awkward))] }
	name := func() *string {
		if rng.IntN(4) == 0 {
			return nil
		}
		s := pick()
		return &s
	}
	at := time.Date(2026, 7, 3, 9, 30, 15, 500000000, time.UTC)
	for _, n := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {3, 5}, {rowsChunk + 1, 2*rowsChunk + 3}} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			sc := &pipeline.Scorecard{Quarter: pipeline.Quarter{Label: "2026-Q3", Start: at, End: at.AddDate(0, 3, 0)}, AsOf: at}
			for i := range n[0] {
				sc.Winback = append(sc.Winback, pipeline.WinbackRow{
					CustomerID: pick(), Name: name(), Segment: pick(), AtRiskAt: at.Add(time.Duration(i) * time.Microsecond),
					Kind: pick(), Reason: pick(), RevenueAtRisk: awkwardNumbers[i%len(awkwardNumbers)], Outcome: pick(), Treated: i%3 == 0,
				})
			}
			for i := range n[1] {
				sc.IntensiveCare = append(sc.IntensiveCare, pipeline.CareRow{
					CustomerID: fmt.Sprintf("C-%d", i), Name: name(), Segment: pick(), RecoveredAt: at,
					ReviewDue: at.Add(time.Duration(i) * time.Hour), PurchasesSince: int64(i) - 2,
					NetAmountSince: -awkwardNumbers[i%len(awkwardNumbers)], ComplaintsSince: int64(i % 3), Status: pick(),
				})
			}
			got, err := Marshal(sc)
			if err != nil {
				t.Fatal(err)
			}
			want := encodingJSON(t, sc)
			if !bytes.Equal(got, want) {
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				t.Fatalf("differs from encoding/json at byte %d:\n got: %q\nwant: %q", i, snippet(got, i), snippet(want, i))
			}
		})
	}
}

func snippet(b []byte, i int) string {
	return string(b[max(0, i-60):min(len(b), i+60)])
}

// Like encoding/json, the worklists refuse a number JSON cannot hold.
func TestWorklistsRefuseNaN(t *testing.T) {
	sc := &pipeline.Scorecard{IntensiveCare: []pipeline.CareRow{{CustomerID: "C-1", NetAmountSince: math.NaN()}}}
	if _, err := Marshal(sc); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("NaN encoded: %v", err)
	}
}
