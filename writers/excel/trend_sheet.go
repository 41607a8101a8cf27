package excel

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// Trend sheet layout: one row per KPI (catalogue order) from trendFirstRow, one column
// per quarter from column 3, oldest first. The Scorecard's sparklines and the trend
// chart point at these cells.
const (
	trendHeaderRow = 4
	trendFirstRow  = 5
	trendFirstCol  = 3
)

func (b *book) trendSheet() error {
	const s = sheetTrend
	sc := b.sc
	cat := pipeline.Catalogue()
	n := len(sc.Trend)
	b.trendN = n
	b.trendRow = map[contract.KPI]int{}
	lastCol := trendFirstCol + max(n, 1) - 1
	b.widths(s, 30, 9)
	for c := trendFirstCol; c <= lastCol; c++ {
		w := 12.0
		if c == lastCol {
			w = 13
		}
		if err := b.f.SetColWidth(s, colName(c), colName(c), w); err != nil {
			return err
		}
	}
	b.title(s, fmt.Sprintf("Trend — the %d quarters ending %s", n, sc.Quarter.Label),
		fmt.Sprintf("Each quarter is computed with the same as_of (%s, %s), so recent quarters may still have pending episodes. An empty cell means no data for that quarter. Percentages are shown as %%, changes in percentage points.",
			sc.AsOf.In(b.loc).Format("2006-01-02 15:04"), b.zoneName()), lastCol)

	headers := []string{"KPI", "Unit"}
	for _, tp := range sc.Trend {
		headers = append(headers, tp.Quarter.Label)
	}
	b.headerRow(s, trendHeaderRow, headers...)
	for i, tp := range sc.Trend {
		b.set(s, trendFirstCol+i, trendHeaderRow, tp.Quarter.Label, styleKey{kind: kHeader, align: "center"})
	}

	row := trendFirstRow
	for _, d := range cat {
		b.trendRow[d.ID] = row
		b.set(s, 1, row, d.Title, styleKey{})
		b.set(s, 2, row, unitName(d.Unit, sc.Currency), styleKey{kind: kNote})
		for i, tp := range sc.Trend {
			k := pipeline.FindKPI(tp.KPIs, d.ID)
			if k == nil || k.Value == nil {
				// Left empty so that charts and sparklines show a gap, not a zero.
				continue
			}
			b.set(s, trendFirstCol+i, row, cellValue(d.Unit, *k.Value), styleKey{numFmt: b.unitFormat(d.Unit, false)})
		}
		row++
	}

	// The recovery-rate target and benchmark, as rows the chart can plot.
	rr := pipeline.FindKPI(sc.KPIs, contract.RecoveryRate)
	targetRow, benchRow := 0, 0
	_, target := pipeline.Bands(contract.RecoveryRate)
	if rr != nil && rr.Target != nil {
		target = rr.Target
	}
	if target != nil && target.Low != nil {
		targetRow = row
		b.set(s, 1, row, "Recovery rate target", styleKey{kind: kNote})
		b.set(s, 2, row, "%", styleKey{kind: kNote})
		for i := range sc.Trend {
			b.set(s, trendFirstCol+i, row, *target.Low/100, styleKey{numFmt: fmtPercent, kind: kNote})
		}
		row++
	}
	if rr != nil && rr.Benchmark != nil {
		benchRow = row
		b.set(s, 1, row, fmt.Sprintf("Benchmark: %s (%s)", rr.Benchmark.Industry, rr.Benchmark.Source), styleKey{kind: kNote})
		b.set(s, 2, row, "%", styleKey{kind: kNote})
		for i := range sc.Trend {
			b.set(s, trendFirstCol+i, row, rr.Benchmark.Value/100, styleKey{numFmt: fmtPercent, kind: kNote})
		}
		row++
	}
	b.freeze(s, 2, trendHeaderRow)
	b.printSetup(s, trendHeaderRow, trendHeaderRow, true)
	if b.err != nil || n == 0 {
		return b.err
	}

	cats := fmt.Sprintf("%s!$%s$%d:$%s$%d", s, colName(trendFirstCol), trendHeaderRow, colName(lastCol), trendHeaderRow)
	rowRef := func(r int) string {
		return fmt.Sprintf("%s!$%s$%d:$%s$%d", s, colName(trendFirstCol), r, colName(lastCol), r)
	}
	series := []excelize.ChartSeries{{
		Name:       fmt.Sprintf("%s!$A$%d", s, b.trendRow[contract.RecoveryRate]),
		Categories: cats,
		Values:     rowRef(b.trendRow[contract.RecoveryRate]),
		Line:       excelize.LineOptions{Width: 2.5}, Fill: solid("1F4E78"),
		Marker: excelize.ChartMarker{Symbol: "circle", Size: 6, Fill: solid("1F4E78"), Border: excelize.LineOptions{Fill: solid("1F4E78")}},
	}}
	if targetRow > 0 {
		series = append(series, excelize.ChartSeries{
			Name: fmt.Sprintf("%s!$A$%d", s, targetRow), Categories: cats, Values: rowRef(targetRow),
			Line: excelize.LineOptions{Width: 1.75, Dash: excelize.LineDashDash}, Fill: solid("00B050"),
			Marker: excelize.ChartMarker{Symbol: "none"},
		})
	}
	if benchRow > 0 {
		series = append(series, excelize.ChartSeries{
			Name: fmt.Sprintf("%s!$A$%d", s, benchRow), Categories: cats, Values: rowRef(benchRow),
			Line: excelize.LineOptions{Width: 1.75, Dash: excelize.LineDashSysDash}, Fill: solid("ED7D31"),
			Marker: excelize.ChartMarker{Symbol: "none"},
		})
	}
	one := 1.0
	return b.f.AddChart(s, cellName(1, row+2), &excelize.Chart{
		Type:         excelize.Line,
		Series:       series,
		Title:        chartTitle("Recovery rate against target and benchmark"),
		Legend:       excelize.ChartLegend{Position: "bottom"},
		Dimension:    excelize.ChartDimension{Width: 880, Height: 340},
		Format:       graphic(),
		XAxis:        excelize.ChartAxis{Font: axisFont()},
		YAxis:        excelize.ChartAxis{MajorGridLines: true, Maximum: &one, Font: axisFont(), NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		ShowBlanksAs: "gap",
	})
}

// unitName is the Unit column of the Trend sheet.
func unitName(u pipeline.Unit, currency string) string {
	switch u {
	case pipeline.UnitMoney:
		if currency == "" {
			return "money"
		}
		return currency
	case pipeline.UnitPercent:
		return "%"
	case pipeline.UnitPoints:
		return "pp"
	}
	return "count"
}

func solid(colour string) excelize.Fill {
	return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}}
}

func chartTitle(text string) excelize.ChartTitle {
	return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{
		Text: text, Font: &excelize.Font{Bold: true, Size: 12, Color: "1F4E78", Family: "Calibri"},
	}}}
}

func graphic() excelize.GraphicOptions {
	return excelize.GraphicOptions{PrintObject: boolPtr(true), Locked: boolPtr(false), ScaleX: 1, ScaleY: 1}
}

func boolPtr(v bool) *bool { return &v }

// axisFont is the font of axis labels: dark enough to read on paper.
func axisFont() excelize.Font { return excelize.Font{Color: "404040", Size: 9, Family: "Calibri"} }
