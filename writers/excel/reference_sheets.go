package excel

import (
	"fmt"
	"math"
	"strings"

	"github.com/recoverykpi/recoverykpi/pipeline"
)

func (b *book) definitionsSheet() error {
	const s = sheetDefs
	sc := b.sc
	b.widths(s, 26, 24, 10, 48, 70)
	b.title(s, "Definitions",
		"How every number of this workbook is computed (SPEC §4–5). W, L, I and R are the parameters below; d is the time a customer became at risk, r the time of recovery, as_of the moment the data describe.", 5)
	r := 4
	b.set(s, 1, r, "KPIs", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "KPI", "Id", "Unit", "Formula", "Meaning")
	r++
	for _, d := range pipeline.Catalogue() {
		b.set(s, 1, r, d.Title, styleKey{bold: true, wrap: true})
		b.set(s, 2, r, d.ID, styleKey{kind: kMono, wrap: true})
		b.set(s, 3, r, unitName(d.Unit, sc.Currency), styleKey{})
		b.set(s, 4, r, d.Formula, styleKey{wrap: true})
		b.set(s, 5, r, d.Meaning, styleKey{wrap: true})
		lines := math.Max(wrapLines(d.Formula, 48), wrapLines(d.Meaning, 70))
		b.rowHeight(s, r, 15*lines+2)
		r++
	}

	r++
	b.set(s, 1, r, "Parameters used", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Parameter", "Config key", "Value", "Meaning", "")
	b.merge(s, 4, r, 5, r)
	r++
	p := sc.Params
	params := []struct {
		name, key string
		v         float64
		meaning   string
	}{
		{"Recovery window W (days)", "recovery_window_days", float64(p.RecoveryWindowDays), "An at-risk customer is recovered by a qualifying purchase within W days."},
		{"Lapse L (days)", "lapse_days", float64(p.LapseDays), "A customer lapses L days after a qualifying purchase with no next one."},
		{"Review period I (days)", "intensive_care_days", float64(p.IntensiveCareDays), "Recovered customers stay under review (intensive care) for I days."},
		{"Revenue lookback R (days)", "revenue_lookback_days", float64(p.RevenueLookbackDays), "Revenue at risk is what the customer spent in the R days before d."},
		{"Satisfied minimum score", "satisfied_min_score", p.SatisfiedMinScore, "A recovery-related survey with at least this score counts as satisfied."},
		{"Score scale minimum", "score_min", p.ScoreMin, "Lowest valid survey score."},
		{"Score scale maximum", "score_max", p.ScoreMax, "Highest valid survey score."},
		{"Win-back list size", "worklist_size", float64(p.WorklistSize), "Rows of the win-back list, by revenue at risk."},
	}
	for _, x := range params {
		b.set(s, 1, r, x.name, styleKey{})
		b.set(s, 2, r, x.key, styleKey{kind: kMono})
		b.set(s, 3, r, x.v, styleKey{numFmt: fmtDecimal, align: "left"})
		b.set(s, 4, r, x.meaning, styleKey{})
		b.merge(s, 4, r, 5, r)
		r++
	}

	r++
	b.set(s, 1, r, "Status bands", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "KPI", "Status", "Colour", "Range", "Target")
	r++
	for _, d := range pipeline.Catalogue() {
		bands, target := pipeline.Bands(d.ID)
		for _, band := range bands {
			b.set(s, 1, r, d.Title, styleKey{})
			b.set(s, 2, r, band.Status, styleKey{align: "center"})
			b.set(s, 3, r, band.Colour, styleKey{})
			b.set(s, 4, r, bandRange(band), styleKey{})
			if target != nil {
				b.set(s, 5, r, targetText(target.Rule, d.Unit), styleKey{})
			}
			b.colourCell(s, 2, r, band.Colour)
			r++
		}
	}

	r++
	b.set(s, 1, r, "Industry benchmarks", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "KPI", "Industry", "Figure", "Source", "Used on the Scorecard")
	r++
	for _, kpi := range b.benchmarkKPIs() {
		k := pipeline.FindKPI(sc.KPIs, kpi)
		for _, ib := range b.industryFigures(kpi) {
			b.set(s, 1, r, kpiDef(kpi).Title, styleKey{})
			b.set(s, 2, r, ib.Industry, styleKey{})
			b.set(s, 3, r, industryFigure(ib), styleKey{align: "center"})
			b.set(s, 4, r, ib.Source, styleKey{})
			if k != nil && k.Benchmark != nil && k.Benchmark.Industry == ib.Industry {
				used := "yes — the configured industry"
				if ib.Low != ib.High {
					used += fmt.Sprintf(" (midpoint %s%% compared)", pct(k.Benchmark.Value))
				}
				b.set(s, 5, r, used, styleKey{bold: true})
			}
			r++
		}
	}
	r++
	b.note(s, r, 5, "Sources: Forrester, Gartner and HubSpot figures are the industry averages they publish for customer recovery rates; \"practitioner figures\" are ranges quoted by customer-recovery practitioners; \"company config\" is a figure set in this company's configuration.")
	b.printSetup(s, 0, 0, false)
	return b.err
}

// colourCell fills a cell with the band colour (a static fill: the Definitions sheet
// is the legend of the Scorecard's conditional formats).
func (b *book) colourCell(s string, col, row int, colour string) {
	if b.err != nil {
		return
	}
	c := cellName(col, row)
	if err := b.f.SetCellStyle(s, c, c, b.style(styleKey{band: colour, align: "center"})); err != nil {
		b.err = err
	}
}

// bandRange prints a band: "> 70%", "50–70%", "< 50%", "any other value".
func bandRange(band pipeline.Band) string {
	switch {
	case band.Low != nil && band.High != nil:
		return pct(*band.Low) + "–" + pct(*band.High) + "% (inclusive)"
	case band.Low != nil:
		if band.LowInclusive {
			return "≥ " + pct(*band.Low) + "%"
		}
		return "> " + pct(*band.Low) + "%"
	case band.High != nil:
		if band.HighInclusive {
			return "≤ " + pct(*band.High) + "%"
		}
		return "< " + pct(*band.High) + "%"
	}
	return "any other value"
}

// wrapLines estimates the lines text takes in a wrapped column of the width.
func wrapLines(text string, width float64) float64 {
	n := float64(len([]rune(text)))
	return math.Max(1, math.Ceil(n*1.05/width))
}

func (b *book) auditSheet() error {
	const s = sheetAudit
	sc, prov := b.sc, b.prov
	b.widths(s, 24, 46, 14, 70, 12, 14)
	b.title(s, "Audit", "What this workbook was computed from. Rerunning the same program version on the same inputs and config gives the same numbers and the same bytes.", 6)
	r := 4
	kv := func(label string, v any, k styleKey) {
		b.set(s, 1, r, label, styleKey{kind: kLabel})
		b.set(s, 2, r, v, k)
		r++
	}
	kv("Program version", "recoverykpi "+prov.Version, styleKey{})
	if prov.GoVersion != "" {
		kv("Go version", prov.GoVersion, styleKey{})
	}
	for _, l := range prov.Libraries {
		kv("Library", l.Path+" "+l.Version, styleKey{})
	}
	kv("Company", sc.Company, styleKey{})
	kv("Quarter", sc.Quarter.Label, styleKey{})
	kv("Period start", b.serial(sc.Quarter.Start), styleKey{numFmt: fmtDateTime, align: "left"})
	kv("Period end (exclusive)", b.serial(sc.Quarter.End), styleKey{numFmt: fmtDateTime, align: "left"})
	kv("As of", b.serial(sc.AsOf), styleKey{numFmt: fmtDateTime, align: "left"})
	kv("As of (UTC, RFC 3339)", sc.AsOf.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"), styleKey{kind: kMono})
	kv("Time zone", b.zoneName(), styleKey{})
	kv("Input root", prov.InputRoot, styleKey{})
	kv("Config SHA-256", prov.ConfigSHA256, styleKey{kind: kMono})

	r++
	b.set(s, 1, r, "Input files", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Table", "File", "Size (bytes)", "SHA-256", "Rows read", "Rows set aside")
	r++
	for _, in := range prov.Inputs {
		b.set(s, 1, r, in.Table, styleKey{})
		b.set(s, 2, r, in.Path, styleKey{})
		b.set(s, 3, r, in.Size, styleKey{numFmt: fmtInt})
		b.set(s, 4, r, in.SHA256, styleKey{kind: kMono})
		b.set(s, 5, r, in.RowsRead, styleKey{numFmt: fmtInt})
		b.set(s, 6, r, in.RowsSetAside, styleKey{numFmt: fmtInt})
		r++
	}
	if len(prov.Inputs) == 0 {
		b.note(s, r, 6, "No input files recorded.")
		r++
	}

	r++
	b.set(s, 1, r, "Data quality", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Table", "Count", "Rows")
	r++
	for _, q := range sc.DataQuality {
		b.set(s, 1, r, q.Table, styleKey{total: true})
		b.set(s, 2, r, "rows read", styleKey{total: true})
		b.set(s, 3, r, q.RowsRead, styleKey{total: true, numFmt: fmtInt})
		r++
		b.set(s, 1, r, q.Table, styleKey{kind: kNote})
		b.set(s, 2, r, "rows set aside, all reasons", styleKey{})
		b.set(s, 3, r, q.RowsSetAside, styleKey{numFmt: fmtInt})
		r++
		for _, rc := range q.ByReason {
			b.set(s, 1, r, q.Table, styleKey{kind: kNote})
			b.set(s, 2, r, "set aside: "+rc.Reason, styleKey{})
			b.set(s, 3, r, rc.Rows, styleKey{numFmt: fmtInt})
			r++
		}
	}
	if len(sc.DataQuality) == 0 {
		b.note(s, r, 6, "No data-quality counts recorded.")
		r++
	}
	b.note(s, r, 6, "Rows set aside are written to quarantine/"+sc.Quarter.Label+"/<table>.parquet in the output folder (quarantine/"+sc.Quarter.Label+"-rN/ for restatement N) with the reason and source file of each row; the manifest lists them with their SHA-256.")
	r++

	r++
	b.set(s, 1, r, "Resolved configuration (YAML)", styleKey{kind: kSection})
	r++
	yaml := strings.TrimRight(strings.ReplaceAll(string(prov.ConfigYAML), "\r\n", "\n"), "\n")
	if yaml == "" {
		b.note(s, r, 6, "No configuration recorded.")
	} else {
		for _, line := range strings.Split(yaml, "\n") {
			b.set(s, 1, r, line, styleKey{kind: kMono})
			r++
		}
	}
	b.printSetup(s, 0, 0, false)
	return b.err
}
