package excel

import (
	"fmt"
	"slices"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// reasonSeries is the most reasons the reasons-over-time chart draws one by one; the
// others are drawn together as "all other reasons".
const reasonSeries = 8

// departuresSheet is SPEC §6's Departures sheet (the seeds' steps: track who departed
// and how much revenue went with them, segment them by value, categorise the reasons
// and follow them over time): departed customers and revenue by segment and by value
// tier, the episodes by kind with the complaint row beside the benchmark, and revenue
// at risk per reason over the trend's quarters, with a chart.
func (b *book) departuresSheet() error {
	const s = sheetDepartures
	sc := b.sc
	money := b.moneyFormat(false)
	b.title(s, "Departures — "+sc.Quarter.Label,
		fmt.Sprintf("Customers who left explicitly (a departure) or stopped buying for %d days (a lapse) in the quarter, how much revenue they had brought in the %d days before, and why customers are at risk, quarter by quarter.",
			sc.Params.LapseDays, sc.Params.RevenueLookbackDays), 10)
	r := 4

	total := 0.0
	for _, x := range sc.Departed.BySegment {
		total += x.DepartedRevenue
	}
	share := func(v float64) any {
		if total == 0 {
			return nil
		}
		return v / total
	}
	b.set(s, 1, r, "Departed customers by segment", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Segment", "Departed customers", "Departed revenue", "Share of departed revenue", "Recovered in the quarter")
	r++
	for _, x := range sc.Departed.BySegment {
		b.set(s, 1, r, x.Name, styleKey{})
		b.set(s, 2, r, x.Departed, styleKey{numFmt: fmtInt})
		b.set(s, 3, r, x.DepartedRevenue, styleKey{numFmt: money})
		b.set(s, 4, r, share(x.DepartedRevenue), styleKey{numFmt: fmtPercent})
		b.set(s, 5, r, x.Recovered, styleKey{numFmt: fmtInt})
		r++
	}
	if len(sc.Departed.BySegment) == 0 {
		b.note(s, r, 5, "No customer departed or lapsed in the quarter.")
		r++
	} else {
		t := styleKey{total: true}
		b.set(s, 1, r, "Total (quarter)", t)
		var n, rec int64
		for _, x := range sc.Departed.BySegment {
			n += x.Departed
			rec += x.Recovered
		}
		b.set(s, 2, r, n, styleKey{total: true, numFmt: fmtInt})
		b.set(s, 3, r, total, styleKey{total: true, numFmt: money})
		b.set(s, 4, r, share(total), styleKey{total: true, numFmt: fmtPercent})
		b.set(s, 5, r, rec, styleKey{total: true, numFmt: fmtInt})
		r++
	}

	r++
	b.set(s, 1, r, "Departed customers by value tier", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Tier", "Departed customers", "Departed revenue", "Share of departed revenue", "Recovered in the quarter")
	r++
	for _, x := range sc.Departed.ByTier {
		b.set(s, 1, r, x.Name, styleKey{bold: true, align: "center"})
		b.set(s, 2, r, x.Departed, styleKey{numFmt: fmtInt})
		b.set(s, 3, r, x.DepartedRevenue, styleKey{numFmt: money})
		b.set(s, 4, r, share(x.DepartedRevenue), styleKey{numFmt: fmtPercent})
		b.set(s, 5, r, x.Recovered, styleKey{numFmt: fmtInt})
		r++
	}
	b.note(s, r, 10, "Departed customers ranked by the revenue they took: tier A are the largest, who together took the first 80% of the departed revenue; tier B the next, up to 95%; tier C the rest (many small customers, the last 5%). Call tier A first.")
	r++

	r++
	b.set(s, 1, r, "At-risk customers by kind of event", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Kind", "At risk", "Recovered", "Lost", "Pending", "Recovery rate", "Recovery rate, closed windows",
		"Revenue at risk", "Lost revenue", "Published benchmark")
	r++
	rr := pipeline.FindKPI(sc.KPIs, contract.RecoveryRate)
	for _, k := range sc.Kinds {
		b.set(s, 1, r, k.Name, styleKey{bold: k.Name == contract.KindComplaint})
		b.set(s, 2, r, k.AtRisk, styleKey{numFmt: fmtInt})
		b.set(s, 3, r, k.Recovered, styleKey{numFmt: fmtInt})
		b.set(s, 4, r, k.Lost, styleKey{numFmt: fmtInt})
		b.set(s, 5, r, k.Pending, styleKey{numFmt: fmtInt})
		b.setKPIValue(s, 6, r, pipeline.UnitPercent, k.RecoveryRate, styleKey{bold: k.Name == contract.KindComplaint})
		b.setKPIValue(s, 7, r, pipeline.UnitPercent, k.MaturedRecoveryRate, styleKey{})
		b.set(s, 8, r, k.RevenueAtRisk, styleKey{numFmt: money})
		b.set(s, 9, r, k.LostRevenue, styleKey{numFmt: money})
		if k.Name == contract.KindComplaint && rr != nil && rr.Benchmark != nil {
			b.set(s, 10, r, fmt.Sprintf("%s %s (%s)", rr.Benchmark.Industry, benchmarkFigure(rr.Benchmark), rr.Benchmark.Source), styleKey{bold: true})
		}
		r++
	}
	if len(sc.Kinds) == 0 {
		b.note(s, r, 10, "No episodes in the quarter.")
		r++
	}
	b.note(s, r, 10, `Published recovery rates mostly measure recovery after a complaint: the complaint row is the like-for-like comparison with the benchmark. "Closed windows" counts only the customers whose recovery window has ended.`)
	r += 2

	// Reasons over the trend's quarters, on a page of their own with their chart.
	if b.err == nil {
		if err := b.f.InsertPageBreak(s, cellName(1, r)); err != nil {
			return err
		}
	}
	b.set(s, 1, r, "Revenue at risk by reason, quarter by quarter", styleKey{kind: kSection})
	r++
	reasons := trendReasons(sc.Trend)
	hdr := []string{"Reason"}
	for _, tp := range sc.Trend {
		hdr = append(hdr, tp.Quarter.Label)
	}
	hdr = append(hdr, "Total")
	headRow := r
	b.headerRow(s, r, hdr...)
	r++
	whole := b.moneyAxis()
	totals := map[string]float64{}
	first := r
	for _, name := range reasons {
		b.set(s, 1, r, name, styleKey{})
		sum := 0.0
		for i, tp := range sc.Trend {
			if tr, ok := findTrendReason(tp.Reasons, name); ok {
				b.set(s, 2+i, r, tr.RevenueAtRisk, styleKey{numFmt: whole})
				sum += tr.RevenueAtRisk
			}
		}
		totals[name] = sum
		b.set(s, 2+len(sc.Trend), r, sum, styleKey{numFmt: whole, bold: true})
		r++
	}
	last := r - 1
	if len(reasons) == 0 {
		b.note(s, r, 10, "No episodes in these quarters.")
		r++
	}
	// With more reasons than the chart can tell apart, the chart draws the largest ones
	// and the rest together, from a chart-data row below the table.
	charted := reasons
	otherRow := 0
	if len(reasons) > reasonSeries {
		charted = slices.Clone(reasons)
		slices.SortStableFunc(charted, func(x, y string) int {
			switch {
			case totals[x] > totals[y]:
				return -1
			case totals[x] < totals[y]:
				return 1
			}
			return 0
		})
		rest := charted[reasonSeries-1:]
		charted = charted[:reasonSeries-1]
		r++
		otherRow = r
		b.set(s, 1, r, "All other reasons (chart data)", styleKey{kind: kNote})
		for i, tp := range sc.Trend {
			sum, seen := 0.0, false
			for _, name := range rest {
				if tr, ok := findTrendReason(tp.Reasons, name); ok {
					sum += tr.RevenueAtRisk
					seen = true
				}
			}
			if seen {
				b.set(s, 2+i, r, sum, styleKey{numFmt: whole, kind: kNote})
			}
		}
		r++
	}
	b.widths(s, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	b.finishSheet(s)
	b.printSetup(s, 0, 0, false)
	if b.err != nil || len(reasons) == 0 || len(sc.Trend) == 0 {
		return b.err
	}
	cats := fmt.Sprintf("%s!$B$%d:$%s$%d", s, headRow, colName(1+len(sc.Trend)), headRow)
	rowRef := func(row int) string {
		return fmt.Sprintf("%s!$B$%d:$%s$%d", s, row, colName(1+len(sc.Trend)), row)
	}
	colours := []string{"1F4E78", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47", "264478", "9E480E"}
	var series []excelize.ChartSeries
	for i := first; i <= last; i++ {
		name, _ := b.f.GetCellValue(s, cellName(1, i))
		if !slices.Contains(charted, name) {
			continue
		}
		series = append(series, excelize.ChartSeries{
			Name: fmt.Sprintf("%s!$A$%d", s, i), Categories: cats, Values: rowRef(i), Fill: solid(colours[len(series)%len(colours)]),
		})
	}
	if otherRow > 0 {
		series = append(series, excelize.ChartSeries{
			Name: fmt.Sprintf("%s!$A$%d", s, otherRow), Categories: cats, Values: rowRef(otherRow), Fill: solid("BFBFBF"),
		})
	}
	return b.f.AddChart(s, cellName(1, r+1), &excelize.Chart{
		Type:      excelize.ColStacked,
		Series:    series,
		Title:     chartTitle("Revenue at risk by reason, quarter by quarter"),
		Legend:    excelize.ChartLegend{Position: "right"},
		Dimension: excelize.ChartDimension{Width: uint(max(720, b.columnsPx(s, 1, 2+len(sc.Trend)))), Height: 360},
		Format:    graphic(),
		GapWidth:  uintPtr(50),
		Overlap:   intPtr(100),
		XAxis:     excelize.ChartAxis{Font: axisFont()},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, Font: axisFont(), NumFmt: excelize.ChartNumFmt{CustomNumFmt: b.moneyAxis()}},
	})
}

// trendReasons returns every reason of the trend's quarters, sorted.
func trendReasons(trend []pipeline.TrendPoint) []string {
	var names []string
	for _, tp := range trend {
		for _, r := range tp.Reasons {
			if !slices.Contains(names, r.Reason) {
				names = append(names, r.Reason)
			}
		}
	}
	slices.Sort(names)
	return names
}

func findTrendReason(list []pipeline.TrendReason, name string) (pipeline.TrendReason, bool) {
	for _, r := range list {
		if r.Reason == name {
			return r, true
		}
	}
	return pipeline.TrendReason{}, false
}
