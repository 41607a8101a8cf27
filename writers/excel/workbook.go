// Package excel renders a pipeline.Scorecard as the quarterly recovery workbook of
// SPEC §5–6: recovery-scorecard-<label>.xlsx, with the sheets Scorecard, Trend,
// Reasons, Segments, Mitigation, Win-back list, Intensive care, Definitions and Audit.
//
// Every number in the workbook is a stored value taken from the Scorecard (the numbers
// of the JSON output), never a formula: percentages are stored as fractions (value/100)
// with a percent format, money with a currency format in Scorecard.Currency, and
// instants as Excel serial date-times of their wall clock in the zone of
// Scorecard.Quarter.Start. The bytes depend only on the Scorecard and the Provenance.
//
// This package is the only one that imports excelize.
package excel

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// Sheet names, in workbook order (SPEC §6).
const (
	sheetSummary    = "Summary"
	sheetScorecard  = "Scorecard"
	sheetTrend      = "Trend"
	sheetReasons    = "Reasons"
	sheetSegments   = "Segments"
	sheetDepartures = "Departures"
	sheetMitigation = "Mitigation"
	sheetWinback    = "Win-back list"
	sheetCare       = "Intensive care"
	sheetDefs       = "Definitions"
	sheetAudit      = "Audit"
)

// sheetNames lists the sheets of the workbook in order.
var sheetNames = []string{sheetSummary, sheetScorecard, sheetTrend, sheetReasons, sheetSegments,
	sheetDepartures, sheetMitigation, sheetWinback, sheetCare, sheetDefs, sheetAudit}

// noData is the text shown in place of a KPI value that has no data.
const noData = "no data"

// Write renders the workbook to w. The bytes depend only on sc and prov: the package
// parts are written in a fixed order with a fixed time, and the document properties
// carry sc.AsOf, never the wall clock.
func Write(w io.Writer, sc *pipeline.Scorecard, prov manifest.Provenance) error {
	if sc == nil {
		return fmt.Errorf("excel: no scorecard to write")
	}
	f := excelize.NewFile()
	defer f.Close()
	b := &book{f: f, sc: sc, prov: prov, loc: sc.Quarter.Start.Location(), styles: map[styleKey]int{},
		styleKeys: map[int]styleKey{}, fits: map[string]*sheetFit{}, splices: map[string]*splice{}}
	f.SetZipWriter(newOrderedZip(nil, b.splices))
	if b.loc == nil {
		b.loc = time.UTC
	}
	if err := b.build(); err != nil {
		return fmt.Errorf("excel: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("excel: write workbook: %w", err)
	}
	return nil
}

// book holds the state of one workbook being built.
type book struct {
	f      *excelize.File
	sc     *pipeline.Scorecard
	prov   manifest.Provenance
	loc    *time.Location
	styles map[styleKey]int
	cf     map[string]int // conditional-format styles by colour
	err    error          // the first error of the set* helpers

	styleKeys map[int]styleKey     // style id → its key, to measure streamed cells
	fits      map[string]*sheetFit // sheet → what its column widths and row heights follow

	printTitles map[string]string // sheet → rows repeated on every printed page
	printAreas  map[string]string // sheet → the range printed, when not the whole sheet

	// splices holds, by worksheet part, the worklist rows that take the place of its
	// marker row, encoded when the package is written (dataRows).
	splices map[string]*splice

	trendRow map[contract.KPI]int // row of each KPI on the Trend sheet
	trendN   int                  // number of quarters on the Trend sheet (columns 3..)
}

func (b *book) build() error {
	if err := b.f.SetSheetName("Sheet1", sheetNames[0]); err != nil {
		return err
	}
	for _, name := range sheetNames[1:] {
		if _, err := b.f.NewSheet(name); err != nil {
			return fmt.Errorf("add sheet %s: %w", name, err)
		}
	}
	// Before any sheet is stream-written: SetActiveSheet touches every sheet, and would
	// read the long streamed worklists back into memory.
	b.f.SetActiveSheet(0)
	if err := b.setDocProps(); err != nil {
		return err
	}
	steps := []struct {
		sheet string
		fn    func() error
	}{
		{sheetSummary, b.summarySheet},
		{sheetScorecard, b.scorecardSheet},
		{sheetTrend, b.trendSheet},
		{sheetReasons, b.reasonsSheet},
		{sheetSegments, b.segmentsSheet},
		{sheetDepartures, b.departuresSheet},
		{sheetMitigation, b.mitigationSheet},
		{sheetWinback, b.winbackSheet},
		{sheetCare, b.careSheet},
		{sheetDefs, b.definitionsSheet},
		{sheetAudit, b.auditSheet},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return fmt.Errorf("sheet %s: %w", s.sheet, err)
		}
		if b.err != nil {
			return fmt.Errorf("sheet %s: %w", s.sheet, b.err)
		}
	}
	// Print areas and titles are defined names: set in sheet order, so the workbook
	// lists them so.
	for _, name := range sheetNames {
		if ref, ok := b.printAreas[name]; ok {
			if err := b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: ref, Scope: name}); err != nil {
				return fmt.Errorf("print area of %s: %w", name, err)
			}
		}
		if ref, ok := b.printTitles[name]; ok {
			if err := b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: ref, Scope: name}); err != nil {
				return fmt.Errorf("print titles of %s: %w", name, err)
			}
		}
	}
	return nil
}

func (b *book) setDocProps() error {
	if err := b.f.SetAppProps(&excelize.AppProperties{Application: "recoverykpi", Company: b.sc.Company}); err != nil {
		return err
	}
	asOf := b.sc.AsOf.UTC().Format("2006-01-02T15:04:05Z")
	return b.f.SetDocProps(&excelize.DocProperties{
		Creator:        "recoverykpi",
		LastModifiedBy: "recoverykpi",
		Title:          fmt.Sprintf("Customer recovery scorecard %s — %s", b.sc.Quarter.Label, b.sc.Company),
		Subject:        "Customer recovery KPIs, targets and benchmarks",
		Description:    "Generated by recoverykpi " + b.prov.Version + " from the data as of " + asOf,
		Created:        asOf,
		Modified:       asOf,
		Language:       "en-GB",
	})
}

// --- styles ---------------------------------------------------------------------------

// Number formats.
const (
	fmtInt        = "#,##0"
	fmtSignedInt  = "+#,##0;-#,##0;0"
	fmtPercent    = "0.0%"
	fmtPoints     = `+0.0" pp";-0.0" pp";0.0" pp"`
	fmtDays       = `0.0" days"`
	fmtSignedDays = `+0.0" days";-0.0" days";0.0" days"`
	fmtDateTime   = "yyyy-mm-dd hh:mm"
	fmtDate       = "yyyy-mm-dd"
	fmtDecimal    = "0.##"
	colourHeader  = "1F4E78"
	colourTitle   = "1F4E78"
	colourNote    = "595959"
	colourBand    = "DDEBF7"
	colourTotalBG = "F2F2F2"
	// Provisional values: dark amber italic on a pale amber fill.
	colourProvisional   = "7F6000"
	colourProvisionalBG = "FFF2CC"
)

// Tones of a cell (styleKey.tone).
const (
	toneGood        = "good"
	toneBad         = "bad"
	toneProvisional = "provisional"
)

// styleKey names a cell style; book.style creates each once, in first-use order.
type styleKey struct {
	numFmt string
	kind   int // plain, header, title, note, label, noData, section, mono
	bold   bool
	wrap   bool
	total  bool   // top border and grey fill of a total row
	align  string // horizontal alignment, "" for the default
	band   string // green, amber or red: the static fill of a band colour
	tone   string // good or bad (a change's colour), provisional (shaded italic), "" for none
	spill  bool   // text that runs on into the empty cells to its right: not measured
	indent bool   // one character's indent from the left edge
}

const (
	kPlain = iota
	kHeader
	kTitle
	kNote
	kLabel
	kNoData
	kSection
	kMono
)

func (b *book) style(k styleKey) int {
	if id, ok := b.styles[k]; ok {
		return id
	}
	s := &excelize.Style{CustomNumFmt: nil, Font: &excelize.Font{Family: "Calibri", Size: 11}}
	if k.numFmt != "" {
		nf := k.numFmt
		s.CustomNumFmt = &nf
	}
	al := &excelize.Alignment{Vertical: "top", WrapText: k.wrap}
	switch k.kind {
	case kHeader:
		s.Font = &excelize.Font{Family: "Calibri", Size: 11, Bold: true, Color: "FFFFFF"}
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colourHeader}}
		al.WrapText = true
		al.Vertical = "center"
		s.Border = []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}
	case kTitle:
		s.Font = &excelize.Font{Family: "Calibri", Size: 16, Bold: true, Color: colourTitle}
		al.Vertical = "center"
	case kSection:
		s.Font = &excelize.Font{Family: "Calibri", Size: 12, Bold: true, Color: colourTitle}
		s.Border = []excelize.Border{{Type: "bottom", Color: colourTitle, Style: 1}}
	case kNote:
		s.Font = &excelize.Font{Family: "Calibri", Size: 10, Italic: true, Color: colourNote}
	case kLabel:
		s.Font = &excelize.Font{Family: "Calibri", Size: 11, Bold: true}
	case kNoData:
		s.Font = &excelize.Font{Family: "Calibri", Size: 11, Italic: true, Color: "808080"}
		al.Horizontal = "right"
	case kMono:
		s.Font = &excelize.Font{Family: "Courier New", Size: 10}
		al.Horizontal, al.Indent = "left", 1
	}
	if k.band != "" {
		fill, font := bandColours(k.band)
		s.Font = &excelize.Font{Family: "Calibri", Size: 11, Bold: true, Color: font}
		s.Fill = solid(fill)
	}
	switch k.tone {
	case toneGood, toneBad:
		fill, font := bandColours(map[string]string{toneGood: "green", toneBad: "red"}[k.tone])
		s.Font = &excelize.Font{Family: s.Font.Family, Size: s.Font.Size, Color: font, Bold: s.Font.Bold, Italic: s.Font.Italic}
		s.Fill = solid(fill)
	case toneProvisional:
		s.Font = &excelize.Font{Family: s.Font.Family, Size: s.Font.Size, Color: colourProvisional, Italic: true, Bold: s.Font.Bold}
		s.Fill = solid(colourProvisionalBG)
	}
	if k.bold {
		s.Font.Bold = true
	}
	if k.align != "" {
		al.Horizontal = k.align
	}
	if k.indent {
		al.Horizontal, al.Indent = "left", 1
	}
	if k.total {
		s.Font.Bold = true
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colourTotalBG}}
		s.Border = []excelize.Border{{Type: "top", Color: "000000", Style: 1}}
	}
	s.Alignment = al
	id, err := b.f.NewStyle(s)
	if err != nil && b.err == nil {
		b.err = fmt.Errorf("style %+v: %w", k, err)
	}
	b.styles[k] = id
	b.styleKeys[id] = k
	return id
}

// condStyle returns the conditional-format style of a band colour: Excel's Good,
// Neutral and Bad colours.
func (b *book) condStyle(colour string) int {
	if b.cf == nil {
		b.cf = map[string]int{}
	}
	if id, ok := b.cf[colour]; ok {
		return id
	}
	fill, font := bandColours(colour)
	id, err := b.f.NewConditionalStyle(&excelize.Style{
		Font: &excelize.Font{Color: font, Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill}},
	})
	if err != nil && b.err == nil {
		b.err = err
	}
	b.cf[colour] = id
	return id
}

// bandColours returns the fill and font colours of a band colour: Excel's Good,
// Neutral and Bad styles.
func bandColours(colour string) (fill, font string) {
	switch colour {
	case "green":
		return "C6EFCE", "006100"
	case "red":
		return "FFC7CE", "9C0006"
	}
	return "FFEB9C", "9C5700"
}

// currencySymbol returns how the currency is written in number formats.
func currencySymbol(code string) (sym string, prefix bool) {
	switch strings.ToUpper(code) {
	case "EUR":
		return "€", true
	case "USD":
		return "$", true
	case "GBP":
		return "£", true
	case "":
		return "", false
	}
	return strings.ToUpper(code), false
}

// moneyFormat is the number format of money in the scorecard's currency; signed adds
// a plus sign to positive values (changes).
func (b *book) moneyFormat(signed bool) string {
	sym, prefix := currencySymbol(b.sc.Currency)
	q := `"` + sym + `"`
	pos, neg, zero := "#,##0.00", "-#,##0.00", "0.00"
	switch {
	case sym == "":
	case prefix:
		pos, neg, zero = q+pos, "-"+q+"#,##0.00", q+zero
	default:
		pos, neg, zero = pos+` `+q, neg+` `+q, zero+` `+q
	}
	if signed {
		return "+" + pos + ";" + neg + ";" + zero
	}
	return pos + ";[Red]" + neg
}

// Money scales of the compact money format.
const (
	scaleUnits = iota
	scaleThousands
	scaleMillions
)

// moneyScale is the scale that shows the largest magnitude of values with at most
// four significant digits before the decimal point: millions from 1,000,000,
// thousands from 1,000, else whole units.
func moneyScale(values ...float64) int {
	m := 0.0
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			m = max(m, math.Abs(v))
		}
	}
	switch {
	case m >= 999950: // rounds to 1,000.0K otherwise
		return scaleMillions
	case m >= 999.95:
		return scaleThousands
	}
	return scaleUnits
}

// compactMoneyFormat shows money in thousands or millions ("$15.7M", "€812.4K") or
// whole units, in the scorecard's currency; the cell keeps the exact value. signed
// adds a plus sign to positive values (changes).
func (b *book) compactMoneyFormat(scale int, signed bool) string {
	sym, prefix := currencySymbol(b.sc.Currency)
	num, unit := "#,##0", ""
	switch scale {
	case scaleThousands:
		num, unit = "#,##0.0,", "K"
	case scaleMillions:
		num, unit = "#,##0.0,,", "M"
	}
	var pos, zero string
	switch {
	case sym == "":
		pos, zero = num+quoteLit(unit), "0"
	case prefix:
		pos, zero = quoteLit(sym)+num+quoteLit(unit), quoteLit(sym)+"0"
	default:
		pos, zero = num+quoteLit(unit+" "+sym), "0"+quoteLit(" "+sym)
	}
	if signed {
		return "+" + pos + ";-" + pos + ";" + zero
	}
	return pos + ";[Red]-" + pos + ";" + zero
}

// quoteLit quotes a literal of a number format; "" stays empty.
func quoteLit(s string) string {
	if s == "" {
		return ""
	}
	return `"` + s + `"`
}

// unitFormat is the number format of a KPI value of the unit; signed is for changes.
// Money is in whole cents; compactFormat gives the headline sheets' format.
func (b *book) unitFormat(u pipeline.Unit, signed bool) string {
	switch u {
	case pipeline.UnitMoney:
		return b.moneyFormat(signed)
	case pipeline.UnitPercent:
		if signed {
			return fmtPoints
		}
		return fmtPercent
	case pipeline.UnitPoints:
		return fmtPoints
	case pipeline.UnitDays:
		if signed {
			return fmtSignedDays
		}
		return fmtDays
	}
	if signed {
		return fmtSignedInt
	}
	return fmtInt
}

// compactFormat is unitFormat with money in thousands or millions, scaled for the
// values (Summary, Scorecard and Trend).
func (b *book) compactFormat(u pipeline.Unit, signed bool, values ...float64) string {
	if u == pipeline.UnitMoney {
		return b.compactMoneyFormat(moneyScale(values...), signed)
	}
	return b.unitFormat(u, signed)
}

// cellValue is the stored value of a KPI value of the unit: a fraction for a percent.
func cellValue(u pipeline.Unit, v float64) float64 {
	if u == pipeline.UnitPercent {
		return v / 100
	}
	return v
}

// --- cells ----------------------------------------------------------------------------

func cellName(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col, row)
	return n
}

func colName(col int) string {
	n, _ := excelize.ColumnNumberToName(col)
	return n
}

// set writes a value with a style. Values: string, float64, int64, int, nil. The
// width of the rendered text is recorded for the column (see finishSheet).
func (b *book) set(sheet string, col, row int, v any, k styleKey) {
	if b.err != nil {
		return
	}
	c := cellName(col, row)
	var err error
	switch x := v.(type) {
	case nil:
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			v = noData
			err = b.f.SetCellStr(sheet, c, noData)
			k = styleKey{kind: kNoData}
		} else {
			err = b.f.SetCellFloat(sheet, c, x, -1, 64)
		}
	default:
		err = b.f.SetCellValue(sheet, c, x)
	}
	if err == nil {
		err = b.f.SetCellStyle(sheet, c, c, b.style(k))
	}
	if err != nil {
		b.err = fmt.Errorf("cell %s: %w", c, err)
		return
	}
	_, isText := v.(string)
	b.fit(sheet).measure(col, row, cellText(v, k.numFmt), k, isText)
}

// setKPIValue writes *v (converted for the unit) or "no data".
func (b *book) setKPIValue(sheet string, col, row int, u pipeline.Unit, v *float64, k styleKey) {
	if v == nil {
		b.set(sheet, col, row, noData, styleKey{kind: kNoData, total: k.total, tone: k.tone})
		return
	}
	if k.numFmt == "" {
		k.numFmt = b.unitFormat(u, false)
	}
	b.set(sheet, col, row, cellValue(u, *v), k)
}

// headerRow writes a header row starting at column 1.
func (b *book) headerRow(sheet string, row int, titles ...string) {
	for i, t := range titles {
		k := styleKey{kind: kHeader}
		if i > 0 {
			k.align = "center"
		}
		b.set(sheet, i+1, row, t, k)
	}
	b.rowHeight(sheet, row, 30)
}

// rowHeight sets a row's height; finishSheet raises it for wrapped text.
func (b *book) rowHeight(sheet string, row int, h float64) {
	fit := b.fit(sheet)
	fit.heights[row] = h
	if b.err == nil {
		if err := b.f.SetRowHeight(sheet, row, h); err != nil {
			b.err = err
		}
	}
}

// widths sets the least widths of columns 1.. in order: the columns that hold wrapped
// text (which wraps at that width) and the first columns a chart spans. finishSheet
// widens any of them that a single-line value needs.
func (b *book) widths(sheet string, ws ...float64) {
	fit := b.fit(sheet)
	for i, w := range ws {
		fit.floor[i+1] = max(fit.floor[i+1], w)
	}
}

func (b *book) merge(sheet string, c1, r1, c2, r2 int) {
	if b.err == nil {
		if err := b.f.MergeCell(sheet, cellName(c1, r1), cellName(c2, r2)); err != nil {
			b.err = err
		}
		fit := b.fit(sheet)
		fit.merged = append(fit.merged, [4]int{c1, r1, c2, r2})
	}
}

// title writes the sheet title in row 1 and a note in row 2, both spanning cols columns.
func (b *book) title(sheet, text, note string, cols int) {
	b.set(sheet, 1, 1, text, styleKey{kind: kTitle})
	b.rowHeight(sheet, 1, 24)
	if note != "" {
		b.note(sheet, 2, cols, note)
	}
}

// note writes an italic note across cols columns, wrapped to their width (its height
// is set by finishSheet).
func (b *book) note(sheet string, row, cols int, text string) {
	b.set(sheet, 1, row, text, styleKey{kind: kNote, wrap: true})
	if cols > 1 {
		b.merge(sheet, 1, row, cols, row)
	}
}

// sheetFit is what a sheet's column widths and row heights follow.
type sheetFit struct {
	cells   map[[2]int]measuredCell // (col, row) → the cell's rendered text
	floor   map[int]float64         // col → least width
	heights map[int]float64         // row → height set explicitly
	merged  [][4]int                // c1, r1, c2, r2
}

// measuredCell is the rendered text of a cell and how it is drawn.
type measuredCell struct {
	text   string
	k      styleKey
	isText bool // numbers never run into the next cell: they show ### when clipped
}

func (b *book) fit(sheet string) *sheetFit {
	f, ok := b.fits[sheet]
	if !ok {
		f = &sheetFit{cells: map[[2]int]measuredCell{}, floor: map[int]float64{}, heights: map[int]float64{}}
		b.fits[sheet] = f
	}
	return f
}

func (f *sheetFit) measure(col, row int, text string, k styleKey, isText bool) {
	if text == "" {
		delete(f.cells, [2]int{col, row})
		return
	}
	f.cells[[2]int{col, row}] = measuredCell{text, k, isText}
}

// fontOf returns the size, weight and face of a style's text.
func fontOf(k styleKey) (size float64, bold, mono bool) {
	size, bold = 11, k.bold || k.total || k.band != ""
	switch k.kind {
	case kHeader, kLabel:
		bold = true
	case kTitle:
		size, bold = 16, true
	case kSection:
		size, bold = 12, true
	case kNote:
		size = 10
	case kMono:
		size, mono = 10, true
	}
	return size, bold, mono
}

// needWidth is the column width a cell's text needs; 0 for text that may run into
// the empty cells beside it (titles, section headings, text marked spill). Notes wrap
// within their merged range.
func needWidth(c measuredCell) float64 {
	size, bold, mono := fontOf(c.k)
	switch {
	case c.isText && (c.k.kind == kTitle || c.k.kind == kSection || c.k.spill):
		return 0
	case c.k.kind == kHeader:
		return headerWidth(c.text, bold)
	case c.k.wrap:
		w := 0.0
		for _, word := range strings.Fields(c.text) {
			w = max(w, textWidth(word, size, bold, mono))
		}
		if c.k.indent {
			w += 1.5
		}
		return w
	}
	w := textWidth(c.text, size, bold, mono)
	if c.k.kind == kMono || c.k.indent {
		w += 1.5 // the indent
	}
	return w
}

// mergedAt returns the merged range holding the cell, if any.
func (f *sheetFit) mergedAt(col, row int) ([4]int, bool) {
	for _, m := range f.merged {
		if col >= m[0] && col <= m[2] && row >= m[1] && row <= m[3] {
			return m, true
		}
	}
	return [4]int{}, false
}

// finishSheet sets every column of the sheet as wide as the widest text of its cells
// (cells of a merged range excepted: they have the range's width), at least the
// floor, and raises the height of every row with wrapped text to the lines it takes.
// Charts are anchored after it, as they take their size from the columns.
func (b *book) finishSheet(sheet string) {
	if b.err != nil {
		return
	}
	f := b.fit(sheet)
	width := map[int]float64{}
	for c, w := range f.floor {
		width[c] = w
	}
	for pos, c := range f.cells {
		if m, ok := f.mergedAt(pos[0], pos[1]); ok && m[0] != m[2] {
			continue
		}
		width[pos[0]] = max(width[pos[0]], needWidth(c))
	}
	cols := make([]int, 0, len(width))
	for c := range width {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	for _, c := range cols {
		if width[c] <= 0 {
			continue
		}
		// quarter units: the same bytes for the same text; no wider than a column can be
		w := min(math.Ceil(width[c]*4)/4, excelize.MaxColumnWidth)
		if err := b.f.SetColWidth(sheet, colName(c), colName(c), w); err != nil {
			b.err = err
			return
		}
		width[c] = w
	}
	colWidth := func(c int) float64 {
		if w, ok := width[c]; ok && w > 0 {
			return w
		}
		return defaultColWidth
	}
	lines := map[int]float64{} // row → height its wrapped text needs
	for pos, c := range f.cells {
		if !c.k.wrap || c.k.kind == kHeader {
			continue
		}
		w := colWidth(pos[0])
		if m, ok := f.mergedAt(pos[0], pos[1]); ok {
			w = 0
			for col := m[0]; col <= m[2]; col++ {
				w += colWidth(col)
			}
		}
		size, bold, _ := fontOf(c.k)
		if c.k.indent {
			w -= 1.5
		}
		n := wrappedLines(c.text, w, size, bold)
		lines[pos[1]] = max(lines[pos[1]], float64(n)*lineHeight(size)+3)
	}
	rows := make([]int, 0, len(lines))
	for r := range lines {
		rows = append(rows, r)
	}
	slices.Sort(rows)
	for _, r := range rows {
		if h := max(lines[r], f.heights[r]); h > defaultRowHeight {
			if err := b.f.SetRowHeight(sheet, r, h); err != nil {
				b.err = err
				return
			}
		}
	}
}

// columnWidth returns a column's width after finishSheet.
func (b *book) columnWidth(sheet string, col int) float64 {
	w, err := b.f.GetColWidth(sheet, colName(col))
	if err != nil {
		return defaultColWidth
	}
	return w
}

// columnsPx is the width in pixels of columns first..last, as charts are measured.
func (b *book) columnsPx(sheet string, first, last int) int {
	px := 0
	for c := first; c <= last; c++ {
		px += int(math.Round(b.columnWidth(sheet, c)*7 + 5))
	}
	return px
}

// lineHeight is the height in points of a line of text of the size.
func lineHeight(size float64) float64 { return math.Ceil(size * 1.36) }

// Excel's defaults.
const (
	defaultColWidth  = 9.140625
	defaultRowHeight = 15
)

func (b *book) freeze(sheet string, cols, rows int) {
	if b.err != nil {
		return
	}
	b.err = b.f.SetPanes(sheet, freezePanes(cols, rows))
}

func freezePanes(cols, rows int) *excelize.Panes {
	p := &excelize.Panes{Freeze: true, XSplit: cols, YSplit: rows,
		TopLeftCell: cellName(cols+1, rows+1)}
	switch {
	case cols > 0 && rows > 0:
		p.ActivePane = "bottomRight"
	case rows > 0:
		p.ActivePane = "bottomLeft"
	default:
		p.ActivePane = "topRight"
	}
	p.Selection = []excelize.Selection{{SQRef: p.TopLeftCell, ActiveCell: p.TopLeftCell, Pane: p.ActivePane}}
	return p
}

// printSetup makes the sheet print landscape, one page wide (and one page tall when
// onePage), with the rows headerFirst..headerLast repeated on every page when
// headerFirst > 0, and a header and footer naming the workbook.
func (b *book) printSetup(sheet string, headerFirst, headerLast int, onePage bool) {
	if b.err != nil {
		return
	}
	orient, one, tall := "landscape", 1, 0
	if onePage {
		tall = 1
	}
	size := 9 // A4
	if strings.EqualFold(b.sc.Currency, "USD") {
		size = 1 // Letter
	}
	fit := true
	if err := b.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		b.err = err
		return
	}
	if err := b.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orient, FitToWidth: &one, FitToHeight: &tall,
	}); err != nil {
		b.err = err
		return
	}
	m := 0.5
	mh := 0.3
	if err := b.f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{
		Left: &m, Right: &m, Top: &m, Bottom: &m, Header: &mh, Footer: &mh,
	}); err != nil {
		b.err = err
		return
	}
	// The workbook names customers (worklists): every printed page says so.
	hf := fmt.Sprintf("&L&8%s · Customer recovery scorecard %s&C&8&\"-,Bold\"%s&R&8&A",
		escapeHF(b.sc.Company), b.sc.Quarter.Label, confidential)
	if err := b.f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{
		OddHeader: hf,
		OddFooter: "&L&8recoverykpi " + escapeHF(b.prov.Version) + "&R&8Page &P of &N",
	}); err != nil {
		b.err = err
		return
	}
	if headerFirst > 0 {
		if b.printTitles == nil {
			b.printTitles = map[string]string{}
		}
		b.printTitles[sheet] = fmt.Sprintf("'%s'!$%d:$%d", sheet, headerFirst, headerLast)
	}
}

// confidential is the centre of every page header.
const confidential = "Confidential: contains customer names"

// printArea limits what the sheet prints to the range (A1 notation, without the sheet).
func (b *book) printArea(sheet, ref string) {
	if b.printAreas == nil {
		b.printAreas = map[string]string{}
	}
	first, last, _ := strings.Cut(ref, ":")
	abs := func(c string) string {
		col, row, err := excelize.CellNameToCoordinates(c)
		if err != nil {
			return c
		}
		return fmt.Sprintf("$%s$%d", colName(col), row)
	}
	b.printAreas[sheet] = fmt.Sprintf("'%s'!%s:%s", sheet, abs(first), abs(last))
}

// escapeHF escapes the ampersands of text in a header or footer.
func escapeHF(s string) string { return strings.ReplaceAll(s, "&", "&&") }

// --- time -----------------------------------------------------------------------------

// serial returns the Excel serial date-time of t's wall clock in the workbook's zone.
func (b *book) serial(t time.Time) float64 {
	lt := t.In(b.loc)
	wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
	// 25569 is the serial of 1970-01-01 in the 1900 date system.
	secs := wall.Unix() + 25569*86400
	return float64(secs)/86400 + float64(wall.Nanosecond())/86400e9
}

// zoneName names the workbook's time zone.
func (b *book) zoneName() string {
	n := b.loc.String()
	if n == "" || n == "Local" {
		n = "UTC"
	}
	return n
}

// periodText describes the quarter: "2026-Q3 · 1 Jul 2026 – 30 Sep 2026".
func (b *book) periodText() string {
	q := b.sc.Quarter
	last := q.End.In(b.loc).AddDate(0, 0, -1)
	return fmt.Sprintf("%s · %s – %s", q.Label, q.Start.In(b.loc).Format("2 Jan 2006"), last.Format("2 Jan 2006"))
}

// kpiDef returns the catalogue entry of id, or a plain count entry.
func kpiDef(id contract.KPI) pipeline.KPIDef {
	if d, ok := pipeline.LookupKPI(id); ok {
		return d
	}
	return pipeline.KPIDef{ID: id, Title: string(id), Unit: pipeline.UnitCount}
}
