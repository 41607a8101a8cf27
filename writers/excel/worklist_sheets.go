package excel

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/pipeline"
)

// Worklist sheets are written with excelize's StreamWriter so that long lists do not
// hold a cell tree in memory. The stream rules: sheet properties, print set-up and
// conditional formats are set on the sheet before the stream starts; column widths and
// panes before the first row; rows in increasing order; the table (which gives the
// autofilter) after the rows and before Flush.
const worklistHeaderRow = 4

type worklist struct {
	sheet, table string
	title, note  string
	summary      string // a line above the header, "" for none
	empty        string
	headers      []string
	rows         int
	row          func(i int) []any // the values of data row i
	// extraTitle and extraRows add rows after the table (row(rows), row(rows+1), ...)
	// under a heading: list members that the table's size left out.
	extraTitle string
	extraRows  int
	// statusCol is the column coloured by status, 0 for none; colours maps its values
	// to band colours.
	statusCol int
	colours   map[string]string
	// printRows, when > 0 and the list would print past maxPrintPages, limits the
	// print area to the header and the first printRows rows.
	printRows int
}

// maxPrintPages is the most pages a worklist prints whole (SPEC §6: intensive care
// prints only its exceptions when it would run past ten pages).
const maxPrintPages = 10

func (b *book) winbackSheet() error {
	sc := b.sc
	money := b.style(styleKey{numFmt: b.moneyFormat(false)})
	dt := b.style(styleKey{numFmt: fmtDateTime, align: "left"})
	days := b.style(styleKey{numFmt: "0"})
	mid := b.style(styleKey{align: "center"})
	call := b.style(styleKey{align: "center", bold: true, band: "amber"})
	calls := map[string]bool{} // lookups only: the rows keep the list's order
	for _, w := range sc.ExecutiveCalls {
		calls[w.CustomerID] = true
	}
	inList := map[string]bool{}
	for _, w := range sc.Winback {
		inList[w.CustomerID] = true
	}
	var extra []pipeline.WinbackRow
	for _, w := range sc.ExecutiveCalls {
		if !inList[w.CustomerID] {
			extra = append(extra, w)
		}
	}
	all := append(slices.Clone(sc.Winback), extra...)
	callNote := ""
	if len(sc.ExecutiveCalls) > 0 {
		callNote = fmt.Sprintf(` "Executive call": the %d departed or lapsed customers with the most revenue at risk, for executives to call themselves.`, len(sc.ExecutiveCalls))
	}
	return b.writeWorklist(worklist{
		sheet: sheetWinback, table: "WinbackList",
		title: fmt.Sprintf("Win-back list — %s", sc.Quarter.Label),
		note: fmt.Sprintf("Customers of the quarter not won back (lost) or not yet (pending), by revenue at risk (the first %d). A pending customer can still be won back until the window closes; days left are counted from the data's as-of time. Tier: the departed value tier (A: the customers holding 80%% of the departed revenue).%s Times are wall-clock times in %s.",
			sc.Params.WorklistSize, callNote, b.zoneName()),
		empty: "No lost or pending episodes in the quarter.",
		headers: []string{"Customer ID", "Name", "Segment", "Tier", "At risk since", "Kind", "Reason", "Revenue at risk", "Outcome",
			"Window closes", "Days left", "Treated", "Executive call"},
		rows:       len(sc.Winback),
		extraTitle: fmt.Sprintf("Executive calls beyond the first %d rows of the list", sc.Params.WorklistSize),
		extraRows:  len(extra),
		row: func(i int) []any {
			w := all[i]
			treated := "no"
			if w.Treated {
				treated = "yes"
			}
			var name, tier, left, exec any
			if w.Name != nil {
				name = *w.Name
			}
			if w.Tier != nil {
				tier = excelize.Cell{StyleID: mid, Value: *w.Tier}
			}
			if w.Outcome == "pending" && w.WindowCloses.After(sc.AsOf) {
				left = excelize.Cell{StyleID: days, Value: w.WindowCloses.Sub(sc.AsOf).Hours() / 24}
			}
			if calls[w.CustomerID] {
				exec = excelize.Cell{StyleID: call, Value: "yes"}
			}
			return []any{w.CustomerID, name, w.Segment, tier,
				excelize.Cell{StyleID: dt, Value: b.serial(w.AtRiskAt)},
				w.Kind, w.Reason, excelize.Cell{StyleID: money, Value: w.RevenueAtRisk},
				excelize.Cell{StyleID: mid, Value: w.Outcome},
				excelize.Cell{StyleID: dt, Value: b.serial(w.WindowCloses)}, left,
				excelize.Cell{StyleID: mid, Value: treated}, exec}
		},
	})
}

func (b *book) careSheet() error {
	sc := b.sc
	money := b.style(styleKey{numFmt: b.moneyFormat(false)})
	dt := b.style(styleKey{numFmt: fmtDateTime, align: "left"})
	num := b.style(styleKey{numFmt: fmtInt})
	mid := b.style(styleKey{align: "center"})
	counts := map[string]int{}
	for _, c := range sc.IntensiveCare {
		counts[c.Status]++
	}
	exceptions := counts[statusRechurned] + counts[statusInactive]
	summary := fmt.Sprintf("Re-churned: %s · Inactive: %s · Healthy: %s — of %s customers under review. The exceptions (re-churned, then inactive) come first.",
		intText(float64(counts[statusRechurned])), intText(float64(counts[statusInactive])), intText(float64(counts[statusHealthy])), intText(float64(len(sc.IntensiveCare))))
	return b.writeWorklist(worklist{
		sheet: sheetCare, table: "IntensiveCare",
		title: fmt.Sprintf("Intensive care — customers recovered in the last %d days", sc.Params.IntensiveCareDays),
		note: fmt.Sprintf("Customers won back within %d days before the data's as-of time, kept under review until the review date. Re-churned: at risk again since the recovery (the kind and reason of the first such event are shown); inactive: no purchase since the recovery; healthy: neither. \"Since\" counts run from the recovery. Times are wall-clock times in %s. When the whole list would print on more than %d pages, only the exceptions are printed.",
			sc.Params.IntensiveCareDays, b.zoneName(), maxPrintPages),
		summary: summary,
		empty:   "No customers under review.",
		headers: []string{"Customer ID", "Name", "Segment", "Status", "Re-churn kind", "Re-churn reason", "Recovered at", "Review due",
			"Purchases since", "Net amount since", "Complaints since"},
		rows: len(sc.IntensiveCare),
		row: func(i int) []any {
			c := sc.IntensiveCare[i]
			var name, kind, reason any
			if c.Name != nil {
				name = *c.Name
			}
			if c.RechurnKind != nil {
				kind = *c.RechurnKind
			}
			if c.RechurnReason != nil {
				reason = *c.RechurnReason
			}
			return []any{c.CustomerID, name, c.Segment,
				excelize.Cell{StyleID: mid, Value: c.Status}, kind, reason,
				excelize.Cell{StyleID: dt, Value: b.serial(c.RecoveredAt)},
				excelize.Cell{StyleID: dt, Value: b.serial(c.ReviewDue)},
				excelize.Cell{StyleID: num, Value: c.PurchasesSince},
				excelize.Cell{StyleID: money, Value: c.NetAmountSince},
				excelize.Cell{StyleID: num, Value: c.ComplaintsSince}}
		},
		statusCol: 4,
		colours:   map[string]string{statusRechurned: "red", statusInactive: "amber"},
		printRows: exceptions,
	})
}

// Intensive-care statuses (SPEC §4), in the list's order.
const (
	statusRechurned = "re-churned"
	statusInactive  = "inactive"
	statusHealthy   = "healthy"
)

func (b *book) writeWorklist(wl worklist) error {
	s := wl.sheet
	cols := len(wl.headers)
	first, last := worklistHeaderRow+1, worklistHeaderRow+wl.rows
	widths := b.worklistWidths(wl)
	b.printSetup(s, worklistHeaderRow, worklistHeaderRow, false)
	if rows := b.printedRows(widths); wl.statusCol > 0 && pagesOf(wl.rows+wl.extraRows+worklistHeaderRow, rows) > maxPrintPages {
		b.printArea(s, "A1:"+cellName(cols, worklistHeaderRow+max(wl.printRows, 0)))
	}
	if wl.statusCol > 0 && wl.rows > 0 && b.err == nil {
		ref := fmt.Sprintf("%s%d:%s%d", colName(wl.statusCol), first, colName(wl.statusCol), last)
		var opts []excelize.ConditionalFormatOptions
		for _, status := range []string{statusRechurned, statusInactive, statusHealthy} {
			if colour, ok := wl.colours[status]; ok {
				id := b.condStyle(colour)
				opts = append(opts, excelize.ConditionalFormatOptions{Type: "cell", Criteria: "==", Value: `"` + status + `"`, Format: &id})
			}
		}
		if err := b.f.SetConditionalFormat(s, ref, opts); err != nil {
			return fmt.Errorf("status format: %w", err)
		}
	}
	title := b.style(styleKey{kind: kTitle})
	note := b.style(styleKey{kind: kNote, wrap: true})
	section := b.style(styleKey{kind: kSection})
	bold := b.style(styleKey{bold: true})
	header := b.style(styleKey{kind: kHeader})
	headerMid := b.style(styleKey{kind: kHeader, align: "center"})
	if b.err != nil {
		return b.err
	}

	sw, err := b.f.NewStreamWriter(s)
	if err != nil {
		return err
	}
	total := 0.0
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
		total += w
	}
	if err := sw.SetPanes(freezePanes(1, worklistHeaderRow)); err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: title, Value: wl.title}}, excelize.RowOpts{Height: 24}); err != nil {
		return err
	}
	noteHeight := float64(wrappedLines(wl.note, total, 10, false))*lineHeight(10) + 3
	if err := sw.SetRow("A2", []any{excelize.Cell{StyleID: note, Value: wl.note}}, excelize.RowOpts{Height: noteHeight}); err != nil {
		return err
	}
	if err := sw.MergeCell("A2", cellName(cols, 2)); err != nil {
		return err
	}
	if wl.summary != "" {
		if err := sw.SetRow("A3", []any{excelize.Cell{StyleID: bold, Value: wl.summary}}); err != nil {
			return err
		}
	}
	hdr := make([]any, cols)
	for i, h := range wl.headers {
		hdr[i] = excelize.Cell{StyleID: headerMid, Value: h}
	}
	hdr[0] = excelize.Cell{StyleID: header, Value: wl.headers[0]}
	if err := sw.SetRow(cellName(1, worklistHeaderRow), hdr, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	if err := b.dataRows(sw, wl, first); err != nil {
		return err
	}
	if wl.rows == 0 {
		if err := sw.SetRow(cellName(1, first), []any{excelize.Cell{StyleID: note, Value: wl.empty}}); err != nil {
			return err
		}
	}
	if wl.extraRows > 0 {
		r := max(last, first) + 2
		if err := sw.SetRow(cellName(1, r), []any{excelize.Cell{StyleID: section, Value: wl.extraTitle}}); err != nil {
			return err
		}
		for i := 0; i < wl.extraRows; i++ {
			if err := sw.SetRow(cellName(1, r+1+i), wl.row(wl.rows+i)); err != nil {
				return fmt.Errorf("row %d: %w", r+1+i, err)
			}
		}
	}
	if wl.rows > 0 {
		if err := sw.AddTable(&excelize.Table{
			Range:          fmt.Sprintf("A%d:%s%d", worklistHeaderRow, colName(cols), last),
			Name:           wl.table,
			StyleName:      "TableStyleLight9",
			ShowRowStripes: boolPtr(true),
		}); err != nil {
			return fmt.Errorf("table: %w", err)
		}
	}
	return sw.Flush()
}

// worklistWidths measures every cell of a worklist (headers with room for the filter
// button) and returns the width of each column, at most the widest a column can be
// (a longer text, such as a name of hundreds of characters, is cut on the screen, not
// in the cell). A long list is measured in parts on
// every core; the widest of the parts' widths does not depend on how it was split.
func (b *book) worklistWidths(wl worklist) []float64 {
	widths := make([]float64, len(wl.headers))
	for i, h := range wl.headers {
		widths[i] = headerWidth(h, true) + filterButton
	}
	n := wl.rows + wl.extraRows
	parts := max(1, min(runtime.GOMAXPROCS(0), n/widthPartRows))
	partial := make([][]float64, parts)
	inParts(parts, n, func(p, lo, hi int) { partial[p] = b.rowWidths(wl, lo, hi) })
	for _, part := range partial {
		for c, w := range part {
			widths[c] = max(widths[c], w)
		}
	}
	for i := range widths {
		widths[i] = min(math.Ceil(widths[i]*4)/4, excelize.MaxColumnWidth)
	}
	return widths
}

// inParts calls fn(p, lo, hi) for each of parts parts of rows 0..n-1, each on its
// own goroutine, and returns when all have; a panic in one is raised again on the
// caller's goroutine, where it is recovered as internal.
func inParts(parts, n int, fn func(p, lo, hi int)) {
	panics := make([]any, parts)
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			defer func() { panics[p] = recover() }()
			fn(p, p*n/parts, (p+1)*n/parts)
		})
	}
	wg.Wait()
	for _, v := range panics {
		if v != nil {
			panic(v)
		}
	}
}

// widthPartRows is the fewest rows worth measuring on a core of their own.
const widthPartRows = 5000

// rowWidths returns the widest rendered text of each column over rows lo..hi-1.
func (b *book) rowWidths(wl worklist, lo, hi int) []float64 {
	widths := make([]float64, len(wl.headers))
	for i := lo; i < hi; i++ {
		for c, v := range wl.row(i) {
			k := styleKey{}
			if cell, ok := v.(excelize.Cell); ok {
				k, v = b.styleKeys[cell.StyleID], cell.Value
			}
			if t := cellText(v, k.numFmt); t != "" {
				size, bold, mono := fontOf(k)
				widths[c] = max(widths[c], textWidth(t, size, bold, mono))
			}
		}
	}
	return widths
}

// filterButton is the room a table's filter button takes beside a header.
const filterButton = 2.5

// printedRows estimates how many 15-point rows a landscape page holds when the columns
// of the widths are scaled to the page's width (fit to one page wide), below the
// repeated header row.
func (b *book) printedRows(widths []float64) int {
	pagePx, pagePt := 10.0*96, 7.5*72 // Letter: 11 × 8.5 in less 0.5 in margins
	if !strings.EqualFold(b.sc.Currency, "USD") {
		pagePx, pagePt = 10.69*96, 7.27*72 // A4
	}
	px := 0.0
	for _, w := range widths {
		px += math.Round(w*7 + 5)
	}
	scale := min(1, pagePx/px)
	return max(1, int((pagePt/scale-30)/defaultRowHeight))
}

// pagesOf is the pages rows take at perPage rows a page.
func pagesOf(rows, perPage int) int { return (rows + perPage - 1) / perPage }

// dataRows puts a marker row in the place of the data rows, which the package's
// writer replaces with their XML, encoded as SetRow would have written it
// (writeRows, rows.go). With rowsBySetRow, it writes them with SetRow.
func (b *book) dataRows(sw *excelize.StreamWriter, wl worklist, first int) error {
	if rowsBySetRow || wl.rows == 0 {
		for i := 0; i < wl.rows; i++ {
			if err := sw.SetRow(cellName(1, first+i), wl.row(i)); err != nil {
				return fmt.Errorf("row %d: %w", first+i, err)
			}
		}
		return nil
	}
	part := ""
	for id, name := range b.f.GetSheetMap() {
		if name == wl.sheet {
			part = fmt.Sprintf("xl/worksheets/sheet%d.xml", id)
		}
	}
	if part == "" || b.splices[part] != nil {
		return fmt.Errorf("no worksheet part for sheet %s", wl.sheet)
	}
	b.splices[part] = &splice{first: first, write: func(w io.Writer) error { return writeRows(w, wl, first) }}
	return sw.SetRow(cellName(1, first), []any{spliceMarker})
}
