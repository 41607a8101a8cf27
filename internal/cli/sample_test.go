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
