package warehouse

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files")

// requireSQLGlot makes a missing sqlglot a failure instead of a skip (.ci/run sets it).
const requireSQLGlot = "RECOVERYKPI_REQUIRE_SQLGLOT"

// goldenSource is every table with every column, timestamps of each kind: purchases
// and complaints instants, offers wall-clock times, surveys dates; ids text and
// integer; numbers double, decimal and integer.
func goldenSource(d *Dialect) *Source {
	types := map[string]Type{}
	for _, t := range contract.Tables() {
		for _, c := range t.Columns {
			switch c.Kind {
			case contract.KindID, contract.KindText:
				types[t.Name+"."+c.Name] = TypeText
			case contract.KindTime:
				types[t.Name+"."+c.Name] = TypeInstant
			case contract.KindNumber:
				types[t.Name+"."+c.Name] = TypeFloat
			case contract.KindBool:
				types[t.Name+"."+c.Name] = TypeBool
			}
		}
	}
	types[contract.Purchases+"."+contract.OrderID] = TypeInteger
	types[contract.Offers+"."+contract.FaceValue] = TypeDecimal
	types[contract.Surveys+"."+contract.Score] = TypeInteger
	for _, c := range []string{contract.IssuedAt, contract.RedeemedAt, contract.ExpiresAt} {
		types[contract.Offers+"."+c] = TypeWallClock
	}
	types[contract.Surveys+"."+contract.RespondedAt] = TypeDate
	src := &Source{Dialect: d, Schema: "sales", Timezone: "Europe/Berlin", ScoreMin: 1, ScoreMax: 5}
	for _, t := range contract.Tables() {
		tab := Table{Contract: t.Name, Name: "rk_" + t.Name}
		for _, c := range t.Columns {
			tab.Columns = append(tab.Columns, Column{Contract: c.Name, Name: c.Name, Type: types[t.Name+"."+c.Name]})
		}
		src.Tables = append(src.Tables, tab)
	}
	return src
}

// goldenPlan is the default quarter at a fixed as_of with the default parameters.
func goldenPlan(t *testing.T) *pipeline.PushdownPlan {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	s := pipeline.Settings{
		Calendar: pipeline.Calendar{Loc: loc, StartMonth: 1},
		Params: pipeline.Params{RecoveryWindowDays: 90, LapseDays: 180, IntensiveCareDays: 180, RevenueLookbackDays: 365,
			SatisfiedMinScore: 4, ScoreMin: 1, ScoreMax: 5, WorklistSize: 200, ExecutiveCalls: 10},
	}
	asOf := time.Date(2026, 11, 15, 18, 0, 0, 0, time.UTC).UnixMicro()
	p, err := pipeline.PlanPushdown(s, asOf, contract.TableNames())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// goldenQueries are every query the generator writes, by file name.
func goldenQueries(t *testing.T, d *Dialect) map[string]string {
	src := goldenSource(d)
	p := goldenPlan(t)
	return map[string]string{
		"quality.sql":           src.QualitySQL(false),
		"quality_as_of.sql":     src.QualitySQL(true),
		"offers.sql":            src.OffersSQL(p),
		"surveys.sql":           src.SurveysSQL(p),
		"customers.sql":         src.CustomersSQL(p),
		"quarantine_offers.sql": src.QuarantineSQL(contract.Offers, 10000),
	}
}

// The SQL of every dialect is the golden snapshot in testdata/sql/<dialect>/ (go test
// -update rewrites them), and each parses with sqlglot for its dialect.
func TestGoldenSQL(t *testing.T) {
	var files []string
	for _, name := range DialectNames() {
		d, err := LookupDialect(name)
		if err != nil {
			t.Fatal(err)
		}
		for file, sql := range goldenQueries(t, d) {
			path := filepath.Join("testdata", "sql", name, file)
			files = append(files, path)
			text := []byte(sql + ";\n")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, text, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./warehouse -run TestGoldenSQL -update writes it)", err)
			}
			if !bytes.Equal(want, text) {
				t.Errorf("%s: the generated SQL differs from the golden file (go test ./warehouse -run TestGoldenSQL -update, then review the diff)", path)
			}
		}
	}
	parseWithSQLGlot(t, files)
}

// sqlglotScript parses each file (path, dialect) and prints one line per failure.
const sqlglotScript = `
import sys, sqlglot
from sqlglot.errors import ErrorLevel
bad = 0
for arg in sys.argv[1:]:
    dialect, path = arg.split("=", 1)
    sql = open(path, encoding="utf-8").read()
    try:
        trees = sqlglot.parse(sql, read=dialect, error_level=ErrorLevel.RAISE)
        if len([t for t in trees if t is not None]) != 1:
            raise ValueError("%d statements" % len(trees))
    except Exception as e:
        bad += 1
        print("%s (%s): %s" % (path, dialect, str(e).splitlines()[0] if str(e) else type(e).__name__))
sys.exit(1 if bad else 0)
`

// parseWithSQLGlot parses the files with sqlglot (Debian's python3-sqlglot), each
// for its dialect (the folder's name).
func parseWithSQLGlot(t *testing.T, files []string) {
	t.Helper()
	var python string
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(p, "-c", "import sqlglot").Run(); err == nil {
			python = p
			break
		}
	}
	if python == "" {
		msg := "sqlglot is not installed (apt-get install python3-sqlglot): the golden SQL is not parsed"
		if os.Getenv(requireSQLGlot) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	args := []string{"-c", sqlglotScript}
	for _, f := range files {
		args = append(args, fmt.Sprintf("%s=%s", filepath.Base(filepath.Dir(f)), f))
	}
	out, err := exec.Command(python, args...).CombinedOutput()
	if err != nil {
		t.Errorf("sqlglot rejects generated SQL:\n%s", strings.TrimSpace(string(out)))
	}
}
