package excel

import (
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// Summary sheet layout (SPEC §6 v2, "What finance forwards to a CFO"): one landscape
// page with the quarter and whether it is final, six headline figures with their status,
// same-age changes and one plain sentence each, the revenue bridge and the recovery
// curve. The charts' data sit to the right of the printed area.
const (
	sumHeaderRow   = 5
	sumFirstFigure = sumHeaderRow + 1
	sumLastCol     = 6 // A..F print
	sumDataCol     = 8 // H..: chart data, outside the print area
)

// headline is one figure of the Summary.
type headline struct {
	id       contract.KPI
	label    string
	sentence func(b *book, k *pipeline.KPI) string
}

// headlines are the Summary's figures, in order.
func headlines() []headline {
	return []headline{
		{contract.RecoveryRate, "Recovery rate", (*book).recoveryRateSentence},
		{contract.RetainedRevenue, "Retained revenue", (*book).retainedSentence},
		{contract.LostRevenue, "Lost revenue", (*book).lostSentence},
		{contract.DepartedCustomers, "Departed customers", (*book).departedSentence},
		{contract.RecoverySatisfaction, "Recovery satisfaction", (*book).satisfactionSentence},
		{contract.MedianDaysToRecovery, "Median days to recovery", (*book).medianSentence},
	}
}

func (b *book) summarySheet() error {
	const s = sheetSummary
	sc := b.sc
	b.set(s, 1, 1, "Customer recovery — "+sc.Company, styleKey{kind: kTitle})
	b.rowHeight(s, 1, 26)
	b.set(s, 1, 2, fmt.Sprintf("%s · data as of %s", b.periodText(), b.dayText(sc.AsOf)), styleKey{kind: kSection})
	banner := styleKey{bold: true, wrap: true, band: "green"}
	text := "FINAL — " + b.finalText() + "."
	if !b.final() {
		banner = styleKey{bold: true, wrap: true, tone: toneProvisional}
		text = "PROVISIONAL — " + b.provisionalBanner()
	}
	b.set(s, 1, 3, text, banner)
	b.merge(s, 1, 3, sumLastCol, 3)

	prev, yoy := &sc.Comparisons.PreviousQuarter, &sc.Comparisons.YearAgo
	b.headerRow(s, sumHeaderRow, "Headline", "Value", "Status",
		"Change vs "+comparisonLabel(prev), "Change vs "+comparisonLabel(yoy), "What it means")
	row := sumFirstFigure
	for _, h := range headlines() {
		d := kpiDef(h.id)
		k := pipeline.FindKPI(sc.KPIs, h.id)
		if k == nil {
			k = &pipeline.KPI{ID: h.id}
		}
		b.set(s, 1, row, h.label, styleKey{kind: kLabel})
		vk := styleKey{bold: true}
		if k.Value != nil {
			vk.numFmt = b.compactFormat(d.Unit, false, *k.Value)
		}
		if k.Provisional {
			vk.tone = toneProvisional
		}
		b.setKPIValue(s, 2, row, d.Unit, k.Value, vk)
		if k.Status != "" {
			b.set(s, 3, row, k.Status, styleKey{align: "center", band: bandColour(h.id, k.Status)})
		} else {
			b.set(s, 3, row, "—", styleKey{align: "center"})
		}
		b.change(s, 4, row, d, sc.KPIs, prev)
		b.change(s, 5, row, d, sc.KPIs, yoy)
		b.set(s, 6, row, h.sentence(b, k), styleKey{wrap: true, indent: true})
		row++
	}
	b.note(s, row, sumLastCol, "Shaded italic values are provisional. "+b.comparisonText()+
		" Green: better for that figure; red: worse. Money is in thousands (K) or millions (M). Every figure is defined on the Definitions sheet and broken down on the other sheets.")
	row += 2
	chartRow := row + 1
	b.set(s, 1, row, "Revenue at risk: where it went", styleKey{kind: kSection})
	b.set(s, 4, row, "How fast recovered customers came back", styleKey{kind: kSection})
	b.widths(s, 0, 0, 0, 0, 0, 70)

	bridgeFirst, bridgeLast := b.bridgeData(s)
	curveFirst, curveLast := b.curveData(s)
	b.finishSheet(s)
	lastRow := chartRow + 17
	b.printArea(s, "A1:"+cellName(sumLastCol, lastRow))
	b.printSetup(s, 0, 0, true)
	if b.err != nil {
		return b.err
	}
	leftPx := b.columnsPx(s, 1, 3)
	rightPx := b.columnsPx(s, 4, sumLastCol)
	if bridgeLast >= bridgeFirst {
		if err := b.bridgeChart(s, cellName(1, chartRow), leftPx-10, bridgeFirst, bridgeLast); err != nil {
			return err
		}
	} else {
		b.note(s, chartRow, 3, "No revenue at risk this quarter.")
	}
	if curveLast >= curveFirst {
		if err := b.curveChart(s, cellName(4, chartRow), rightPx-10, curveFirst, curveLast); err != nil {
			return err
		}
	} else {
		b.set(s, 4, chartRow, "No episode of the quarter has reached the end of its recovery window yet, so there is no recovery curve.", styleKey{kind: kNote, spill: true})
	}
	return b.err
}

// provisionalBanner says why the quarter is provisional and until when.
func (b *book) provisionalBanner() string {
	sc := b.sc
	if sc.Open {
		return "the quarter has not ended yet: every figure can still change."
	}
	t := "final from " + b.dayText(sc.FinalAt) + ". "
	if k := pipeline.FindKPI(sc.KPIs, contract.PendingCustomers); k != nil && k.Value != nil && *k.Value > 0 {
		t += fmt.Sprintf("%s customers' recovery windows are still open, so recovery and loss figures can still change. ", intText(*k.Value))
	}
	return t + "Shaded italic values are provisional."
}

// comparisonLabel names a comparison quarter in a header.
func comparisonLabel(c *pipeline.Comparison) string {
	if c.KPIs == nil {
		return "earlier quarter (none)"
	}
	return c.Quarter.Label
}

// bandColour is the colour of a KPI's status.
func bandColour(id contract.KPI, status string) string {
	bands, _ := pipeline.Bands(id)
	for _, band := range bands {
		if band.Status == status {
			return band.Colour
		}
	}
	return ""
}

// money prints an amount as the headline sheets show it: "$15.7M".
func (b *book) money(v float64) string {
	return renderNumber(b.compactMoneyFormat(moneyScale(v), false), v)
}

func intText(v float64) string { return renderNumber(fmtInt, v) }

// kpiValue returns the value of a KPI of the quarter, and whether it has data.
func (b *book) kpiValue(id contract.KPI) (float64, bool) {
	if k := pipeline.FindKPI(b.sc.KPIs, id); k != nil && k.Value != nil {
		return *k.Value, true
	}
	return 0, false
}

func (b *book) recoveryRateSentence(k *pipeline.KPI) string {
	if k.Value == nil {
		return "No customer was at risk this quarter."
	}
	t := fmt.Sprintf("%s of the %s customers at risk this quarter (a complaint, a departure or a lapse) bought again within %d days",
		pctText(k.Value), intText(float64(deref(k.Denominator))), b.sc.Params.RecoveryWindowDays)
	if k.Target != nil {
		t += "; target " + targetText(k.Target.Rule, pipeline.UnitPercent)
	}
	if k.Benchmark != nil {
		t += ", " + k.Benchmark.Industry + " benchmark " + benchmarkFigure(k.Benchmark)
	}
	t += "."
	if p, ok := b.kpiValue(contract.PendingCustomers); ok && p > 0 {
		t += " " + intText(p) + " are still inside their window."
	}
	return t
}

func (b *book) retainedSentence(k *pipeline.KPI) string {
	rar, ok := b.kpiValue(contract.RevenueAtRisk)
	if k.Value == nil || !ok {
		return "No revenue at risk this quarter."
	}
	t := fmt.Sprintf("The customers won back had spent %s in the %d days before they were at risk", b.money(*k.Value), b.sc.Params.RevenueLookbackDays)
	if rar > 0 {
		t += fmt.Sprintf(": %s of the %s at risk", pctText(ptrTo(*k.Value/rar*100)), b.money(rar))
	}
	return t + "."
}

func (b *book) lostSentence(k *pipeline.KPI) string {
	if k.Value == nil {
		return "No revenue at risk this quarter."
	}
	t := fmt.Sprintf("The customers whose %d-day window closed without a purchase had spent %s in the %d days before.",
		b.sc.Params.RecoveryWindowDays, b.money(*k.Value), b.sc.Params.RevenueLookbackDays)
	if p, ok := b.kpiValue(contract.PendingRevenue); ok && p != 0 {
		t += " Another " + b.money(p) + " is pending: those windows are still open."
	}
	return t
}

func (b *book) departedSentence(k *pipeline.KPI) string {
	if k.Value == nil {
		return "No data."
	}
	t := fmt.Sprintf("%s customers left explicitly or stopped buying for %d days", intText(*k.Value), b.sc.Params.LapseDays)
	if r, ok := b.kpiValue(contract.DepartedRevenue); ok {
		t += ", taking " + b.money(r) + " of revenue with them"
	}
	return t + ". Who they were and why: Departures sheet."
}

func (b *book) satisfactionSentence(k *pipeline.KPI) string {
	if k.Value == nil {
		if b.tableMissing(contract.Surveys) {
			return "No data: the extract has no surveys table."
		}
		return "No data: no survey answer about a recovery this quarter."
	}
	t := fmt.Sprintf("%s of the %s survey answers about a recovery scored %s or more",
		pctText(k.Value), intText(float64(deref(k.Denominator))), strconv.FormatFloat(b.sc.Params.SatisfiedMinScore, 'f', -1, 64))
	if k.Target != nil {
		t += "; target " + targetText(k.Target.Rule, pipeline.UnitPercent)
	}
	return t + "."
}

func (b *book) medianSentence(k *pipeline.KPI) string {
	if k.Value == nil {
		return "No data: no customer recovered this quarter."
	}
	return fmt.Sprintf("Half of the recovered customers bought again within %s days of becoming at risk; the curve below shows how many came back by each day.",
		strconv.FormatFloat(*k.Value, 'f', 1, 64))
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func ptrTo(v float64) *float64 { return &v }

// bridgeData writes the revenue bridge's chart data beside the print area: one row per
// step (revenue at risk, retained, pending, lost), a transparent base that lifts each
// part to where the parts before it end, and each step's amount in its own series, so
// that each has its colour. It returns the data rows.
func (b *book) bridgeData(s string) (first, last int) {
	rar, ok := b.kpiValue(contract.RevenueAtRisk)
	if !ok {
		return 1, 0
	}
	ret, _ := b.kpiValue(contract.RetainedRevenue)
	pend, _ := b.kpiValue(contract.PendingRevenue)
	lost, _ := b.kpiValue(contract.LostRevenue)
	c := sumDataCol
	b.set(s, c, sumHeaderRow-1, "Chart data (not printed): revenue bridge", styleKey{kind: kNote, spill: true})
	b.headerRow2(s, sumHeaderRow, c, "Step", "Base", "Revenue at risk", "Retained", "Pending", "Lost")
	steps := []struct {
		name        string
		base, value float64
	}{
		{"Revenue at risk", 0, rar},
		{"Retained", 0, ret},
		{"Pending", ret, pend},
		{"Lost", ret + pend, lost},
	}
	money := b.moneyFormat(false)
	for i, st := range steps {
		r := sumHeaderRow + 1 + i
		b.set(s, c, r, st.name+" "+b.money(st.value), styleKey{})
		if st.base != 0 {
			b.set(s, c+1, r, st.base, styleKey{numFmt: money})
		}
		b.set(s, c+2+i, r, st.value, styleKey{numFmt: money})
	}
	return sumHeaderRow + 1, sumHeaderRow + len(steps)
}

// headerRow2 writes header cells from column col.
func (b *book) headerRow2(s string, row, col int, titles ...string) {
	for i, t := range titles {
		b.set(s, col+i, row, t, styleKey{kind: kHeader, align: "center"})
	}
}

func (b *book) bridgeChart(s, at string, width, first, last int) error {
	c := sumDataCol
	cats := fmt.Sprintf("%s!$%s$%d:$%s$%d", s, colName(c), first, colName(c), last)
	ref := func(col int) string {
		return fmt.Sprintf("%s!$%s$%d:$%s$%d", s, colName(col), first, colName(col), last)
	}
	series := []excelize.ChartSeries{{
		Name: fmt.Sprintf("%s!$%s$%d", s, colName(c+1), sumHeaderRow), Categories: cats, Values: ref(c + 1),
		Fill: excelize.Fill{Type: "pattern", Pattern: 0},
	}}
	for i, colour := range []string{"1F4E78", "00B050", "FFC000", "C00000"} {
		series = append(series, excelize.ChartSeries{
			Name: fmt.Sprintf("%s!$%s$%d", s, colName(c+2+i), sumHeaderRow), Categories: cats, Values: ref(c + 2 + i),
			Fill: solid(colour),
		})
	}
	return b.f.AddChart(s, at, &excelize.Chart{
		Type:      excelize.ColStacked,
		Series:    series,
		Title:     chartTitle("Revenue bridge: at risk → retained, pending, lost"),
		Legend:    excelize.ChartLegend{Position: "none"},
		Dimension: excelize.ChartDimension{Width: uint(max(width, 320)), Height: 320},
		Format:    graphic(),
		GapWidth:  uintPtr(40),
		Overlap:   intPtr(100),
		XAxis:     excelize.ChartAxis{Font: axisFont()},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, Font: axisFont(), NumFmt: excelize.ChartNumFmt{CustomNumFmt: b.moneyAxis()}},
	})
}

// curveData writes the recovery curve's chart data beside the bridge's.
func (b *book) curveData(s string) (first, last int) {
	if len(b.sc.RecoveryCurve) == 0 {
		return 1, 0
	}
	c := sumDataCol + 7
	b.set(s, c, sumHeaderRow-1, "Chart data (not printed): recovery curve", styleKey{kind: kNote, spill: true})
	b.headerRow2(s, sumHeaderRow, c, "Day", "Recovered within (share of closed windows)")
	r := sumHeaderRow + 1
	for _, p := range b.sc.RecoveryCurve {
		b.set(s, c, r, p.Day, styleKey{numFmt: fmtInt})
		if p.RecoveredShare != nil {
			b.set(s, c+1, r, *p.RecoveredShare/100, styleKey{numFmt: fmtPercent})
		}
		r++
	}
	return sumHeaderRow + 1, r - 1
}

// curveStep is the interval of the recovery curve's day axis for a curve of n days:
// about ten labels.
func curveStep(n int) float64 {
	for _, step := range []int{1, 2, 5, 10, 15, 30, 60, 90} {
		if n/step <= 10 {
			return float64(step)
		}
	}
	return float64(n / 10)
}

func (b *book) curveChart(s, at string, width, first, last int) error {
	c := sumDataCol + 7
	one := 1.0
	// A scatter chart with lines: the days are numbers on the axis, labelled every
	// curveStep days in Excel and LibreOffice alike.
	return b.f.AddChart(s, at, &excelize.Chart{
		Type: excelize.Scatter,
		Series: []excelize.ChartSeries{{
			Name:       fmt.Sprintf("%s!$%s$%d", s, colName(c+1), sumHeaderRow),
			Categories: fmt.Sprintf("%s!$%s$%d:$%s$%d", s, colName(c), first, colName(c), last),
			Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", s, colName(c+1), first, colName(c+1), last),
			Line:       excelize.LineOptions{Type: excelize.LineSolid, Width: 2.25}, Fill: solid("1F4E78"),
			Marker: excelize.ChartMarker{Symbol: "none"},
		}},
		Title:     chartTitle(fmt.Sprintf("Recovered within N days: share of the %s customers whose window has closed", b.sc.Quarter.Label)),
		Legend:    excelize.ChartLegend{Position: "none"},
		Dimension: excelize.ChartDimension{Width: uint(max(width, 320)), Height: 320},
		Format:    graphic(),
		XAxis: excelize.ChartAxis{Font: axisFont(), Minimum: ptrTo(0), Maximum: ptrTo(float64(len(b.sc.RecoveryCurve))),
			MajorUnit: curveStep(len(b.sc.RecoveryCurve)), Title: axisTitle("days after becoming at risk")},
		YAxis: excelize.ChartAxis{MajorGridLines: true, Minimum: ptrTo(0), Maximum: &one, Font: axisFont(), NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
	})
}

func axisTitle(text string) excelize.ChartTitle {
	return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{
		Text: text, Font: &excelize.Font{Size: 9, Color: "404040", Family: "Calibri"},
	}}}
}
