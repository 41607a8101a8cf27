package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	cfg, err := Parse(nil, "/etc/rk")
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Definitions
	if d.RecoveryWindowDays != 90 || d.LapseDays != 180 || d.IntensiveCareDays != 180 || d.RevenueLookbackDays != 365 ||
		d.SatisfiedMinScore != 4 || d.ScoreMin != 1 || d.ScoreMax != 5 {
		t.Errorf("definitions = %+v", d)
	}
	if cfg.Quality.MaxInvalidShare != 0.01 || cfg.WorklistSize != 200 || cfg.Timezone != "UTC" || cfg.FiscalYearStartMonth != 1 ||
		cfg.Industry != "retail" || cfg.Currency != "USD" {
		t.Errorf("defaults = %+v", cfg)
	}
	if cfg.Output != filepath.Join("/etc/rk", "out") {
		t.Errorf("output = %s", cfg.Output)
	}
}

func TestLoadResolvesPathsAgainstTheConfigFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "recovery.yaml")
	yml := `company: ACME
industry: hospitality
currency: EUR
timezone: Europe/Berlin
fiscal_year_start_month: 7
input: extracts/
output: /var/out
definitions: {recovery_window_days: 60}
tables:
  purchases: {path: orders/, columns: {purchased_at: order_ts, amount: net_amount}}
benchmarks:
  recovery_rate: {industries: {hospitality: 62}}
schedule:
  cron: "0 6 5 1,4,7,10 *"
  timezone: Europe/Berlin
  wait_for: _SUCCESS
  retries: 3
  retry_delay: 10m
  metrics_file: metrics/rk.prom
`
	if err := os.WriteFile(path, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Input != filepath.Join(dir, "extracts") || cfg.Output != "/var/out" {
		t.Errorf("input %s output %s", cfg.Input, cfg.Output)
	}
	if cfg.Definitions.RecoveryWindowDays != 60 || cfg.Definitions.LapseDays != 180 {
		t.Errorf("partial definitions lost the defaults: %+v", cfg.Definitions)
	}
	if cfg.Tables["purchases"].Columns["amount"] != "net_amount" || cfg.Tables["purchases"].Path != "orders/" {
		t.Errorf("tables = %+v", cfg.Tables)
	}
	if time.Duration(cfg.Schedule.RetryDelay) != 10*time.Minute || cfg.Schedule.MetricsFile != filepath.Join(dir, "metrics", "rk.prom") {
		t.Errorf("schedule = %+v", cfg.Schedule)
	}
	if cfg.Location().String() != "Europe/Berlin" {
		t.Errorf("location = %v", cfg.Location())
	}
	yml2, sum, err := cfg.Recorded()
	if err != nil || len(sum) != 64 || !strings.Contains(string(yml2), "recovery_window_days: 60") {
		t.Errorf("recorded: %v %s\n%s", err, sum, yml2)
	}
	_, sum2, _ := cfg.Recorded()
	if sum2 != sum {
		t.Error("recorded config is not deterministic")
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	yml := `curency: EUR
company: X
fiscal_year_start_month: 13
timezone: Mars/Olympus
industry: retial
definitions: {recovery_window_days: 0, score_min: 5, score_max: 1, colour: red}
quality: {max_invalid_share: 2}
tables:
  purchase: {path: x/}
  offers: {columns: {offer_kind: kind}}
schedule: {cron: "0 6 * *", retry_delay: soon}
`
	_, err := Parse([]byte(yml), "")
	if err == nil {
		t.Fatal("accepted")
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("not ErrInvalid: %v", err)
	}
	for _, want := range []string{
		"unknown key curency", "unknown key colour", "fiscal_year_start_month: 13", "Mars/Olympus", `"retial"`,
		"recovery_window_days: 0", "score_min", "max_invalid_share", `unknown table "purchase"`, `unknown column "offer_kind"`,
		"schedule.cron", "soon",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestSyntaxErrorNamesTheLine(t *testing.T) {
	_, err := Parse([]byte("company: [unclosed\n"), "")
	if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "line") {
		t.Errorf("err = %v", err)
	}
}

// TestExampleConfig loads examples/recovery.yaml as the program does: it must be a
// valid config that uses every section.
func TestExampleConfig(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "examples", "recovery.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Schedule == nil || cfg.Schedule.Notify == nil || len(cfg.Tables) == 0 || len(cfg.Benchmarks) == 0 || cfg.Input == "" {
		t.Errorf("the example leaves out a section: %+v", cfg)
	}
}
