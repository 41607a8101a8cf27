package excel

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// Trend sheet layout: a row saying which quarters are final, then one row per KPI
// (catalogue order) from trendFirstRow, one column per quarter from column 3, oldest
// first. The trend chart points at these cells.
const (
	trendHeaderRow = 4
	trendStateRow  = 5
	trendFirstRow  = 6
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
	b.title(s, fmt.Sprintf("Trend — the %d quarters ending %s", n, sc.Quarter.Label),
		fmt.Sprintf("Every quarter is computed from the same data, as of %s (%s), so the latest quarters may still have open recovery windows. Shaded italic values are provisional: they can still change. An empty cell means no data for that quarter. Money in thousands (K) or millions (M); the cells hold the exact amounts.",
			sc.AsOf.In(b.loc).Format("2006-01-02 15:04"), b.zoneName()), lastCol)

	headers := []string{"KPI", "Unit"}
	for _, tp := range sc.Trend {
		headers = append(headers, tp.Quarter.Label)
	}
	b.headerRow(s, trendHeaderRow, headers...)
	b.set(s, 1, trendStateRow, "Quarter is", styleKey{kind: kLabel})
	for i, tp := range sc.Trend {
		state, k := "final", styleKey{align: "center", bold: true}
		for _, kpi := range tp.KPIs {
			if kpi.Provisional {
				state, k.tone = "provisional", toneProvisional
				break
			}
		}
		b.set(s, trendFirstCol+i, trendStateRow, state, k)
	}

	row := trendFirstRow
	for _, d := range cat {
		b.trendRow[d.ID] = row
		b.set(s, 1, row, d.Title, styleKey{})
		b.set(s, 2, row, unitName(d.Unit, sc.Currency), styleKey{kind: kNote})
		for i, tp := range sc.Trend {
			k := pipeline.FindKPI(tp.KPIs, d.ID)
			if k == nil || k.Value == nil {
				// Left empty so that the chart shows a gap, not a zero.
				continue
			}
			sk := styleKey{numFmt: b.compactFormat(d.Unit, false, *k.Value)}
			if k.Provisional {
				sk.tone = toneProvisional
			}
			b.set(s, trendFirstCol+i, row, cellValue(d.Unit, *k.Value), sk)
		}
		row++
	}

	// The recovery-rate target and benchmark, and the rate split into final and
	// provisional quarters, as rows the chart can plot: the provisional quarters are
	// drawn dashed with hollow points. The provisional row repeats the last final
	// quarter, so that the dashed line continues the solid one.
	row++
	b.set(s, 1, row, "Chart data", styleKey{kind: kSection})
	row++
	rr := pipeline.FindKPI(sc.KPIs, contract.RecoveryRate)
	finalRow, provRow := row, row+1
	b.set(s, 1, finalRow, "Recovery rate, final quarters", styleKey{kind: kNote})
	b.set(s, 1, provRow, "Recovery rate, provisional quarters", styleKey{kind: kNote})
	lastFinal := -1
	for i, tp := range sc.Trend {
		if k := pipeline.FindKPI(tp.KPIs, contract.RecoveryRate); k != nil && k.Value != nil && !k.Provisional {
			lastFinal = i
		}
	}
	for i, tp := range sc.Trend {
		k := pipeline.FindKPI(tp.KPIs, contract.RecoveryRate)
		if k == nil || k.Value == nil {
			continue
		}
		pk := styleKey{numFmt: fmtPercent, kind: kNote}
		if !k.Provisional {
			b.set(s, trendFirstCol+i, finalRow, *k.Value/100, pk)
		}
		if k.Provisional || i == lastFinal {
			b.set(s, trendFirstCol+i, provRow, *k.Value/100, pk)
		}
	}
	row += 2
	targetRow, benchRow := 0, 0
	_, target := pipeline.Bands(contract.RecoveryRate)
	if rr != nil && rr.Target != nil {
		target = rr.Target
	}
	if target != nil && target.Low != nil {
		targetRow = row
		b.set(s, 1, row, "Recovery rate target", styleKey{kind: kNote})
		for i := range sc.Trend {
			b.set(s, trendFirstCol+i, row, *target.Low/100, styleKey{numFmt: fmtPercent, kind: kNote})
		}
		row++
	}
	if rr != nil && rr.Benchmark != nil {
		benchRow = row
		b.set(s, 1, row, fmt.Sprintf("Benchmark: %s (%s)", rr.Benchmark.Industry, rr.Benchmark.Source), styleKey{kind: kNote})
		for i := range sc.Trend {
			b.set(s, trendFirstCol+i, row, rr.Benchmark.Value/100, styleKey{numFmt: fmtPercent, kind: kNote})
		}
		row++
	}
	b.finishSheet(s)
	b.freeze(s, 2, trendHeaderRow)
	b.printSetup(s, trendHeaderRow, trendHeaderRow, true)
	if b.err != nil || n == 0 {
		return b.err
	}

	cats := fmt.Sprintf("%s!$%s$%d:$%s$%d", s, colName(trendFirstCol), trendHeaderRow, colName(lastCol), trendHeaderRow)
	rowRef := func(r int) string {
		return fmt.Sprintf("%s!$%s$%d:$%s$%d", s, colName(trendFirstCol), r, colName(lastCol), r)
	}
	const blue = "1F4E78"
	series := []excelize.ChartSeries{{
		Name: fmt.Sprintf("%s!$A$%d", s, finalRow), Categories: cats, Values: rowRef(finalRow),
		Line: excelize.LineOptions{Width: 2.5}, Fill: solid(blue),
		Marker: excelize.ChartMarker{Symbol: "circle", Size: 7, Fill: solid(blue), Border: excelize.LineOptions{Fill: solid(blue)}},
	}, {
		Name: fmt.Sprintf("%s!$A$%d", s, provRow), Categories: cats, Values: rowRef(provRow),
		Line: excelize.LineOptions{Width: 2.5, Dash: excelize.LineDashDash}, Fill: solid(blue),
		Marker: excelize.ChartMarker{Symbol: "circle", Size: 7, Fill: excelize.Fill{Type: "pattern", Pattern: 0},
			Border: excelize.LineOptions{Fill: solid(blue), Width: 1.5}},
	}}
	if targetRow > 0 {
		series = append(series, excelize.ChartSeries{
			Name: fmt.Sprintf("%s!$A$%d", s, targetRow), Categories: cats, Values: rowRef(targetRow),
			Line: excelize.LineOptions{Width: 1.75, Dash: excelize.LineDashSysDash}, Fill: solid("00B050"),
			Marker: excelize.ChartMarker{Symbol: "none"},
		})
	}
	if benchRow > 0 {
		series = append(series, excelize.ChartSeries{
			Name: fmt.Sprintf("%s!$A$%d", s, benchRow), Categories: cats, Values: rowRef(benchRow),
			Line: excelize.LineOptions{Width: 1.75, Dash: excelize.LineDashSysDot}, Fill: solid("ED7D31"),
			Marker: excelize.ChartMarker{Symbol: "none"},
		})
	}
	one := 1.0
	return b.f.AddChart(s, cellName(1, row+1), &excelize.Chart{
		Type:         excelize.Line,
		Series:       series,
		Title:        chartTitle("Recovery rate against target and benchmark (dashed, hollow: provisional)"),
		Legend:       excelize.ChartLegend{Position: "bottom"},
		Dimension:    excelize.ChartDimension{Width: uint(max(640, b.columnsPx(s, 1, lastCol))), Height: 340},
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
	case pipeline.UnitDays:
		return "days"
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
