package excel

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// Scorecard sheet columns.
const (
	scKPI = iota + 1
	scValue
	scNum
	scDen
	scTarget
	scStatus
	scBench
	scVariance
	scQoQ
	scYoY
	scSpark
	scSource
	scLastCol = scSource
)

const scHeaderRow = 8

func (b *book) scorecardSheet() error {
	const s = sheetScorecard
	sc := b.sc
	b.widths(s, 30, 14, 12, 12, 10, 15, 12, 13, 13, 13, 18, 30)
	b.set(s, 1, 1, "Customer recovery scorecard — "+sc.Company, styleKey{kind: kTitle})
	b.merge(s, 1, 1, scLastCol, 1)
	b.rowHeight(s, 1, 26)

	rr := pipeline.FindKPI(sc.KPIs, contract.RecoveryRate)
	bench := "none configured"
	if rr != nil && rr.Benchmark != nil {
		bench = fmt.Sprintf("%s — recovery rate %s (%s)", rr.Benchmark.Industry, benchmarkFigure(rr.Benchmark), rr.Benchmark.Source)
	} else if sc.Industry != "" {
		bench = sc.Industry + " — no published recovery-rate benchmark"
	}
	info := []struct {
		label string
		value any
		k     styleKey
	}{
		{"Quarter", b.periodText(), styleKey{bold: true}},
		{"Data as of", b.serial(sc.AsOf), styleKey{numFmt: fmtDateTime, align: "left"}},
		{"Time zone", b.zoneName() + " — all dates and times in this workbook are wall-clock times in this zone", styleKey{}},
		{"Industry benchmark", bench, styleKey{}},
		{"Currency", currencyText(sc.Currency), styleKey{}},
	}
	for i, it := range info {
		r := 2 + i
		b.set(s, 1, r, it.label, styleKey{kind: kLabel})
		b.set(s, 2, r, it.value, it.k)
		b.merge(s, 2, r, 8, r)
	}

	b.headerRow(s, scHeaderRow, "KPI", "Value", "Numerator", "Denominator", "Target", "Status",
		"Benchmark", "Variance vs benchmark", "QoQ change", "YoY change", trendHeader(b.trendN), "Benchmark source")

	prev, yoy := &sc.Comparisons.PreviousQuarter, &sc.Comparisons.YearAgo
	var sparkLoc, sparkRange []string
	var pendingNote string
	row := scHeaderRow + 1
	for _, d := range pipeline.Catalogue() {
		k := pipeline.FindKPI(sc.KPIs, d.ID)
		if k == nil {
			k = &pipeline.KPI{ID: d.ID}
		}
		b.rowHeight(s, row, 20)
		b.set(s, scKPI, row, d.Title, styleKey{bold: d.ID == contract.RecoveryRate})
		b.setKPIValue(s, scValue, row, d.Unit, k.Value, styleKey{bold: d.ID == contract.RecoveryRate})
		if k.Numerator != nil {
			b.set(s, scNum, row, *k.Numerator, styleKey{numFmt: fmtInt})
		}
		if k.Denominator != nil {
			b.set(s, scDen, row, *k.Denominator, styleKey{numFmt: fmtInt})
		}
		if k.Target != nil {
			b.set(s, scTarget, row, targetText(k.Target.Rule, d.Unit), styleKey{align: "center"})
		}
		if k.Status != "" {
			b.set(s, scStatus, row, k.Status, styleKey{align: "center"})
		}
		b.statusFormat(s, row, d.ID)
		if bm := k.Benchmark; bm != nil {
			b.set(s, scBench, row, cellValue(d.Unit, bm.Value), styleKey{numFmt: b.unitFormat(d.Unit, false)})
			if k.Value == nil {
				b.set(s, scVariance, row, noData, styleKey{kind: kNoData})
			} else {
				b.set(s, scVariance, row, *k.Value-bm.Value, styleKey{numFmt: fmtPoints})
			}
			src := fmt.Sprintf("%s (%s, %s)", bm.Source, bm.Industry, benchmarkFigure(bm))
			if bm.Low != nil && bm.High != nil {
				src += "; midpoint compared"
			}
			b.set(s, scSource, row, src, styleKey{})
		}
		b.change(s, scQoQ, row, d, k, prev)
		b.change(s, scYoY, row, d, k, yoy)
		if tr, ok := b.trendRow[d.ID]; ok && b.trendN > 0 {
			sparkLoc = append(sparkLoc, cellName(scSpark, row))
			sparkRange = append(sparkRange, fmt.Sprintf("%s!%s%d:%s%d", sheetTrend,
				colName(trendFirstCol), tr, colName(trendFirstCol+b.trendN-1), tr))
		}
		if d.ID == contract.RecoveredRechurnRate && k.Pending != nil {
			pendingNote = fmt.Sprintf(" Recovered re-churn: %d of the %s cohort are still inside their %d-day review period and may yet re-churn.",
				*k.Pending, sc.Quarter.Label, sc.Params.IntensiveCareDays)
		}
		row++
	}

	row++
	var cmp []string
	if prev.KPIs != nil {
		cmp = append(cmp, "QoQ compares with "+prev.Quarter.Label+" as it stood at the same age (as of "+prev.AsOf.Format("2006-01-02 15:04")+" UTC)")
	}
	if yoy.KPIs != nil {
		cmp = append(cmp, "YoY with "+yoy.Quarter.Label+" (as of "+yoy.AsOf.Format("2006-01-02 15:04")+" UTC)")
	}
	notes := []string{
		"Percentages are numerator ÷ denominator. \"no data\" means the denominator is zero or the extract has no table for the KPI; it is never shown as 0.",
		"Variance is the value minus the industry benchmark, in percentage points (pp). " + strings.Join(cmp, ", ") +
			" (see the Trend sheet). Changes of percentages are in pp, of counts and money in units." + pendingNote,
		"Status colours follow the bands of the Definitions sheet: green on target, amber watch, red off target.",
		"Benchmark sources: " + b.sourcesText() + ".",
	}
	for _, n := range notes {
		b.note(s, row, scLastCol, n)
		row++
	}

	if len(sparkLoc) > 0 && b.err == nil {
		if err := b.f.AddSparkline(s, &excelize.SparklineOptions{
			Location:     sparkLoc,
			Range:        sparkRange,
			Type:         "line",
			Markers:      true,
			Last:         true,
			SeriesColor:  "1F4E78",
			LastColor:    "C00000",
			MarkersColor: "1F4E78",
			EmptyCells:   "gap",
		}); err != nil {
			return fmt.Errorf("sparklines: %w", err)
		}
	}
	b.freeze(s, 1, scHeaderRow)
	b.printSetup(s, scHeaderRow, scHeaderRow, true)
	return b.err
}

func trendHeader(n int) string {
	if n == 1 {
		return "Trend (1 quarter)"
	}
	return "Trend (" + strconv.Itoa(n) + " quarters)"
}

// change writes the change of KPI k since the same-age comparison than: blank when
// there is none, "no data" when either value is missing.
func (b *book) change(s string, col, row int, d pipeline.KPIDef, k *pipeline.KPI, than *pipeline.Comparison) {
	if than.KPIs == nil {
		return
	}
	old := pipeline.FindKPI(than.KPIs, d.ID)
	if k.Value == nil || old == nil || old.Value == nil {
		b.set(s, col, row, noData, styleKey{kind: kNoData})
		return
	}
	b.set(s, col, row, *k.Value-*old.Value, styleKey{numFmt: b.unitFormat(d.Unit, true)})
}

// statusFormat colours the status cell of the row by conditional formats built from
// the KPI's bands (SPEC §5), tested on the value cell in the bands' order.
func (b *book) statusFormat(s string, row int, id contract.KPI) {
	bands, _ := pipeline.Bands(id)
	if len(bands) == 0 || b.err != nil {
		return
	}
	v := fmt.Sprintf("$%s$%d", colName(scValue), row)
	var opts []excelize.ConditionalFormatOptions
	for _, band := range bands {
		conds := []string{"ISNUMBER(" + v + ")"}
		if band.Low != nil {
			op := ">"
			if band.LowInclusive {
				op = ">="
			}
			conds = append(conds, v+op+fraction(*band.Low))
		}
		if band.High != nil {
			op := "<"
			if band.HighInclusive {
				op = "<="
			}
			conds = append(conds, v+op+fraction(*band.High))
		}
		id := b.condStyle(band.Colour)
		opts = append(opts, excelize.ConditionalFormatOptions{
			Type: "formula", Criteria: "AND(" + strings.Join(conds, ",") + ")", Format: &id, StopIfTrue: true,
		})
	}
	c := cellName(scStatus, row)
	if err := b.f.SetConditionalFormat(s, c+":"+c, opts); err != nil {
		b.err = fmt.Errorf("status format of %s: %w", id, err)
	}
}

// fraction writes a percentage bound as the fraction stored in the value cell.
func fraction(pct float64) string { return strconv.FormatFloat(pct/100, 'g', -1, 64) }

// targetText prints a target rule with its unit: "> 70" → "> 70%", "10..15" → "10–15%".
func targetText(rule string, u pipeline.Unit) string {
	t := strings.NewReplacer(">=", "≥", "<=", "≤", "..", "–").Replace(rule)
	if u == pipeline.UnitPercent {
		t += "%"
	}
	return t
}

// benchmarkFigure prints a benchmark: "60%" or "10–15%".
func benchmarkFigure(bm *pipeline.Benchmark) string {
	if bm.Low != nil && bm.High != nil {
		return pct(*bm.Low) + "–" + pct(*bm.High) + "%"
	}
	return pct(bm.Value) + "%"
}

func pct(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func currencyText(code string) string {
	sym, _ := currencySymbol(code)
	if code == "" {
		return "not configured"
	}
	if sym != strings.ToUpper(code) {
		return code + " (" + sym + ")"
	}
	return code
}

// sourcesText cites the benchmark figures by source: the defaults of SPEC §5 and the
// configured industry's figure where the config overrides it.
func (b *book) sourcesText() string {
	var parts []string
	for _, kpi := range b.benchmarkKPIs() {
		title := kpiDef(kpi).Title
		var figs []string
		for _, ib := range b.industryFigures(kpi) {
			figs = append(figs, fmt.Sprintf("%s %s (%s)", ib.Industry, industryFigure(ib), ib.Source))
		}
		parts = append(parts, strings.ToLower(title[:1])+title[1:]+" — "+strings.Join(figs, ", "))
	}
	return strings.Join(parts, "; ")
}

// industryFigures returns the industry figures of a KPI in force for this scorecard:
// SPEC §5 with the config's overrides (the defaults when the scorecard carries none).
func (b *book) industryFigures(kpi contract.KPI) []pipeline.IndustryBenchmark {
	if b.sc.Benchmarks.Industries == nil {
		return pipeline.DefaultBenchmarks().Industries[kpi]
	}
	return b.sc.Benchmarks.Industries[kpi]
}

func industryFigure(ib pipeline.IndustryBenchmark) string {
	if ib.Low != ib.High {
		return pct(ib.Low) + "–" + pct(ib.High) + "%"
	}
	return pct(ib.Low) + "%"
}

// benchmarkKPIs lists the KPIs with industry figures, by default or for the configured
// industry, in catalogue order.
func (b *book) benchmarkKPIs() []contract.KPI {
	var ids []contract.KPI
	for _, d := range pipeline.Catalogue() {
		k := pipeline.FindKPI(b.sc.KPIs, d.ID)
		if len(b.industryFigures(d.ID)) > 0 || (k != nil && k.Benchmark != nil) {
			ids = append(ids, d.ID)
		}
	}
	return ids
}
