package excel

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/internal/workbookdump"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func write(t *testing.T, sc *pipeline.Scorecard, prov manifest.Provenance) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, sc, prov); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func dump(t *testing.T, b []byte) string {
	t.Helper()
	d, err := workbookdump.Dump(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Dump: %v", err)
	}
	return d
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./writers/excel -update): %v", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the workbook; run go test ./writers/excel -update and review the diff:\n%s", path, firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n- " + w + "\n+ " + g
		}
	}
	return ""
}

// emptyFixture is a quarter with no episodes, offers, worklists or inputs.
func emptyFixture() (*pipeline.Scorecard, manifest.Provenance) {
	sc, prov := fixture()
	sc.Company = "Empty Ltd"
	sc.Currency = "CHF"
	sc.Industry = "hospitality"
	for i := range sc.KPIs {
		k := &sc.KPIs[i]
		k.Value, k.Numerator, k.Denominator, k.Pending, k.Status, k.Benchmark = nil, nil, nil, nil, "", nil
	}
	sc.Trend = sc.Trend[len(sc.Trend)-1:]
	sc.Trend[0].KPIs, sc.Trend[0].Reasons = sc.KPIs, nil
	sc.Reasons, sc.Segments, sc.Mitigation, sc.Offers = nil, nil, nil, nil
	sc.Kinds, sc.Channels, sc.Departed, sc.RecoveryCurve = nil, nil, pipeline.Departed{}, nil
	sc.Winback, sc.ExecutiveCalls, sc.IntensiveCare, sc.DataQuality = nil, nil, nil, nil
	prov.Inputs, prov.ConfigYAML = nil, nil
	return sc, prov
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() (*pipeline.Scorecard, manifest.Provenance)
	}{
		{"fixture", fixture},
		{"empty", emptyFixture},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, prov := tc.make()
			golden(t, tc.name+".golden", dump(t, write(t, sc, prov)))
		})
	}
}

func TestDeterministic(t *testing.T) {
	sc, prov := fixture()
	first := write(t, sc, prov)
	for i := 0; i < 5; i++ {
		sc, prov := fixture()
		if again := write(t, sc, prov); !bytes.Equal(first, again) {
			t.Fatalf("run %d: the same scorecard gave different bytes", i+2)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	if zr.File[0].Name != "[Content_Types].xml" || zr.File[1].Name != "_rels/.rels" {
		t.Errorf("first parts are %s, %s; want [Content_Types].xml, _rels/.rels", zr.File[0].Name, zr.File[1].Name)
	}
	for i, zf := range zr.File {
		if !zf.Modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) && zf.ModifiedDate != zipModifiedDate {
			t.Errorf("%s: modified %v, want the fixed 1980-01-01", zf.Name, zf.Modified)
		}
		if i > 2 && zr.File[i-1].Name > zf.Name {
			t.Errorf("parts out of order: %s before %s", zr.File[i-1].Name, zf.Name)
		}
	}
}

// TestAsOfChangesOnlyWhatDependsOnIt writes the same scorecard with another as_of: the
// parts that differ must be the ones that print as_of or an age measured from it
// (document properties, shared strings, the Summary, Scorecard, Trend, Win-back list
// and Audit sheets), and the lines of the dump that differ must be on those sheets.
func TestAsOfChangesOnlyWhatDependsOnIt(t *testing.T) {
	sc1, prov := fixture()
	sc2, _ := fixture()
	sc2.AsOf = sc1.AsOf.Add(26 * time.Hour)
	a, b := write(t, sc1, prov), write(t, sc2, prov)
	if bytes.Equal(a, b) {
		t.Fatal("different as_of gave the same bytes")
	}
	pa, pb := parts(t, a), parts(t, b)
	var changed []string
	for name, body := range pa {
		if !bytes.Equal(body, pb[name]) {
			changed = append(changed, name)
		}
	}
	allowed := map[string]bool{
		"docProps/core.xml":         true,
		"xl/sharedStrings.xml":      true,
		"xl/worksheets/sheet1.xml":  true, // Summary: data as of, the comparisons' age
		"xl/worksheets/sheet2.xml":  true, // Scorecard: data as of
		"xl/worksheets/sheet3.xml":  true, // Trend: the note cites as_of
		"xl/worksheets/sheet8.xml":  true, // Win-back list: days left
		"xl/worksheets/sheet11.xml": true, // Audit: as of
	}
	for _, name := range changed {
		if !allowed[name] {
			t.Errorf("part %s changed with as_of", name)
		}
	}
	if len(pa) != len(pb) {
		t.Errorf("%d parts vs %d", len(pa), len(pb))
	}
	la, lb := strings.Split(dump(t, a), "\n"), strings.Split(dump(t, b), "\n")
	if len(la) != len(lb) {
		t.Fatalf("dumps have %d and %d lines", len(la), len(lb))
	}
	sheets := map[string]bool{sheetSummary: true, sheetScorecard: true, sheetTrend: true, sheetWinback: true, sheetAudit: true}
	sheet, diffs := "", 0
	for i := range la {
		if strings.HasPrefix(la[i], "== sheet ") {
			sheet = strings.TrimSpace(strings.SplitN(strings.TrimPrefix(la[i], "== sheet "), " (", 2)[0])
		}
		if la[i] == lb[i] {
			continue
		}
		diffs++
		if !sheets[sheet] && !strings.HasPrefix(lb[i], "props: ") {
			t.Errorf("unexpected difference on %q: %s", sheet, lb[i])
		}
	}
	if diffs == 0 {
		t.Error("dumps are equal")
	}
}

func parts(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[zf.Name] = body
	}
	return out
}

// TestScorecardValuesEqualKPIs reads every KPI value back from the Scorecard sheet:
// percentages must be value/100 exactly, others the value, no data the text "no data".
func TestScorecardValuesEqualKPIs(t *testing.T) {
	for _, make := range []func() (*pipeline.Scorecard, manifest.Provenance){fixture, emptyFixture} {
		sc, prov := make()
		b := write(t, sc, prov)
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		row := scHeaderRow + 1
		for _, d := range pipeline.Catalogue() {
			k := pipeline.FindKPI(sc.KPIs, d.ID)
			title, _ := f.GetCellValue(sheetScorecard, cellName(scKPI, row))
			if title != d.Title {
				t.Fatalf("row %d: KPI %q, want %q", row, title, d.Title)
			}
			got, err := f.GetCellValue(sheetScorecard, cellName(scValue, row), excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case k.Value == nil:
				if got != noData {
					t.Errorf("%s: %q, want %q", d.ID, got, noData)
				}
			default:
				want := *k.Value
				if d.Unit == pipeline.UnitPercent {
					want = *k.Value / 100
				}
				v, err := strconv.ParseFloat(got, 64)
				if err != nil || v != want {
					t.Errorf("%s: cell %q, want %v", d.ID, got, want)
				}
				typ, _ := f.GetCellType(sheetScorecard, cellName(scValue, row))
				if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
					t.Errorf("%s: value stored as text", d.ID)
				}
			}
			row++
		}
		f.Close()
	}
}

// TestWorkbookIsWellFormed checks what makes Excel offer to repair a file: malformed
// XML, sheet names over 31 characters, duplicate defined names or table names, a
// formula where no formula is meant to be, and error values.
func TestWorkbookIsWellFormed(t *testing.T) {
	sc, prov := fixture()
	b := write(t, sc, prov)
	for name, body := range parts(t, b) {
		if !strings.HasSuffix(name, ".xml") && !strings.HasSuffix(name, ".rels") {
			continue
		}
		dec := xml.NewDecoder(bytes.NewReader(body))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%s: not well-formed: %v", name, err)
				break
			}
		}
		if strings.HasPrefix(name, "xl/worksheets/sheet") && bytes.Contains(body, []byte("<f>")) {
			t.Errorf("%s holds a formula", name)
		}
		for _, e := range []string{"#VALUE!", "#DIV/0!", "#N/A", "#REF!", "#NAME?", "NaN", "+Inf"} {
			if bytes.Contains(body, []byte(">"+e+"<")) {
				t.Errorf("%s holds %s", name, e)
			}
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(sheetNames, "|") {
		t.Errorf("sheets %v, want %v", got, sheetNames)
	}
	for _, s := range f.GetSheetList() {
		if len([]rune(s)) > 31 {
			t.Errorf("sheet name %q is longer than 31 characters", s)
		}
	}
	seen := map[string]bool{}
	for _, dn := range f.GetDefinedName() {
		key := dn.Scope + "!" + dn.Name
		if seen[key] {
			t.Errorf("defined name %s twice", key)
		}
		seen[key] = true
	}
	tables := map[string]bool{}
	for _, s := range f.GetSheetList() {
		ts, err := f.GetTables(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range ts {
			if tables[strings.ToLower(tb.Name)] {
				t.Errorf("table name %s twice", tb.Name)
			}
			tables[strings.ToLower(tb.Name)] = true
		}
	}
	for _, want := range []string{"winbacklist", "intensivecare"} {
		if !tables[want] {
			t.Errorf("no table %s", want)
		}
	}
}

// TestOrderedZip writes the same parts in two orders: the archives must be equal, with
// [Content_Types].xml first and its Default entries sorted.
func TestOrderedZip(t *testing.T) {
	ct := `<Types><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Default Extension="bmp" ContentType="image/bmp"/><Override PartName="/x"/></Types>`
	files := [][2]string{{"xl/b.xml", "b"}, {"_rels/.rels", "r"}, {"[Content_Types].xml", ct}, {"xl/a.xml", "a"}}
	build := func(order []int) []byte {
		var buf bytes.Buffer
		z := newOrderedZip(nil, nil)(&buf)
		for _, i := range order {
			w, err := z.Create(files[i][0])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(w, files[i][1]); err != nil {
				t.Fatal(err)
			}
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b := build([]int{0, 1, 2, 3}), build([]int{3, 2, 1, 0})
	if !bytes.Equal(a, b) {
		t.Fatal("part order changed the archive")
	}
	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "[Content_Types].xml _rels/.rels xl/a.xml xl/b.xml" {
		t.Errorf("order %s", got)
	}
	got := string(parts(t, a)["[Content_Types].xml"])
	want := `<Types><Default Extension="bmp" ContentType="image/bmp"/><Default Extension="png" ContentType="image/png"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/x"/></Types>`
	if got != want {
		t.Errorf("content types\n%s\nwant\n%s", got, want)
	}
}

func TestCurrencyFormats(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{"EUR", `"€"#,##0.00;[Red]-"€"#,##0.00`},
		{"USD", `"$"#,##0.00;[Red]-"$"#,##0.00`},
		{"GBP", `"£"#,##0.00;[Red]-"£"#,##0.00`},
		{"CHF", `#,##0.00 "CHF";[Red]-#,##0.00 "CHF"`},
	} {
		b := &book{sc: &pipeline.Scorecard{Currency: tc.code}}
		if got := b.moneyFormat(false); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.code, got, tc.want)
		}
	}
}

func TestSerialIsWallClock(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	b := &book{loc: loc}
	// 2026-07-01 00:00 in Berlin is 2026-06-30 22:00 UTC; the serial is the wall clock.
	got := b.serial(time.Date(2026, 6, 30, 22, 0, 0, 0, time.UTC))
	if want := 46204.0; got != want {
		t.Errorf("serial %v, want %v", got, want)
	}
}

// TestLibreOfficeOpensIt converts the workbook to PDF with LibreOffice, a real client,
// and reads the PDF as finance would: no cell shows ###, every sheet prints under its
// own page header with the confidential mark, the Summary, Scorecard and Trend print on
// one page each, and a long intensive-care list prints its exceptions only (at most
// ten pages). The Summary page is rendered to a PNG kept for CI's artefacts
// ($RECOVERYKPI_ARTEFACTS, else the temporary folder); its path is logged. It skips
// when soffice is missing unless RECOVERYKPI_REQUIRE_LIBREOFFICE=1.
func TestLibreOfficeOpensIt(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("RECOVERYKPI_REQUIRE_LIBREOFFICE") == "1" {
			t.Fatal("soffice not found and RECOVERYKPI_REQUIRE_LIBREOFFICE=1")
		}
		t.Skip("soffice not found")
	}
	if testing.Short() && os.Getenv("RECOVERYKPI_REQUIRE_LIBREOFFICE") != "1" {
		t.Skip("short mode")
	}
	artefacts := os.Getenv("RECOVERYKPI_ARTEFACTS")
	if artefacts == "" {
		artefacts = os.TempDir()
	}
	for _, tc := range []struct {
		name string
		make func() (*pipeline.Scorecard, manifest.Provenance)
	}{{"fixture", fixture}, {"empty", emptyFixture}, {"long-care", func() (*pipeline.Scorecard, manifest.Provenance) { return longCare(3000) }}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			sc, prov := tc.make()
			in := filepath.Join(dir, "recovery-scorecard-"+sc.Quarter.Label+".xlsx")
			if err := os.WriteFile(in, write(t, sc, prov), 0o644); err != nil {
				t.Fatal(err)
			}
			outDir := filepath.Join(dir, "pdf")
			cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.ToSlash(filepath.Join(dir, "profile")),
				"--headless", "--convert-to", "pdf", "--outdir", outDir, in)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("soffice: %v\n%s", err, out)
			}
			pdf := filepath.Join(outDir, strings.TrimSuffix(filepath.Base(in), ".xlsx")+".pdf")
			st, err := os.Stat(pdf)
			if err != nil || st.Size() == 0 {
				t.Fatalf("no PDF from soffice: %v\n%s", err, out)
			}
			pdftotext, err := exec.LookPath("pdftotext")
			if err != nil {
				if os.Getenv("RECOVERYKPI_REQUIRE_LIBREOFFICE") == "1" {
					t.Fatal("pdftotext (poppler-utils) not found")
				}
				t.Skip("pdftotext not found")
			}
			text, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			if strings.Contains(string(text), "###") {
				for _, line := range strings.Split(string(text), "\n") {
					if strings.Contains(line, "###") {
						t.Errorf("a clipped number: %s", strings.TrimSpace(line))
					}
				}
			}
			pages := pagesPerSheet(t, string(text))
			t.Logf("pages per sheet: %v", pages)
			for _, s := range sheetNames {
				if pages[s] == 0 {
					t.Errorf("sheet %s prints no page with its header", s)
				}
			}
			for _, s := range []string{sheetSummary, sheetScorecard, sheetTrend} {
				if pages[s] != 1 {
					t.Errorf("%s prints on %d pages, want 1", s, pages[s])
				}
			}
			if pages[sheetCare] > maxPrintPages {
				t.Errorf("Intensive care prints on %d pages, want at most %d", pages[sheetCare], maxPrintPages)
			}
			if !strings.Contains(string(text), "Customer recovery — "+sc.Company) {
				t.Error("the Summary's title is not in the PDF")
			}
			if pdftoppm, err := exec.LookPath("pdftoppm"); err == nil {
				prefix := filepath.Join(artefacts, "recoverykpi-summary-"+tc.name)
				if out, err := exec.Command(pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, prefix).CombinedOutput(); err != nil {
					t.Errorf("pdftoppm: %v\n%s", err, out)
				} else {
					t.Logf("Summary page rendered: %s.png", prefix)
				}
			}
		})
	}
}

// pagesPerSheet counts the pages of a PDF's text (pages separated by form feeds) by
// the sheet name at the right of each page's header line, after the confidential mark.
func pagesPerSheet(t *testing.T, text string) map[string]int {
	t.Helper()
	pages := map[string]int{}
	for i, page := range strings.Split(text, "\f") {
		first := ""
		for _, line := range strings.Split(page, "\n") {
			if strings.TrimSpace(line) != "" {
				first = strings.TrimSpace(line)
				break
			}
		}
		if first == "" {
			continue
		}
		_, right, ok := strings.Cut(first, confidential)
		if !ok {
			t.Errorf("page %d: header %q lacks %q", i+1, first, confidential)
			continue
		}
		pages[strings.TrimSpace(right)]++
	}
	return pages
}

// TestLargeWorklists writes 100,000 win-back and intensive-care rows through the
// stream writer.
func TestLargeWorklists(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	sc, prov := fixture()
	const n = 100000
	wb, care := sc.Winback, sc.IntensiveCare
	sc.Winback, sc.IntensiveCare = make([]pipeline.WinbackRow, n), make([]pipeline.CareRow, n)
	for i := 0; i < n; i++ {
		sc.Winback[i] = wb[i%len(wb)]
		sc.Winback[i].CustomerID = "C-" + strconv.Itoa(i)
		sc.IntensiveCare[i] = care[i%len(care)]
	}
	var buf bytes.Buffer
	if err := Write(&buf, sc, prov); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue(sheetWinback, cellName(1, worklistHeaderRow+n)); v != "C-"+strconv.Itoa(n-1) {
		t.Errorf("last win-back row holds %q", v)
	}
}
