package excel

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

// awkwardTexts are texts that excelize escapes or flags: XML specials, quotes, line
// breaks and tabs, leading and trailing white space, `_xHHHH_` sequences (escaped and
// not), control characters, invalid UTF-8, non-ASCII letters, emoji, empty.
var awkwardTexts = []string{
	"", "C-000001", "O'Brien & Sons", "<b>bold</b>", `say "hi"`, "two\nlines", "tab\there", "cr\rlf",
	" leading", "trailing ", "\tboth\t", "_x0041_", "_x005F_x0041_", "a_x00zz_b", "_x005F_", "_x005f_xD83D_",
	"snake_case_id", "ctrl\x01char", "bad\xffutf8", "Zoë Åström", "Łódź", "日本語", "emoji 😀", "100%", "a;b,c",
	strings.Repeat("long ", 2000),
}

// The data rows encoded by rows.go are the bytes SetRow would have written: whole
// workbooks rendered both ways are identical, for awkward texts, special numbers,
// missing names, an empty worklist and long lists split into many chunks.
func TestFastRowsMatchStreamWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	pick := func() string { return awkwardTexts[rng.IntN(len(awkwardTexts))] }
	name := func() *string {
		if rng.IntN(5) == 0 {
			return nil
		}
		s := pick()
		return &s
	}
	at := time.Date(2026, 7, 3, 9, 30, 15, 500000000, time.UTC)
	for _, n := range []int{0, 1, 3, rowsChunk + 17, 3*rowsChunk + 1} {
		t.Run(fmt.Sprint("rows=", n), func(t *testing.T) {
			sc, prov := fixture()
			sc.Winback, sc.IntensiveCare = nil, nil
			for i := range n {
				amount := []float64{0, -12.5, 1e21, 1.0 / 3, math.Inf(1), math.NaN(), 123456.789}[i%7]
				sc.Winback = append(sc.Winback, pipeline.WinbackRow{
					CustomerID: pick(), Name: name(), Segment: pick(), AtRiskAt: at.Add(time.Duration(i) * time.Hour),
					Kind: pick(), Reason: pick(), RevenueAtRisk: amount, Outcome: pick(), Treated: i%2 == 0,
				})
				sc.IntensiveCare = append(sc.IntensiveCare, pipeline.CareRow{
					CustomerID: fmt.Sprintf("C-%06d", i), Name: name(), Segment: pick(),
					RecoveredAt: at, ReviewDue: at.AddDate(0, 0, i%365), PurchasesSince: int64(i) - 3,
					NetAmountSince: amount, ComplaintsSince: int64(i % 4), Status: []string{"healthy", "re-churned"}[i%2],
				})
			}
			render := func(fast bool) []byte {
				defer func(old bool) { fastRows = old }(fastRows)
				fastRows = fast
				var buf bytes.Buffer
				if err := Write(&buf, sc, prov); err != nil {
					t.Fatal(err)
				}
				return buf.Bytes()
			}
			fast, slow := render(true), render(false)
			if !bytes.Equal(fast, slow) {
				t.Fatalf("the workbook with encoded rows (%d bytes) differs from the one written by SetRow (%d bytes)", len(fast), len(slow))
			}
		})
	}
}

// A text too long for a cell is left to SetRow, which truncates it.
func TestFastRowsLeaveLongTextsToSetRow(t *testing.T) {
	sc, prov := fixture()
	long := strings.Repeat("x", maxCellChars+1)
	sc.IntensiveCare[0].Segment = long
	var fast, slow bytes.Buffer
	if err := Write(&fast, sc, prov); err != nil {
		t.Fatal(err)
	}
	fastRows = false
	err := Write(&slow, sc, prov)
	fastRows = true
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fast.Bytes(), slow.Bytes()) {
		t.Fatal("a worklist with a text too long for a cell was not left to SetRow")
	}
}

func TestAppendColumn(t *testing.T) {
	for col, want := range map[int]string{1: "A", 9: "I", 26: "Z", 27: "AA", 52: "AZ", 53: "BA", 702: "ZZ", 703: "AAA", 16384: "XFD"} {
		if got := string(appendColumn(nil, col)); got != want {
			t.Errorf("column %d: %s, want %s", col, got, want)
		}
	}
}
