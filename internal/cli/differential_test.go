package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/generate"
)

// referenceDir is the in-repo copy of the independent DuckDB implementation of
// SPEC.md (../shared/reference); .ci/run installs its node_modules.
const referenceDir = "../../testdata/reference"

// requireReference makes a missing Node.js or reference a failure instead of a skip
// (set by .ci/run).
const requireReference = "RECOVERYKPI_REQUIRE_REFERENCE"

// diffCase is one extract set and parameter set run through both implementations.
type diffCase struct {
	name      string
	customers int
	seed      int64
	config    string   // YAML for recoverykpi
	refArgs   []string // the same parameters for the reference
	quarter   string
	asOf      string
	retype    bool     // rewrite the generated set with other Parquet types (see retype)
	args      []string // more arguments for recoverykpi run only
}

func TestDifferentialAgainstReference(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test: skipped with -short")
	}
	node, err := exec.LookPath("node")
	ref, _ := filepath.Abs(filepath.Join(referenceDir, "duckdb-reference.mjs"))
	_, modErr := os.Stat(filepath.Join(referenceDir, "node_modules", "@duckdb", "node-api"))
	if err != nil || modErr != nil {
		msg := fmt.Sprintf("reference unavailable (node: %v, node_modules: %v); run: cd testdata/reference && npm install", err, modErr)
		if os.Getenv(requireReference) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cases := []diffCase{
		{name: "defaults", customers: 1500, seed: 11},
		{name: "explicit quarter and as_of", customers: 1200, seed: 12, quarter: "2026-Q1", asOf: "2026-08-17T09:30:00Z"},
		{name: "short windows", customers: 1200, seed: 13,
			config:  "definitions: {recovery_window_days: 45, lapse_days: 120, intensive_care_days: 90, revenue_lookback_days: 180, satisfied_min_score: 5}\nworklist_size: 50\n",
			refArgs: []string{"--W", "45", "--L", "120", "--I", "90", "--R", "180", "--satmin", "5", "--worklist", "50"}},
		{name: "fiscal July in New York", customers: 1200, seed: 14,
			config:  "timezone: America/New_York\nfiscal_year_start_month: 7\n",
			refArgs: []string{"--tz", "America/New_York", "--fy-start", "7"}},
		{name: "other Parquet types in Berlin", customers: 1000, seed: 15, retype: true,
			config:  "timezone: Europe/Berlin\nfiscal_year_start_month: 4\n",
			refArgs: []string{"--tz", "Europe/Berlin", "--fy-start", "4"}},
		// SPEC v2: a quarter that has not ended by as_of (negative age, every KPI
		// provisional), published with --allow-open.
		{name: "open quarter", customers: 1200, seed: 16, quarter: "2026-Q4", args: []string{"--allow-open"}},
		{name: "open quarter, wall clock, fiscal October", customers: 1000, seed: 17, quarter: "2027-Q2", asOf: "2027-02-20T12:00:00Z",
			args:    []string{"--allow-open"},
			config:  "timezone: Asia/Tokyo\nfiscal_year_start_month: 10\n",
			refArgs: []string{"--tz", "Asia/Tokyo", "--fy-start", "10"}},
		{name: "executive calls and worklist sizes", customers: 2500, seed: 18,
			config:  "executive_calls: 3\nworklist_size: 25\ndefinitions: {recovery_window_days: 60, intensive_care_days: 120}\n",
			refArgs: []string{"--executive-calls", "3", "--worklist", "25", "--W", "60", "--I", "120"}},
		{name: "a year after the quarter", customers: 1500, seed: 19, quarter: "2025-Q3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "extract")
			if _, err := generate.Write(context.Background(), in, generate.Options{Customers: tc.customers, Seed: tc.seed}); err != nil {
				t.Fatal(err)
			}
			if tc.retype {
				retype(t, in)
			}
			cfg := filepath.Join(dir, "config.yaml")
			if err := os.WriteFile(cfg, []byte(tc.config), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"run", "--config", cfg, "--input", in, "--output", filepath.Join(dir, "out")}
			refArgs := append([]string{ref, "--input", in}, tc.refArgs...)
			if tc.quarter != "" {
				args = append(args, "--quarter", tc.quarter)
				refArgs = append(refArgs, "--quarter", tc.quarter)
			}
			if tc.asOf != "" {
				args = append(args, "--as-of", tc.asOf)
				refArgs = append(refArgs, "--as-of", tc.asOf)
			}
			args = append(args, tc.args...)
			var stdout, stderr bytes.Buffer
			if code := Main(context.Background(), args, &stdout, &stderr); code != 0 {
				t.Fatalf("recoverykpi exit %d: %s", code, stderr.String())
			}
			cmd := exec.Command(node, refArgs...)
			cmd.Dir = referenceDir
			var refOut, refErr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &refOut, &refErr
			if err := cmd.Run(); err != nil {
				t.Fatalf("reference: %v: %s", err, refErr.String())
			}
			var want map[string]any
			if err := json.Unmarshal(refOut.Bytes(), &want); err != nil {
				t.Fatalf("reference output: %v", err)
			}
			label := want["quarter"].(string)
			mine, err := os.ReadFile(filepath.Join(dir, "out", "recovery-scorecard-"+label+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(mine, &got); err != nil {
				t.Fatal(err)
			}
			diffs := compareJSON("", want, got, nil)
			for i, d := range diffs {
				if i == 20 {
					t.Errorf("... and %d more", len(diffs)-20)
					break
				}
				t.Error(d)
			}
			t.Logf("%s: %d values compared, %d differ", label, countValues(want), len(diffs))
		})
	}
}

// countKeys are the members compared exactly (counts); other numbers (money,
// percentages) are compared to 1e-9 relative.
var countKeys = map[string]bool{
	"at_risk": true, "recovered": true, "lost": true, "pending": true, "issued": true, "redeemed": true,
	"expired": true, "open": true, "numerator": true, "denominator": true, "rows_read": true,
	"rows_set_aside": true, "purchases_since": true, "complaints_since": true,
}

var countKPIs = map[string]bool{
	"at_risk_customers": true, "recovered_customers": true, "lost_customers": true, "pending_customers": true,
	"departed_customers": true, "offers_issued": true,
}

// compareJSON lists every value of want that got lacks or holds differently.
func compareJSON(path string, want, got any, diffs []string) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return append(diffs, fmt.Sprintf("%s: want an object, got %v", path, got))
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing (want %v)", path, k, w[k]))
				continue
			}
			diffs = compareJSON(path+"."+k, w[k], gv, diffs)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return append(diffs, fmt.Sprintf("%s: want %d items, got %v", path, len(w), lenOf(got)))
		}
		for i := range w {
			diffs = compareJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], diffs)
		}
	case float64:
		g, ok := got.(float64)
		if !ok {
			return append(diffs, fmt.Sprintf("%s: want %v, got %v", path, w, got))
		}
		if exactKey(path) {
			if g != w {
				diffs = append(diffs, fmt.Sprintf("%s: want %v, got %v (count)", path, w, g))
			}
		} else if math.Abs(g-w) > 1e-9*math.Max(math.Abs(w), 1) {
			diffs = append(diffs, fmt.Sprintf("%s: want %v, got %v", path, w, g))
		}
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			diffs = append(diffs, fmt.Sprintf("%s: want %v, got %v", path, want, got))
		}
	}
	return diffs
}

func exactKey(path string) bool {
	parts := strings.Split(path, ".")
	last := parts[len(parts)-1]
	if i := strings.IndexByte(last, '['); i >= 0 {
		last = last[:i]
	}
	if countKeys[last] || strings.HasPrefix(path, ".data_quality") {
		return true
	}
	return last == "value" && len(parts) >= 2 && countKPIs[parts[len(parts)-2]]
}

func lenOf(v any) any {
	if a, ok := v.([]any); ok {
		return fmt.Sprintf("%d items", len(a))
	}
	return v
}

func countValues(v any) int {
	switch x := v.(type) {
	case map[string]any:
		n := 0
		for _, y := range x {
			n += countValues(y)
		}
		return n
	case []any:
		n := 0
		for _, y := range x {
			n += countValues(y)
		}
		return n
	}
	return 1
}
