package excel

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

func (b *book) definitionsSheet() error {
	const s = sheetDefs
	sc := b.sc
	p := sc.Params
	wrap := styleKey{wrap: true}
	analyst := styleKey{wrap: true, kind: kNote}
	b.widths(s, 0, 62, 44, 48)
	b.title(s, "Definitions",
		"What every figure of this workbook means, where its target and benchmark come from, and the settings used. The last column is for analysts: the figure's id in the JSON file and its exact formula.", 4)
	r := 4
	b.set(s, 1, r, "How to read the figures", styleKey{kind: kSection})
	r++
	rules := []string{
		fmt.Sprintf("A customer is at risk in a quarter when they complained, left (a departure) or stopped buying for %d days (a lapse) during it; each customer counts once per quarter, from the first such event.", p.LapseDays),
		fmt.Sprintf("A customer at risk is recovered if they buy again (a purchase, not a refund) within %d days (the recovery window); lost if the window closed without a purchase; pending while it is still open.", p.RecoveryWindowDays),
		fmt.Sprintf("Revenue at risk is what a customer spent in the %d days before becoming at risk. It splits into retained (customers recovered), pending (windows still open) and lost (windows closed without a purchase).", p.RevenueLookbackDays),
		"A figure is provisional while it can still change: the quarter's recovery windows, review periods or open offers have not all ended. The quarter is final once none can change; the Summary says from which day.",
		"Changes against the previous quarter (QoQ) and the same quarter a year before (YoY) compare each quarter at the same age: the earlier quarter as it stood the same number of days after its end. A quarter with open windows is never compared with one whose windows have all closed.",
		"\"no data\" means there was nothing to count (for example no surveys), or the extract has no table for the figure; it is never shown as 0.",
	}
	for _, t := range rules {
		b.set(s, 1, r, "•", styleKey{align: "right"})
		b.set(s, 2, r, t, wrap)
		b.merge(s, 2, r, 4, r)
		r++
	}

	r++
	b.set(s, 1, r, "What each figure means", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Figure", "What it means", "Target, and where it comes from", "For analysts: id and formula")
	r++
	plain := b.plainWords()
	for _, d := range pipeline.Catalogue() {
		b.set(s, 1, r, d.Title, styleKey{bold: true})
		b.set(s, 2, r, plain.Replace(d.Meaning), wrap)
		if _, target := pipeline.Bands(d.ID); target != nil {
			b.set(s, 3, r, "Target "+targetText(target.Rule, d.Unit)+", from "+targetSource(d.ID)+".", wrap)
		}
		b.set(s, 4, r, string(d.ID)+": "+d.Formula, analyst)
		r++
	}

	r++
	b.set(s, 1, r, "Settings used", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Setting", "What it means", "Value", "For analysts: config key")
	r++
	params := []struct {
		name, key string
		v         float64
		meaning   string
	}{
		{"Recovery window (days)", "recovery_window_days", float64(p.RecoveryWindowDays), "A customer at risk is recovered by a purchase within this many days."},
		{"Lapse (days)", "lapse_days", float64(p.LapseDays), "A customer who has not bought for this many days after a purchase has lapsed."},
		{"Review period (days)", "intensive_care_days", float64(p.IntensiveCareDays), "Recovered customers stay under review (intensive care) this many days."},
		{"Revenue lookback (days)", "revenue_lookback_days", float64(p.RevenueLookbackDays), "Revenue at risk is what the customer spent in this many days before becoming at risk."},
		{"Satisfied score", "satisfied_min_score", p.SatisfiedMinScore, "A survey answer about a recovery with at least this score counts as satisfied."},
		{"Lowest survey score", "score_min", p.ScoreMin, "The lowest score a survey answer can have."},
		{"Highest survey score", "score_max", p.ScoreMax, "The highest score a survey answer can have."},
		{"Win-back list size", "worklist_size", float64(p.WorklistSize), "Rows of the win-back list, by revenue at risk."},
		{"Executive calls", "executive_calls", float64(p.ExecutiveCalls), "Departed or lapsed customers flagged on the win-back list for executives to call."},
	}
	for _, x := range params {
		b.set(s, 1, r, x.name, styleKey{})
		b.set(s, 2, r, x.meaning, wrap)
		b.set(s, 3, r, x.v, styleKey{numFmt: fmtDecimal, align: "left"})
		b.set(s, 4, r, x.key, analyst)
		r++
	}

	r++
	b.set(s, 1, r, "Status bands", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Figure", "Status and colour", "Range", "Source")
	r++
	for _, d := range pipeline.Catalogue() {
		bands, _ := pipeline.Bands(d.ID)
		for _, band := range bands {
			b.set(s, 1, r, d.Title, styleKey{})
			b.set(s, 2, r, band.Status+" ("+band.Colour+")", styleKey{})
			b.colourCell(s, 2, r, band.Colour)
			b.set(s, 3, r, bandRange(band), styleKey{})
			b.set(s, 4, r, targetSource(d.ID), wrap)
			r++
		}
	}

	r++
	b.set(s, 1, r, "Industry benchmarks", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Figure and industry", "Source", "Figure", "Used on the Scorecard")
	r++
	for _, kpi := range b.benchmarkKPIs() {
		k := pipeline.FindKPI(sc.KPIs, kpi)
		for _, ib := range b.industryFigures(kpi) {
			b.set(s, 1, r, kpiDef(kpi).Title+": "+strings.ReplaceAll(ib.Industry, "_", " "), styleKey{})
			b.set(s, 2, r, sourceCitation(ib.Source), wrap)
			b.set(s, 3, r, industryFigure(ib), styleKey{align: "left"})
			if k != nil && k.Benchmark != nil && k.Benchmark.Industry == ib.Industry {
				used := "yes: the company's industry"
				if ib.Low != ib.High {
					used += fmt.Sprintf(" (midpoint %s%% compared)", pct(k.Benchmark.Value))
				}
				b.set(s, 4, r, used, styleKey{bold: true, wrap: true})
			}
			r++
		}
	}
	b.note(s, r, 4, `Published recovery rates may define "at risk" differently from this scorecard: most measure recovery after a complaint. The Departures sheet shows the recovery rate after a complaint beside the benchmark.`)
	r += 2

	b.set(s, 1, r, "Sources", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Source", "What this workbook takes from it", "", "")
	b.merge(s, 2, r, 4, r)
	r++
	sources := []struct{ name, use string }{
		{citeRecoveryRate, "The standard recovery-rate formula; the bands (above 70% strong, 50–70% moderate, below 50% critical); the industry averages it quotes: retail 60% (Forrester), telecommunications 55% (Gartner), software as a service 65% (HubSpot)."},
		{citeSatisfaction, "The recovery-satisfaction formula and its target (above 80%)."},
		{citeGoodPoints, "The offer consumption target (90%, which one travel client reached) and the optimal breakage range (10–15%, from the same client)."},
		{"Practitioner figures", "Recovery rates quoted by practitioners for financial services (30%) and automotive (10–15%); not from a published survey."},
		{citeDeparted, "Tracking departed customers and their revenue, segmenting them by value, executive calls to a handful of them every cycle, and tracking the reasons over time (the Departures sheet and the executive calls)."},
		{citeProcess, "Following recovered customers up (the Intensive care sheet)."},
	}
	for _, x := range sources {
		b.set(s, 1, r, x.name, styleKey{wrap: true, bold: true})
		b.set(s, 2, r, x.use, wrap)
		b.merge(s, 2, r, 4, r)
		r++
	}
	b.widths(s, 30)
	b.finishSheet(s)
	b.finishSheet(s)
	b.printSetup(s, 0, 0, false)
	return b.err
}

// plainWords rewrites the catalogue's meanings for a reader who is not an engineer:
// the parameters by their values, "episodes" as customers.
func (b *book) plainWords() *strings.Replacer {
	p := b.sc.Params
	days := func(n int) string { return strconv.Itoa(n) + " days" }
	return strings.NewReplacer(
		"W days", days(p.RecoveryWindowDays), "L days", days(p.LapseDays),
		"I days", days(p.IntensiveCareDays), "R days", days(p.RevenueLookbackDays),
		" (amount > 0)", "", "a qualifying purchase", "a purchase (not a refund)",
		"an episode", "a customer", "the episodes", "the at-risk customers",
		" (the standard formula)", "",
	)
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

func (b *book) auditSheet() error {
	const s = sheetAudit
	sc, prov := b.sc, b.prov
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
	for _, t := range prov.Tables {
		kv("Table format", tableFormatText(t), styleKey{})
	}
	if w := prov.Warehouse; w != nil {
		kv("Warehouse", fmt.Sprintf("%s, host %s, database %s, schema %s", w.Dialect, w.Host, w.Database, w.Schema), styleKey{})
		if w.Snapshot != "" {
			kv("Warehouse snapshot", w.Snapshot, styleKey{kind: kMono})
		}
		for _, st := range w.Statements {
			kv("Warehouse statement", fmt.Sprintf("%s: %d rows, SQL SHA-256 %s", st.Role, st.Rows, st.SHA256), styleKey{kind: kMono})
		}
	}
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
		if in.Role != "" {
			// A table format's metadata file: read to find the data and deleted rows.
			b.set(s, 5, r, in.Role, styleKey{kind: kNote})
		} else {
			b.set(s, 5, r, in.RowsRead, styleKey{numFmt: fmtInt})
			b.set(s, 6, r, in.RowsSetAside, styleKey{numFmt: fmtInt})
		}
		r++
	}
	if len(prov.Inputs) == 0 && prov.Warehouse != nil {
		b.note(s, r, 6, "The tables were read from the warehouse above: no input files.")
		r++
	} else if len(prov.Inputs) == 0 {
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
	if len(prov.Warnings) > 0 {
		// What reading accepted but a person should know (SPEC §2 v2: a column matched
		// only when case is ignored is "matched, with a warning in the log and on the
		// Audit sheet"; part files skipped by Databricks' commit markers).
		r++
		b.set(s, 1, r, "Warnings from reading the extract set", styleKey{kind: kSection})
		r++
		for _, w := range prov.Warnings {
			b.note(s, r, 6, w)
			r++
		}
	}

	r++
	b.set(s, 1, r, "Resolved configuration (YAML)", styleKey{kind: kSection})
	r++
	yaml := strings.TrimRight(strings.ReplaceAll(string(prov.ConfigYAML), "\r\n", "\n"), "\n")
	if yaml == "" {
		b.note(s, r, 6, "No configuration recorded.")
	} else {
		for _, line := range strings.Split(yaml, "\n") {
			b.set(s, 1, r, line, styleKey{kind: kMono, spill: true})
			r++
		}
	}
	b.finishSheet(s)
	b.printSetup(s, 0, 0, false)
	return b.err
}

// tableFormatText says which snapshot of a table format a table was read at.
func tableFormatText(t manifest.TableFormat) string {
	if t.Format == "iceberg" {
		return fmt.Sprintf("%s: Iceberg table (format v%d), snapshot %d", t.Table, t.FormatVersion, t.Version)
	}
	return fmt.Sprintf("%s: Delta Lake table, version %d", t.Table, t.Version)
}
