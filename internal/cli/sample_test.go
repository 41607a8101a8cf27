package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/internal/workbookdump"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files of the embedded sample")

const sampleLabel = "2026-Q3"

// runSample runs `recoverykpi run` on the embedded sample into a temporary folder and
// returns the folder.
func runSample(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	// --output alone keeps the embedded sample (neither --config nor --input).
	if code := Main(context.Background(), []string{"run", "--output", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("run on the sample: exit %d: %s", code, stderr.String())
	}
	return out
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -run Sample -update)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs from the golden file at line %d:\n got: %s\nwant: %s\n(rerun with -update if the change is intended)", name, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs from the golden file in length: %d lines, want %d", name, len(gl), len(wl))
	}
}

func TestSampleGoldenJSONAndWorkbook(t *testing.T) {
	out := runSample(t)
	js, err := os.ReadFile(filepath.Join(out, "recovery-scorecard-"+sampleLabel+".json"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sample-"+sampleLabel+".json", js)
	dump := dumpWorkbook(t, filepath.Join(out, "recovery-scorecard-"+sampleLabel+".xlsx"))
	golden(t, "sample-"+sampleLabel+".xlsx.txt", []byte(dump))
}

func dumpWorkbook(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dump, err := workbookdump.Dump(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return dump
}

// TestSampleScorecardEqualsJSON reads every KPI value off the Scorecard sheet and
// requires it to be the JSON's value exactly (percentages as fractions).
func TestSampleScorecardEqualsJSON(t *testing.T) {
	out := runSample(t)
	js, err := os.ReadFile(filepath.Join(out, "recovery-scorecard-"+sampleLabel+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		KPIs map[string]struct {
			Value *float64 `json:"value"`
		} `json:"kpis"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	cells := sheetCells(dumpWorkbook(t, filepath.Join(out, "recovery-scorecard-"+sampleLabel+".xlsx")), "Scorecard")
	rowOf := map[string]string{}
	for ref, v := range cells {
		if strings.HasPrefix(ref, "A") {
			rowOf[strings.Trim(v, `"`)] = ref[1:]
		}
	}
	checked := 0
	for _, def := range pipeline.Catalogue() {
		row, ok := rowOf[def.Title]
		if !ok {
			t.Errorf("%s: no row titled %q on the Scorecard", def.ID, def.Title)
			continue
		}
		jv := doc.KPIs[string(def.ID)].Value
		cell := cells["B"+row]
		if jv == nil {
			if cell != `"no data"` {
				t.Errorf("%s: sheet %s, JSON no data", def.ID, cell)
			}
			continue
		}
		want := *jv
		if def.Unit == pipeline.UnitPercent {
			want /= 100
		}
		got, err := strconv.ParseFloat(cell, 64)
		if err != nil || got != want {
			t.Errorf("%s: sheet B%s = %s, JSON %v (want %v)", def.ID, row, cell, *jv, want)
		}
		checked++
	}
	if checked < 15 {
		t.Errorf("only %d KPIs compared", checked)
	}
}

var cellLine = regexp.MustCompile(`^([A-Z]+[0-9]+) (".*?"|\S+)`)

// sheetCells returns the cell values of one sheet of a workbookdump.Dump.
func sheetCells(dump, sheet string) map[string]string {
	cells := map[string]string{}
	in := false
	for _, line := range strings.Split(dump, "\n") {
		if strings.HasPrefix(line, "== ") {
			in = strings.Contains(line, sheet) && !strings.Contains(line, "workbook")
			continue
		}
		if m := cellLine.FindStringSubmatch(line); in && m != nil {
			cells[m[1]] = m[2]
		}
	}
	return cells
}

// TestConfiguredBenchmarkReachesTheWorkbook checks that an industry added in the config
// is the Scorecard's benchmark and is listed with its source on the Definitions sheet.
func TestConfiguredBenchmarkReachesTheWorkbook(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	yml := "industry: hospitality\nbenchmarks: {recovery_rate: {industries: {hospitality: 62, retail: 58}}}\n"
	if err := os.WriteFile(cfg, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in")
	copyTree(t, filepath.Join("..", "..", "testdata", "sample"), in)
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"run", "--config", cfg, "--input", in, "--output", filepath.Join(dir, "out")}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	dump := dumpWorkbook(t, filepath.Join(dir, "out", "recovery-scorecard-"+sampleLabel+".xlsx"))
	defs := strings.Join(strings.Split(dump, "== sheet Definitions")[1:], "")
	for _, want := range []string{"hospitality", "62", "company config", "retail", "58"} {
		if !strings.Contains(defs, want) {
			t.Errorf("Definitions sheet lacks %q", want)
		}
	}
	js, _ := os.ReadFile(filepath.Join(dir, "out", "recovery-scorecard-"+sampleLabel+".json"))
	if !strings.Contains(string(js), `"industry": "hospitality",
        "value": 62,`) {
		t.Errorf("JSON benchmark is not hospitality 62")
	}
}

// TestSampleWorkbookEqualsJSON walks the JSON of the sample and finds each of its
// numbers on the workbook, in the row the workbook gives it (by its label in column A
// or, for the worklists, the customer id), exactly: the Summary's headlines, every
// KPI of every Trend quarter, the Departures (by segment, by tier, by kind, reasons
// per quarter), the Mitigation (groups, channels, offers) and the worklists' money.
// Percentages are stored as fractions.
func TestSampleWorkbookEqualsJSON(t *testing.T) {
	out := runSample(t)
	js, err := os.ReadFile(filepath.Join(out, "recovery-scorecard-"+sampleLabel+".json"))
	if err != nil {
		t.Fatal(err)
	}
	type kpi struct {
		Value *float64 `json:"value"`
	}
	type row = map[string]any
	var doc struct {
		KPIs  map[string]kpi `json:"kpis"`
		Trend []struct {
			Quarter string         `json:"quarter"`
			KPIs    map[string]kpi `json:"kpis"`
			Reasons []row          `json:"reasons"`
		} `json:"trend"`
		Kinds      []row `json:"kinds"`
		Channels   []row `json:"channels"`
		Mitigation []row `json:"mitigation"`
		Offers     []row `json:"offers"`
		Departed   struct {
			BySegment []row `json:"by_segment"`
			ByTier    []row `json:"by_tier"`
		} `json:"departed"`
		Worklists struct {
			Winback       []row `json:"winback"`
			IntensiveCare []row `json:"intensive_care"`
		} `json:"worklists"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	dump := dumpWorkbook(t, filepath.Join(out, "recovery-scorecard-"+sampleLabel+".xlsx"))
	checked := 0
	// expect compares the cell in column col of the first row of sheet whose column A
	// (or keyCol) holds key, from row from on, with want.
	expect := func(sheet, key string, keyCol string, from int, col string, want float64) {
		t.Helper()
		cells := sheetCells(dump, sheet)
		for r := from; r < from+5000; r++ {
			if cells[keyCol+strconv.Itoa(r)] != strconv.Quote(key) {
				continue
			}
			got, err := strconv.ParseFloat(cells[col+strconv.Itoa(r)], 64)
			if err != nil || got != want {
				t.Errorf("%s!%s%d (%s): %s, JSON %v", sheet, col, r, key, cells[col+strconv.Itoa(r)], want)
			}
			checked++
			return
		}
		t.Errorf("%s: no row %q in column %s from row %d", sheet, key, keyCol, from)
	}
	num := func(r row, k string) float64 { v, _ := r[k].(float64); return v }
	pct := func(r row, k string) float64 { return num(r, k) / 100 }
	titles := map[string]pipeline.KPIDef{}
	for _, d := range pipeline.Catalogue() {
		titles[string(d.ID)] = d
	}
	frac := func(id string, v float64) float64 {
		if titles[id].Unit == pipeline.UnitPercent {
			return v / 100
		}
		return v
	}
	for _, id := range []string{"recovery_rate", "retained_revenue", "lost_revenue", "departed_customers", "recovery_satisfaction", "median_days_to_recovery"} {
		if v := doc.KPIs[id].Value; v != nil {
			expect("Summary", titles[id].Title, "A", 1, "B", frac(id, *v))
		}
	}
	for i, tp := range doc.Trend {
		col := string(rune('C' + i))
		for id, k := range tp.KPIs {
			if k.Value != nil {
				expect("Trend", titles[id].Title, "A", 6, col, frac(id, *k.Value))
			}
		}
		for _, r := range tp.Reasons {
			expect("Departures", r["reason"].(string), "A", 1, string(rune('B'+i)), num(r, "revenue_at_risk"))
		}
	}
	for _, r := range doc.Departed.BySegment {
		expect("Departures", r["segment"].(string), "A", 1, "B", num(r, "departed"))
		expect("Departures", r["segment"].(string), "A", 1, "C", num(r, "departed_revenue"))
		expect("Departures", r["segment"].(string), "A", 1, "E", num(r, "recovered"))
	}
	for _, r := range doc.Departed.ByTier {
		expect("Departures", r["tier"].(string), "A", 1, "B", num(r, "departed"))
		expect("Departures", r["tier"].(string), "A", 1, "C", num(r, "departed_revenue"))
	}
	for _, r := range doc.Kinds {
		expect("Departures", r["kind"].(string), "A", 1, "B", num(r, "at_risk"))
		expect("Departures", r["kind"].(string), "A", 1, "F", pct(r, "recovery_rate"))
		expect("Departures", r["kind"].(string), "A", 1, "G", pct(r, "matured_recovery_rate"))
		expect("Departures", r["kind"].(string), "A", 1, "H", num(r, "revenue_at_risk"))
	}
	for _, r := range doc.Mitigation {
		expect("Mitigation", r["group"].(string), "A", 1, "D", pct(r, "recovery_rate"))
		expect("Mitigation", r["group"].(string), "A", 1, "E", num(r, "recovered_revenue"))
	}
	for _, r := range doc.Channels {
		expect("Mitigation", r["channel"].(string), "A", 1, "B", num(r, "episodes"))
		expect("Mitigation", r["channel"].(string), "A", 1, "D", pct(r, "recovery_rate"))
	}
	for _, r := range doc.Offers {
		expect("Mitigation", r["offer_type"].(string), "A", 1, "J", num(r, "recovered_revenue"))
		if r["return_on_face_value"] != nil {
			expect("Mitigation", r["offer_type"].(string), "A", 1, "K", num(r, "return_on_face_value"))
		}
	}
	for _, r := range doc.Worklists.Winback {
		expect("Win-back list", r["customer_id"].(string), "A", 5, "H", num(r, "revenue_at_risk"))
	}
	for _, r := range doc.Worklists.IntensiveCare {
		expect("Intensive care", r["customer_id"].(string), "A", 5, "J", num(r, "net_amount_since"))
	}
	if checked < 200 {
		t.Errorf("only %d numbers compared", checked)
	}
}
