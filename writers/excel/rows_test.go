package excel

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/pipeline"
)

// awkwardTexts are texts that excelize escapes or flags: XML specials, quotes, line
// breaks and tabs, leading and trailing white space, `_xHHHH_` sequences (escaped and
// not), control characters, invalid UTF-8, non-ASCII letters, emoji, empty.
var awkwardTexts = []string{
	"", "C-000001", "O'Brien & Sons", "<b>bold</b>", `say "hi"`, "two\nlines", "tab\there", "cr\rlf",
	" leading", "trailing ", "\tboth\t", "_x0041_", "_x005F_x0041_", "a_x00zz_b", "_x005F_", "_x005f_xD83D_",
	"\nline feed first", "carriage return last\r", "snake_case_id", "ctrl\x01char", "bad\xffutf8", "Zoë Åström", "Łódź", "日本語", "emoji 😀", "100%", "a;b,c",
}

// longTexts are texts wider than a column and longer than a cell holds (in bytes,
// in UTF-16 units, and cut inside a surrogate pair).
var longTexts = []string{
	strings.Repeat("long ", 2000),
	strings.Repeat("x", excelize.TotalCellChars+1),
	strings.Repeat("日", excelize.TotalCellChars/3+10),
	strings.Repeat("日", excelize.TotalCellChars-5) + " tail",
	strings.Repeat("a", excelize.TotalCellChars-1) + "😀 ",
}

// The worklists' rows encoded by rows.go are the bytes SetRow writes: whole
// workbooks rendered both ways are identical, for awkward texts, special numbers,
// missing names, empty lists, and lists longer than the encoder's buffer; on one
// core or several.
func TestRowsAsStreamWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	pick := func() string {
		if rng.IntN(100) == 0 {
			return longTexts[rng.IntN(len(longTexts))]
		}
		return awkwardTexts[rng.IntN(len(awkwardTexts))]
	}
	name := func() *string {
		if rng.IntN(5) == 0 {
			return nil
		}
		s := pick()
		return &s
	}
	at := time.Date(2026, 7, 3, 9, 30, 15, 500000000, time.UTC)
	for _, n := range []int{0, 1, 3, 250, 12_000} {
		t.Run(fmt.Sprint("rows=", n), func(t *testing.T) {
			sc, prov := fixture()
			sc.Winback, sc.IntensiveCare = nil, nil
			for i := range n {
				amount := []float64{0, -12.5, 1e21, 1.0 / 3, math.Inf(1), math.NaN(), 123456.789, math.Copysign(0, -1)}[i%8]
				w := pipeline.WinbackRow{
					CustomerID: pick(), Name: name(), Segment: pick(), AtRiskAt: at.Add(time.Duration(i) * time.Hour),
					Kind: pick(), Reason: pick(), RevenueAtRisk: amount, Outcome: []string{"pending", "recovered"}[i%2],
					Treated: i%3 == 0, WindowCloses: at.AddDate(0, 0, i%200), Tier: name(),
				}
				if i < 300 {
					sc.Winback = append(sc.Winback, w)
				}
				kind, reason := name(), name()
				sc.IntensiveCare = append(sc.IntensiveCare, pipeline.CareRow{
					CustomerID: "C-" + strconv.Itoa(i) + pick(), Name: name(), Segment: pick(),
					RecoveredAt: at, ReviewDue: at.AddDate(0, 0, i%365), PurchasesSince: int64(i) - 3,
					NetAmountSince: amount, ComplaintsSince: int64(i % 4), Status: []string{"healthy", "re-churned", "inactive"}[i%3],
					RechurnKind: kind, RechurnReason: reason,
				})
			}
			render := func(bySetRow bool, procs int) []byte {
				defer func(old bool) { rowsBySetRow = old }(rowsBySetRow)
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				rowsBySetRow = bySetRow
				var buf bytes.Buffer
				if err := Write(&buf, sc, prov); err != nil {
					t.Fatal(err)
				}
				return buf.Bytes()
			}
			want := render(true, 2)
			for _, procs := range []int{1, 2, 4} {
				if got := render(false, procs); !bytes.Equal(got, want) {
					t.Fatalf("GOMAXPROCS %d: the workbook with encoded rows (%d bytes) differs from the one written by SetRow (%d bytes)", procs, len(got), len(want))
				}
			}
		})
	}
}

// appendRow encodes every kind of value a row may hold as SetRow does, and refuses
// the kinds it does not encode rather than writing them wrongly.
func TestAppendRowValues(t *testing.T) {
	values := []any{"text", nil, excelize.Cell{StyleID: 3}, excelize.Cell{StyleID: 4, Value: 2.5}, int64(-7), 42, true, false,
		math.NaN(), math.Inf(-1), excelize.Cell{StyleID: 5, Value: "  spaced"}}
	got, err := appendRow(nil, 9, values, []string{"A", "B", "C"}) // the other columns named by colName
	if err != nil {
		t.Fatal(err)
	}
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A9", values); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sheet := parts(t, buf.Bytes())["xl/worksheets/sheet1.xml"]
	if !bytes.Contains(sheet, got) {
		t.Fatalf("encoded %s\nnot in the sheet SetRow wrote:\n%s", got, sheet)
	}
	for _, bad := range []any{time.Now(), uint8(1), excelize.Cell{Formula: "A1+1"}} {
		if _, err := appendRow(nil, 1, []any{bad}, nil); err == nil {
			t.Errorf("%T encoded", bad)
		}
	}
}
