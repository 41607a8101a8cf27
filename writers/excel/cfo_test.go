package excel

import (
	"bytes"
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// open writes the scorecard and opens the workbook with excelize.
func open(t *testing.T, sc *pipeline.Scorecard, prov manifest.Provenance) (*excelize.File, []byte) {
	t.Helper()
	b := write(t, sc, prov)
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, b
}

// longCare is the fixture with an intensive-care list of n rows: its three exceptions
// first, then healthy customers.
func longCare(n int) (*pipeline.Scorecard, manifest.Provenance) {
	sc, prov := fixture()
	care := sc.IntensiveCare
	list := append([]pipeline.CareRow(nil), care[:2]...)
	for len(list) < n {
		c := care[2]
		c.CustomerID = "H-" + strconv.Itoa(len(list))
		list = append(list, c)
	}
	sc.IntensiveCare = list
	return sc, prov
}

func TestRenderNumber(t *testing.T) {
	b := &book{sc: &pipeline.Scorecard{Currency: "USD"}}
	for _, tc := range []struct {
		code string
		v    float64
		want string
	}{
		{fmtInt, 1234567, "1,234,567"},
		{fmtSignedInt, -4, "-4"},
		{fmtSignedInt, 12, "+12"},
		{fmtPercent, 0.615384, "61.5%"},
		{fmtPoints, -7.25, "-7.3 pp"},
		{fmtDays, 21.525, "21.5 days"},
		{fmtDecimal, 4, "4"},
		{fmtDecimal, 4.5, "4.5"},
		{b.moneyFormat(false), 15707438.39, "$15,707,438.39"},
		{b.moneyFormat(false), -20, "-$20.00"},
		{b.compactMoneyFormat(scaleMillions, false), 15707438.39, "$15.7M"},
		{b.compactMoneyFormat(scaleThousands, false), 265541.45, "$265.5K"},
		{b.compactMoneyFormat(scaleThousands, true), -169800, "-$169.8K"},
		{b.compactMoneyFormat(scaleUnits, false), 830.25, "$830"},
		{`0.00"×"`, 10.909, "10.91×"},
	} {
		if got := renderNumber(tc.code, tc.v); got != tc.want {
			t.Errorf("renderNumber(%q, %v) = %q, want %q", tc.code, tc.v, got, tc.want)
		}
	}
	if got := renderNumber(fmtDateTime, 46204.5); len(got) != len("2026-09-30 12:00") {
		t.Errorf("a date-time renders as %q", got)
	}
	for _, tc := range []struct {
		values []float64
		want   int
	}{{[]float64{999.94}, scaleUnits}, {[]float64{999.96}, scaleThousands}, {[]float64{-15.7e6, 3}, scaleMillions}, {[]float64{999949}, scaleThousands}} {
		if got := moneyScale(tc.values...); got != tc.want {
			t.Errorf("moneyScale(%v) = %d, want %d", tc.values, got, tc.want)
		}
	}
	// The estimator: a longer text, or bold, needs more width; a digit is one unit.
	if w := textWidth("0000000000", 11, false, false) - cellPadding; w < 9.99 || w > 10.01 {
		t.Errorf("ten digits are %v wide, want 10", w)
	}
	if textWidth("Revenue at risk", 11, true, false) <= textWidth("Revenue at risk", 11, false, false) {
		t.Error("bold is not wider")
	}
}

// TestEveryColumnFitsItsText renders every cell of every sheet (numbers with their
// number format) and requires its column to be at least as wide as the text: for
// numbers always (a clipped number shows ###), for text unless it is wrapped, part of
// a merged range, or runs on into an empty cell to its right.
func TestEveryColumnFitsItsText(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() (*pipeline.Scorecard, manifest.Provenance)
	}{{"fixture", fixture}, {"empty", emptyFixture}, {"long care list", func() (*pipeline.Scorecard, manifest.Provenance) { return longCare(500) }}} {
		t.Run(tc.name, func(t *testing.T) {
			sc, prov := tc.make()
			f, _ := open(t, sc, prov)
			checked := 0
			for _, sheet := range f.GetSheetList() {
				rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				merged, _ := f.GetMergeCells(sheet)
				inMerge := func(col, row int) bool {
					for _, m := range merged {
						c1, r1, _ := excelize.CellNameToCoordinates(m.GetStartAxis())
						c2, r2, _ := excelize.CellNameToCoordinates(m.GetEndAxis())
						if c1 != c2 && col >= c1 && col <= c2 && row >= r1 && row <= r2 {
							return true
						}
					}
					return false
				}
				for ri, r := range rows {
					for ci, raw := range r {
						if raw == "" || inMerge(ci+1, ri+1) {
							continue
						}
						cell := cellName(ci+1, ri+1)
						typ, _ := f.GetCellType(sheet, cell)
						style := &excelize.Style{}
						if id, err := f.GetCellStyle(sheet, cell); err == nil && id != 0 {
							if s, err := f.GetStyle(id); err == nil {
								style = s
							}
						}
						if style.Alignment != nil && style.Alignment.WrapText {
							continue
						}
						text := raw
						number := typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset && isNum(raw)
						if number {
							v, _ := strconv.ParseFloat(raw, 64)
							code := ""
							if style.CustomNumFmt != nil {
								code = *style.CustomNumFmt
							}
							text = renderNumber(code, v)
						} else if ci+1 >= len(r) || r[ci+1] == "" {
							continue // runs on into the empty cell beside it
						}
						size, bold, mono := 11.0, false, false
						if ft := style.Font; ft != nil {
							size, bold, mono = ft.Size, ft.Bold, ft.Family == "Courier New"
							if size == 0 {
								size = 11
							}
						}
						need := textWidth(text, size, bold, mono)
						if style.Alignment != nil && style.Alignment.Indent > 0 {
							need += 1.5
						}
						w, err := f.GetColWidth(sheet, colName(ci+1))
						if err != nil {
							t.Fatal(err)
						}
						if w < need {
							t.Errorf("%s!%s %q needs width %.2f, column is %.2f", sheet, cell, text, need, w)
						}
						checked++
					}
				}
			}
			if checked < 100 {
				t.Errorf("only %d cells checked", checked)
			}
		})
	}
}

func isNum(s string) bool { _, err := strconv.ParseFloat(s, 64); return err == nil }

// TestSummaryFitsOneLandscapePage: the Summary is the first sheet, prints landscape on
// one page (fit to one page wide and tall), its print area is the headline table and
// the charts, and the charts lie inside it.
func TestSummaryFitsOneLandscapePage(t *testing.T) {
	sc, prov := fixture()
	f, b := open(t, sc, prov)
	if got := f.GetSheetList()[0]; got != sheetSummary {
		t.Fatalf("first sheet %q", got)
	}
	pl, err := f.GetPageLayout(sheetSummary)
	if err != nil {
		t.Fatal(err)
	}
	if deref2(pl.Orientation) != "landscape" || deref2(pl.FitToWidth) != 1 || deref2(pl.FitToHeight) != 1 {
		t.Errorf("page layout: orientation %v, fit %v × %v", deref2(pl.Orientation), deref2(pl.FitToWidth), deref2(pl.FitToHeight))
	}
	if sp, _ := f.GetSheetProps(sheetSummary); sp.FitToPage == nil || !*sp.FitToPage {
		t.Error("Summary is not fit to page")
	}
	area := ""
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Area" && dn.Scope == sheetSummary {
			area = dn.RefersTo
		}
	}
	if area == "" {
		t.Fatal("Summary has no print area")
	}
	_, last, _ := strings.Cut(area, ":")
	lastCol, lastRow, err := excelize.CellNameToCoordinates(strings.ReplaceAll(last, "$", ""))
	if err != nil {
		t.Fatal(err)
	}
	if lastCol != sumLastCol {
		t.Errorf("print area %s ends in column %d", area, lastCol)
	}
	anchors := chartAnchors(t, parts(t, b)["xl/drawings/drawing1.xml"])
	if len(anchors) != 2 {
		t.Fatalf("Summary has %d charts, want the bridge and the curve", len(anchors))
	}
	for _, a := range anchors {
		if a[0] > lastCol || a[1] > lastRow {
			t.Errorf("a chart ends at column %d row %d, outside the print area %s", a[0], a[1], area)
		}
	}
	for _, h := range headlines() {
		found := false
		for r := sumFirstFigure; r < sumFirstFigure+len(headlines()); r++ {
			if v, _ := f.GetCellValue(sheetSummary, cellName(1, r)); v == h.label {
				found = true
				if s, _ := f.GetCellValue(sheetSummary, cellName(6, r)); len(s) < 20 {
					t.Errorf("%s: sentence %q", h.label, s)
				}
			}
		}
		if !found {
			t.Errorf("Summary lacks %s", h.label)
		}
	}
	if v, _ := f.GetCellValue(sheetSummary, "A3"); !strings.HasPrefix(v, "PROVISIONAL") || !strings.Contains(v, "30 Dec 2026") {
		t.Errorf("A3 = %q, want the provisional banner with the day the quarter is final", v)
	}
}

func deref2[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// chartAnchors returns the 1-based column and row where each chart of a drawing ends.
func chartAnchors(t *testing.T, drawing []byte) [][2]int {
	t.Helper()
	var out [][2]int
	dec := xml.NewDecoder(bytes.NewReader(drawing))
	inTo, field := false, ""
	var cur [2]int
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "to":
				inTo = true
			case "col", "row":
				if inTo {
					field = x.Name.Local
				}
			}
		case xml.CharData:
			n, err := strconv.Atoi(string(x))
			if err == nil && field == "col" {
				cur[0] = n + 1
			} else if err == nil && field == "row" {
				cur[1] = n + 1
			}
		case xml.EndElement:
			switch x.Name.Local {
			case "to":
				inTo = false
				out = append(out, cur)
			case "col", "row":
				field = ""
			}
		}
	}
	return out
}

// fillOf returns the fill colour of a cell, "" for none.
func fillOf(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil || id == 0 {
		return ""
	}
	s, err := f.GetStyle(id)
	if err != nil || len(s.Fill.Color) == 0 {
		return ""
	}
	c := strings.ToUpper(s.Fill.Color[0])
	if len(c) == 8 {
		c = c[2:] // ARGB
	}
	return c
}

// TestProvisionalIsMarked: on the Scorecard every provisional KPI says so and its value
// is shaded, every final one says "final" unshaded; on the Trend every provisional
// value is shaded and the quarter row says which quarters are provisional.
func TestProvisionalIsMarked(t *testing.T) {
	sc, prov := fixture()
	f, _ := open(t, sc, prov)
	row := scHeaderRow + 1
	provisional := 0
	for _, d := range pipeline.Catalogue() {
		k := pipeline.FindKPI(sc.KPIs, d.ID)
		mark, _ := f.GetCellValue(sheetScorecard, cellName(scFinal, row))
		shaded := fillOf(t, f, sheetScorecard, cellName(scValue, row)) == colourProvisionalBG
		want := "final"
		if k.Provisional {
			want = "provisional"
			provisional++
		}
		if mark != want || shaded != k.Provisional {
			t.Errorf("Scorecard %s: %q, shaded %v; want %q", d.ID, mark, shaded, want)
		}
		row++
	}
	if provisional == 0 || provisional == len(sc.KPIs) {
		t.Fatalf("fixture has %d provisional KPIs: want some of each", provisional)
	}
	for i, tp := range sc.Trend {
		col := trendFirstCol + i
		state, _ := f.GetCellValue(sheetTrend, cellName(col, trendStateRow))
		anyProv := false
		for j, d := range pipeline.Catalogue() {
			k := pipeline.FindKPI(tp.KPIs, d.ID)
			anyProv = anyProv || k.Provisional
			if k.Value == nil {
				continue
			}
			if shaded := fillOf(t, f, sheetTrend, cellName(col, trendFirstRow+j)) == colourProvisionalBG; shaded != k.Provisional {
				t.Errorf("Trend %s %s: shaded %v, provisional %v", tp.Quarter.Label, d.ID, shaded, k.Provisional)
			}
		}
		if want := map[bool]string{true: "provisional", false: "final"}[anyProv]; state != want {
			t.Errorf("Trend %s: %q, want %q", tp.Quarter.Label, state, want)
		}
	}
}

// TestChangesColouredByDirection: every QoQ and YoY change on the Scorecard is green
// when the KPI moved the way that is better for it, red when worse, uncoloured for
// KPIs that are neither (and for no change).
func TestChangesColouredByDirection(t *testing.T) {
	for id, want := range map[contract.KPI]direction{
		contract.RecoveryRate: higherBetter, contract.RetainedRevenue: higherBetter, contract.RecoverySatisfaction: higherBetter,
		contract.LostRevenue: lowerBetter, contract.DepartedCustomers: lowerBetter, contract.MedianDaysToRecovery: lowerBetter,
		contract.RecoveredRechurnRate: lowerBetter, contract.PendingCustomers: neutral, contract.OfferBreakageRate: neutral,
	} {
		if got := kpiDirection(id); got != want {
			t.Errorf("%s: direction %d, want %d", id, got, want)
		}
	}
	sc, prov := fixture()
	f, _ := open(t, sc, prov)
	green, red := "C6EFCE", "FFC7CE"
	coloured := map[string]int{}
	for _, c := range []struct {
		col int
		cmp *pipeline.Comparison
	}{{scQoQ, &sc.Comparisons.PreviousQuarter}, {scYoY, &sc.Comparisons.YearAgo}} {
		row := scHeaderRow + 1
		for _, d := range pipeline.Catalogue() {
			ch, ok := sameAgeChange(sc.KPIs, c.cmp, d.ID)
			fill := fillOf(t, f, sheetScorecard, cellName(c.col, row))
			want := ""
			switch dir := kpiDirection(d.ID); {
			case !ok || ch == 0 || dir == neutral:
			case ch > 0 && dir == higherBetter, ch < 0 && dir == lowerBetter:
				want = green
			default:
				want = red
			}
			if fill != want {
				t.Errorf("%s column %d: change %v, fill %q, want %q", d.ID, c.col, ch, fill, want)
			}
			coloured[fill]++
			row++
		}
	}
	if coloured[green] == 0 || coloured[red] == 0 {
		t.Errorf("fixture colours %v: want some green and some red", coloured)
	}
}

// sheetText returns every cell's formatted text of a sheet, joined by tabs and lines.
func sheetText(t *testing.T, f *excelize.File, sheet string) string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t"))
		b.WriteString("\n")
	}
	return b.String()
}

// rowOf returns the cells of the first row of the sheet whose column col equals text.
func rowOf(t *testing.T, f *excelize.File, sheet string, col int, text string) []string {
	t.Helper()
	rows, _ := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	for _, r := range rows {
		if len(r) >= col && r[col-1] == text {
			return r
		}
	}
	t.Errorf("%s: no row with %q in column %d", sheet, text, col)
	return nil
}

func num(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }

// TestDeparturesAndMitigationShowV2Breakdowns reads the v2 breakdowns back: departed
// customers by segment and tier, the kinds with the complaint row beside the
// benchmark, revenue at risk per reason and quarter, the channels and the offers'
// recovered revenue and return on face value.
func TestDeparturesAndMitigationShowV2Breakdowns(t *testing.T) {
	sc, prov := fixture()
	f, _ := open(t, sc, prov)
	for _, x := range append(append([]pipeline.DepartedRow(nil), sc.Departed.BySegment...), sc.Departed.ByTier...) {
		r := rowOf(t, f, sheetDepartures, 1, x.Name)
		if len(r) < 5 || num(r[1]) != float64(x.Departed) || num(r[2]) != x.DepartedRevenue || num(r[4]) != float64(x.Recovered) {
			t.Errorf("Departures %s: %v", x.Name, r)
		}
	}
	for _, k := range sc.Kinds {
		r := rowOf(t, f, sheetDepartures, 1, k.Name)
		if len(r) < 9 || num(r[1]) != float64(k.AtRisk) || num(r[7]) != k.RevenueAtRisk {
			t.Errorf("Departures kind %s: %v", k.Name, r)
		}
		if k.Name == contract.KindComplaint && (len(r) < 10 || !strings.Contains(r[9], "retail 60%")) {
			t.Errorf("complaint row lacks the benchmark: %v", r)
		}
	}
	for _, name := range trendReasons(sc.Trend) {
		r := rowOf(t, f, sheetDepartures, 1, name)
		for i, tp := range sc.Trend {
			tr, ok := findTrendReason(tp.Reasons, name)
			got := ""
			if len(r) > 1+i {
				got = r[1+i]
			}
			if ok && num(got) != tr.RevenueAtRisk || !ok && got != "" {
				t.Errorf("reason %s %s: %q, want %v", name, tp.Quarter.Label, got, tr.RevenueAtRisk)
			}
		}
	}
	for _, c := range sc.Channels {
		r := rowOf(t, f, sheetMitigation, 1, c.Channel)
		if len(r) < 4 || num(r[1]) != float64(c.Episodes) || num(r[2]) != float64(c.Recovered) || num(r[3]) != *c.RecoveryRate/100 {
			t.Errorf("channel %s: %v", c.Channel, r)
		}
	}
	for _, o := range sc.Offers {
		r := rowOf(t, f, sheetMitigation, 1, o.OfferType)
		if len(r) < 11 || num(r[9]) != o.RecoveredRevenue || num(r[10]) != *o.ReturnOnFaceValue {
			t.Errorf("offer %s: %v", o.OfferType, r)
		}
	}
	for _, m := range sc.Mitigation {
		r := rowOf(t, f, sheetMitigation, 1, m.Group)
		if len(r) < 5 || num(r[4]) != m.RecoveredRevenue {
			t.Errorf("mitigation %s: %v", m.Group, r)
		}
	}
	if text := sheetText(t, f, sheetMitigation); strings.Contains(text, "table, so treatment") {
		t.Error("Mitigation says a table is missing when offers and outreach are present")
	}
	if text := sheetText(t, f, sheetScorecard); !strings.Contains(text, "recovery rate after a complaint this quarter is 72.2%") {
		t.Error("Scorecard lacks the benchmark caveat with the complaint kind's rate")
	}
}

// TestMissingOffersOrOutreachIsNamed: without the offers or the outreach table the
// Mitigation sheet names the missing table and draws no treatment chart.
func TestMissingOffersOrOutreachIsNamed(t *testing.T) {
	for _, missing := range [][]string{{contract.Offers}, {contract.Outreach}, {contract.Offers, contract.Outreach}} {
		t.Run(strings.Join(missing, "+"), func(t *testing.T) {
			sc, prov := fixture()
			var dq []pipeline.TableQuality
			for _, q := range sc.DataQuality {
				if !contains(missing, q.Table) {
					dq = append(dq, q)
				}
			}
			sc.DataQuality = dq
			if contains(missing, contract.Offers) {
				sc.Offers = nil
			}
			if contains(missing, contract.Outreach) {
				sc.Channels = nil
			}
			f, b := open(t, sc, prov)
			text := sheetText(t, f, sheetMitigation)
			want := "The extract has no " + strings.Join(missing, " or ") + " table"
			if !strings.Contains(text, want) {
				t.Errorf("Mitigation lacks %q", want)
			}
			if strings.Contains(dump(t, b), "Recovery rate by mitigation group") {
				t.Error("the treatment split is charted although treatment was not measured")
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestIntensiveCarePrintsExceptionsWhenLong: the list puts its exceptions first with a
// summary line of counts; a list that would print past ten pages prints only the
// header and the exceptions; a short one prints whole.
func TestIntensiveCarePrintsExceptionsWhenLong(t *testing.T) {
	area := func(f *excelize.File) string {
		for _, dn := range f.GetDefinedName() {
			if dn.Name == "_xlnm.Print_Area" && dn.Scope == sheetCare {
				return dn.RefersTo
			}
		}
		return ""
	}
	sc, prov := fixture()
	f, _ := open(t, sc, prov)
	if a := area(f); a != "" {
		t.Errorf("a short list has the print area %s", a)
	}
	if v, _ := f.GetCellValue(sheetCare, "A3"); !strings.HasPrefix(v, "Re-churned: 1 · Inactive: 1 · Healthy: 2") {
		t.Errorf("summary line %q", v)
	}
	if v, _ := f.GetCellValue(sheetCare, cellName(4, worklistHeaderRow+1)); v != statusRechurned {
		t.Errorf("first status %q", v)
	}
	sc, prov = longCare(3000)
	f, _ = open(t, sc, prov)
	if a, want := area(f), "'Intensive care'!$A$1:$K$6"; a != want {
		t.Errorf("print area %q, want %q (header and the two exceptions)", a, want)
	}
}

// TestWinbackFlagsExecutiveCalls: executive calls are flagged, those beyond the list's
// size are listed after it, and every row shows when its window closes and its tier.
func TestWinbackFlagsExecutiveCalls(t *testing.T) {
	sc, prov := fixture()
	f, _ := open(t, sc, prov)
	calls := map[string]bool{}
	for _, w := range sc.ExecutiveCalls {
		calls[w.CustomerID] = true
	}
	for _, w := range append(append([]pipeline.WinbackRow(nil), sc.Winback...), sc.ExecutiveCalls[2]) {
		r := rowOf(t, f, sheetWinback, 1, w.CustomerID)
		if len(r) < 12 {
			t.Errorf("%s: %v", w.CustomerID, r)
			continue
		}
		flag := ""
		if len(r) > 12 {
			flag = r[12]
		}
		if (flag == "yes") != calls[w.CustomerID] {
			t.Errorf("%s: executive call %q", w.CustomerID, flag)
		}
		b := &book{loc: sc.Quarter.Start.Location()}
		if num(r[9]) != b.serial(w.WindowCloses) {
			t.Errorf("%s: window closes %s", w.CustomerID, r[9])
		}
		tier := ""
		if w.Tier != nil {
			tier = *w.Tier
		}
		if r[3] != tier {
			t.Errorf("%s: tier %q, want %q", w.CustomerID, r[3], tier)
		}
		if left := r[10]; (w.Outcome == "pending") != (left != "") {
			t.Errorf("%s (%s): days left %q", w.CustomerID, w.Outcome, left)
		}
	}
}

// TestEverySheetIsConfidentialAndPrintable: every sheet has the confidential page
// header and a landscape page set-up, in the order of SPEC §6.
func TestEverySheetIsConfidentialAndPrintable(t *testing.T) {
	sc, prov := fixture()
	f, _ := open(t, sc, prov)
	want := []string{"Summary", "Scorecard", "Trend", "Reasons", "Segments", "Departures", "Mitigation", "Win-back list", "Intensive care", "Definitions", "Audit"}
	if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sheets %v", got)
	}
	for _, s := range f.GetSheetList() {
		hf, err := f.GetHeaderFooter(s)
		if err != nil || hf == nil || !strings.Contains(hf.OddHeader, confidential) {
			t.Errorf("%s: header %v", s, hf)
		}
		if pl, _ := f.GetPageLayout(s); deref2(pl.Orientation) != "landscape" || deref2(pl.FitToWidth) != 1 {
			t.Errorf("%s: not landscape, one page wide", s)
		}
	}
	defs := sheetText(t, f, sheetDefs)
	for _, src := range []string{citeRecoveryRate, citeSatisfaction, citeGoodPoints, "Practitioner figures", "Forrester", "Gartner", "HubSpot"} {
		if !strings.Contains(defs, src) {
			t.Errorf("Definitions does not name %q", src)
		}
	}
}

// TestWorklistWidthsInParts: a list long enough to be measured in parts on every core
// gets the widths of measuring it whole, wherever its widest value is.
func TestWorklistWidthsInParts(t *testing.T) {
	b := &book{styleKeys: map[int]styleKey{}}
	n := 3*widthPartRows + 7
	for _, widest := range []int{0, n / 2, n - 1} {
		wl := worklist{headers: []string{"id", "amount"}, rows: n - 5, extraRows: 5,
			row: func(i int) []any {
				id := "C-" + strconv.Itoa(i%1000)
				if i == widest {
					id = "a much longer customer id than the others"
				}
				return []any{id, float64(i % 97)}
			}}
		got := b.worklistWidths(wl)
		whole := b.rowWidths(wl, 0, n)
		for c, h := range wl.headers {
			want := math.Ceil(max(headerWidth(h, true)+filterButton, whole[c])*4) / 4
			if got[c] != want {
				t.Errorf("widest at row %d: column %s is %v wide, measured whole %v", widest, h, got[c], want)
			}
		}
		if idw := math.Ceil(textWidth("a much longer customer id than the others", 11, false, false)*4) / 4; got[0] != idw {
			t.Errorf("widest at row %d: id column %v, want the widest id's %v", widest, got[0], idw)
		}
	}
}
