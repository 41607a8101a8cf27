package excel

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// Scorecard sheet columns.
const (
	scKPI = iota + 1
	scValue
	scFinal
	scNum
	scDen
	scTarget
	scStatus
	scBench
	scVariance
	scQoQ
	scYoY
	scBetter
	scSource
	scLastCol = scSource
)

const scHeaderRow = 9

func (b *book) scorecardSheet() error {
	const s = sheetScorecard
	sc := b.sc
	b.set(s, 1, 1, "Customer recovery scorecard — "+sc.Company, styleKey{kind: kTitle})
	b.rowHeight(s, 1, 26)

	rr := pipeline.FindKPI(sc.KPIs, contract.RecoveryRate)
	bench := "none configured"
	if rr != nil && rr.Benchmark != nil {
		bench = fmt.Sprintf("%s — recovery rate %s (%s)", rr.Benchmark.Industry, benchmarkFigure(rr.Benchmark), sourceCitation(rr.Benchmark.Source))
	} else if sc.Industry != "" {
		bench = sc.Industry + " — no published recovery-rate benchmark"
	}
	info := []struct {
		label string
		value any
		k     styleKey
	}{
		{"Quarter", b.periodText() + " — " + b.finalText(), styleKey{bold: true}},
		{"Data as of", b.serial(sc.AsOf), styleKey{numFmt: fmtDateTime, align: "left"}},
		{"Time zone", b.zoneName() + " — all dates and times in this workbook are wall-clock times in this zone", styleKey{}},
		{"Industry benchmark", bench, styleKey{}},
		{"Benchmark caveat", b.benchmarkCaveat(), styleKey{wrap: true}},
		{"Currency", currencyText(sc.Currency) + " — money in thousands (K) or millions (M); the cell holds the exact amount", styleKey{}},
	}
	for i, it := range info {
		r := 2 + i
		b.set(s, 1, r, it.label, styleKey{kind: kLabel})
		b.set(s, 2, r, it.value, it.k)
		b.merge(s, 2, r, scLastCol, r)
	}
	if !b.final() {
		b.set(s, 2, 2, b.periodText()+" — "+b.finalText(), styleKey{bold: true, tone: toneProvisional})
	}

	b.headerRow(s, scHeaderRow, "KPI", "Value", "Final or provisional", "Numerator", "Denominator", "Target", "Status",
		"Benchmark", "Variance vs benchmark", "QoQ change (same age)", "YoY change (same age)", "Better when", "Benchmark source")

	prev, yoy := &sc.Comparisons.PreviousQuarter, &sc.Comparisons.YearAgo
	var pendingNote string
	row := scHeaderRow + 1
	for _, d := range pipeline.Catalogue() {
		k := pipeline.FindKPI(sc.KPIs, d.ID)
		if k == nil {
			k = &pipeline.KPI{ID: d.ID}
		}
		b.rowHeight(s, row, 20)
		head := d.ID == contract.RecoveryRate
		b.set(s, scKPI, row, d.Title, styleKey{bold: head})
		vk := styleKey{bold: head}
		if k.Value != nil {
			vk.numFmt = b.compactFormat(d.Unit, false, *k.Value)
		}
		if k.Provisional {
			vk.tone = toneProvisional
		}
		b.setKPIValue(s, scValue, row, d.Unit, k.Value, vk)
		if k.Provisional {
			b.set(s, scFinal, row, "provisional", styleKey{tone: toneProvisional, align: "center"})
		} else {
			b.set(s, scFinal, row, "final", styleKey{align: "center"})
		}
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
			src := fmt.Sprintf("%s (%s, %s)", sourceCitation(bm.Source), bm.Industry, benchmarkFigure(bm))
			if bm.Low != nil && bm.High != nil {
				src += "; midpoint compared"
			}
			b.set(s, scSource, row, src, styleKey{wrap: true, indent: true})
		} else if t := targetSource(d.ID); t != "" {
			b.set(s, scSource, row, "target: "+t, styleKey{wrap: true, indent: true})
		}
		b.change(s, scQoQ, row, d, sc.KPIs, prev)
		b.change(s, scYoY, row, d, sc.KPIs, yoy)
		b.set(s, scBetter, row, map[direction]string{higherBetter: "higher", lowerBetter: "lower", neutral: "—"}[kpiDirection(d.ID)], styleKey{align: "center"})
		if d.ID == contract.RecoveredRechurnRate && k.Pending != nil {
			pendingNote = fmt.Sprintf(" Recovered re-churn: %d of the %s cohort are still inside their %d-day review period and may yet re-churn.",
				*k.Pending, sc.Quarter.Label, sc.Params.IntensiveCareDays)
		}
		row++
	}

	row++
	notes := []string{
		"Provisional (shaded): the value can still change, because recovery windows, review periods or offers of the quarter are still open. " + b.finalText() + ".",
		b.comparisonText() + " Green: the KPI moved the way that is better for it (see \"Better when\"); red: the way that is worse; no colour: no change, or a KPI that is neither better higher nor lower. Changes of percentages are in percentage points (pp)." + pendingNote,
		"Percentages are numerator ÷ denominator. \"no data\" means the denominator is zero or the extract has no table for the KPI; it is never shown as 0. Variance is the value minus the industry benchmark, in pp.",
		"Status colours follow the bands on the Definitions sheet: green on target, amber watch, red off target. Benchmark sources: " + b.sourcesText() + ".",
	}
	for _, n := range notes {
		b.note(s, row, scLastCol, n)
		row++
	}
	b.widths(s, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 46)
	b.finishSheet(s)
	b.freeze(s, 1, scHeaderRow)
	b.printSetup(s, scHeaderRow, scHeaderRow, true)
	return b.err
}

// final says whether the quarter is final: no KPI of it can change any more.
func (b *book) final() bool { return !b.sc.Open && !b.sc.FinalAt.After(b.sc.AsOf) }

// finalText says whether the quarter is final, and from which day it will be.
func (b *book) finalText() string {
	sc := b.sc
	if b.final() {
		return "final: no figure of the quarter can change any more"
	}
	if sc.Open {
		return "provisional: the quarter has not ended yet (every figure is provisional)"
	}
	return "provisional: final from " + b.dayText(sc.FinalAt)
}

// dayText prints an instant's day in the workbook's zone: "30 Mar 2027".
func (b *book) dayText(t time.Time) string { return t.In(b.loc).Format("2 Jan 2006") }

// comparisonText says what QoQ and YoY compare with.
func (b *book) comparisonText() string {
	prev, yoy := &b.sc.Comparisons.PreviousQuarter, &b.sc.Comparisons.YearAgo
	var cmp []string
	if prev.KPIs != nil {
		cmp = append(cmp, prev.Quarter.Label+" as it stood on "+b.dayText(prev.AsOf))
	}
	if yoy.KPIs != nil {
		cmp = append(cmp, yoy.Quarter.Label+" as it stood on "+b.dayText(yoy.AsOf))
	}
	if len(cmp) == 0 {
		return "No earlier quarter to compare with."
	}
	age := b.sc.AsOf.Sub(b.sc.Quarter.End).Hours() / 24
	return fmt.Sprintf("QoQ and YoY compare at the same age (%s days after the quarter's end): with %s, so an open window is never compared with a closed one.",
		strconv.FormatFloat(math.Round(age*10)/10, 'f', -1, 64), strings.Join(cmp, " and with "))
}

// benchmarkCaveat is the note beside the benchmark (SPEC §5): the published rates may
// define "at risk" otherwise, and the complaint kind's rate is the like-for-like one.
func (b *book) benchmarkCaveat() string {
	t := `Published recovery rates may define "at risk" differently: most measure recovery after a complaint, while this scorecard also counts departures and lapses.`
	for _, k := range b.sc.Kinds {
		if k.Name != contract.KindComplaint {
			continue
		}
		t += " Like-for-like, the recovery rate after a complaint this quarter is " + pctText(k.RecoveryRate)
		if k.MaturedRecoveryRate != nil {
			t += " (" + pctText(k.MaturedRecoveryRate) + " over closed windows)"
		}
		if rr := pipeline.FindKPI(b.sc.KPIs, contract.RecoveryRate); rr != nil && rr.Benchmark != nil {
			t += ", against the benchmark of " + benchmarkFigure(rr.Benchmark)
		}
		return t + "."
	}
	return t + " No complaint episodes this quarter."
}

// pctText prints a percentage with one decimal, or "no data".
func pctText(v *float64) string {
	if v == nil {
		return noData
	}
	return strconv.FormatFloat(*v, 'f', 1, 64) + "%"
}

// change writes the change of KPI d since the same-age comparison than, coloured by
// the KPI's direction: blank when there is no comparison, "no data" when either value
// is missing.
func (b *book) change(s string, col, row int, d pipeline.KPIDef, kpis []pipeline.KPI, than *pipeline.Comparison) {
	if than.KPIs == nil {
		return
	}
	ch, ok := sameAgeChange(kpis, than, d.ID)
	if !ok {
		b.set(s, col, row, noData, styleKey{kind: kNoData})
		return
	}
	b.set(s, col, row, cellValue(pipeline.UnitCount, ch), styleKey{numFmt: b.compactFormat(changeUnit(d.Unit), true, ch), tone: changeTone(d.ID, ch)})
}

// changeUnit is the unit of a change of a KPI of the unit: percentages change by points.
func changeUnit(u pipeline.Unit) pipeline.Unit {
	if u == pipeline.UnitPercent {
		return pipeline.UnitPoints
	}
	return u
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
