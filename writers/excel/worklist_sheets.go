package excel

import (
	"fmt"

	"github.com/xuri/excelize/v2"
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
	empty        string
	headers      []string
	widths       []float64
	rows         int
	row          func(i int) []any // the values of data row i
	statusCol    int               // column coloured by status, 0 for none
}

func (b *book) winbackSheet() error {
	sc := b.sc
	money := b.style(styleKey{numFmt: b.moneyFormat(false)})
	dt := b.style(styleKey{numFmt: fmtDateTime, align: "left"})
	mid := b.style(styleKey{align: "center"})
	return b.writeWorklist(worklist{
		sheet: sheetWinback, table: "WinbackList",
		title: fmt.Sprintf("Win-back list — %s", sc.Quarter.Label),
		note: fmt.Sprintf("Lost or pending episodes of the quarter, by revenue at risk (the first %d). At risk since: wall-clock time in %s. Use the filter buttons to select a segment, reason or outcome.",
			sc.Params.WorklistSize, b.zoneName()),
		empty:   "No lost or pending episodes in the quarter.",
		headers: []string{"Customer ID", "Name", "Segment", "At risk since", "Kind", "Reason", "Revenue at risk", "Outcome", "Treated"},
		widths:  []float64{16, 26, 16, 17, 12, 24, 17, 11, 10},
		rows:    len(sc.Winback),
		row: func(i int) []any {
			w := sc.Winback[i]
			treated := "no"
			if w.Treated {
				treated = "yes"
			}
			var name any
			if w.Name != nil {
				name = *w.Name
			}
			return []any{w.CustomerID, name, w.Segment,
				excelize.Cell{StyleID: dt, Value: b.serial(w.AtRiskAt)},
				w.Kind, w.Reason, excelize.Cell{StyleID: money, Value: w.RevenueAtRisk},
				excelize.Cell{StyleID: mid, Value: w.Outcome}, excelize.Cell{StyleID: mid, Value: treated}}
		},
	})
}

func (b *book) careSheet() error {
	sc := b.sc
	money := b.style(styleKey{numFmt: b.moneyFormat(false)})
	dt := b.style(styleKey{numFmt: fmtDateTime, align: "left"})
	num := b.style(styleKey{numFmt: fmtInt})
	mid := b.style(styleKey{align: "center"})
	return b.writeWorklist(worklist{
		sheet: sheetCare, table: "IntensiveCare",
		title: fmt.Sprintf("Intensive care — customers recovered in the last %d days", sc.Params.IntensiveCareDays),
		note: fmt.Sprintf("Customers whose latest recovery falls within %d days before as_of, by review due date. \"Since\" counts run from the recovery time. Times are wall-clock times in %s.",
			sc.Params.IntensiveCareDays, b.zoneName()),
		empty:   "No customers under review.",
		headers: []string{"Customer ID", "Name", "Segment", "Recovered at", "Review due", "Purchases since", "Net amount since", "Complaints since", "Status"},
		widths:  []float64{16, 26, 16, 17, 17, 12, 17, 12, 12},
		rows:    len(sc.IntensiveCare),
		row: func(i int) []any {
			c := sc.IntensiveCare[i]
			var name any
			if c.Name != nil {
				name = *c.Name
			}
			return []any{c.CustomerID, name, c.Segment,
				excelize.Cell{StyleID: dt, Value: b.serial(c.RecoveredAt)},
				excelize.Cell{StyleID: dt, Value: b.serial(c.ReviewDue)},
				excelize.Cell{StyleID: num, Value: c.PurchasesSince},
				excelize.Cell{StyleID: money, Value: c.NetAmountSince},
				excelize.Cell{StyleID: num, Value: c.ComplaintsSince},
				excelize.Cell{StyleID: mid, Value: c.Status}}
		},
		statusCol: 9,
	})
}

func (b *book) writeWorklist(wl worklist) error {
	s := wl.sheet
	cols := len(wl.headers)
	first, last := worklistHeaderRow+1, worklistHeaderRow+wl.rows
	b.printSetup(s, worklistHeaderRow, worklistHeaderRow, false)
	if wl.statusCol > 0 && wl.rows > 0 && b.err == nil {
		ref := fmt.Sprintf("%s%d:%s%d", colName(wl.statusCol), first, colName(wl.statusCol), last)
		red, green := b.condStyle("red"), b.condStyle("green")
		if err := b.f.SetConditionalFormat(s, ref, []excelize.ConditionalFormatOptions{
			{Type: "cell", Criteria: "==", Value: `"re-churned"`, Format: &red},
			{Type: "cell", Criteria: "==", Value: `"healthy"`, Format: &green},
		}); err != nil {
			return fmt.Errorf("status format: %w", err)
		}
	}
	title := b.style(styleKey{kind: kTitle})
	note := b.style(styleKey{kind: kNote, wrap: true})
	header := b.style(styleKey{kind: kHeader})
	headerMid := b.style(styleKey{kind: kHeader, align: "center"})
	if b.err != nil {
		return b.err
	}

	sw, err := b.f.NewStreamWriter(s)
	if err != nil {
		return err
	}
	for i, w := range wl.widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(freezePanes(1, worklistHeaderRow)); err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: title, Value: wl.title}}, excelize.RowOpts{Height: 24}); err != nil {
		return err
	}
	if err := sw.SetRow("A2", []any{excelize.Cell{StyleID: note, Value: wl.note}}, excelize.RowOpts{Height: 28}); err != nil {
		return err
	}
	if err := sw.MergeCell("A2", cellName(cols, 2)); err != nil {
		return err
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
	} else if err := sw.AddTable(&excelize.Table{
		Range:          fmt.Sprintf("A%d:%s%d", worklistHeaderRow, colName(cols), last),
		Name:           wl.table,
		StyleName:      "TableStyleLight9",
		ShowRowStripes: boolPtr(true),
	}); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return sw.Flush()
}

// dataRows writes the data rows with SetRow.
func (b *book) dataRows(sw *excelize.StreamWriter, wl worklist, first int) error {
	for i := 0; i < wl.rows; i++ {
		if err := sw.SetRow(cellName(1, first+i), wl.row(i)); err != nil {
			return fmt.Errorf("row %d: %w", first+i, err)
		}
	}
	return nil
}
