package config

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// The environment overrides the file, and the file the defaults; an unset or empty
// variable changes nothing.
func TestApplyEnvPrecedence(t *testing.T) {
	cfg, err := Parse([]byte("company: From File\ncurrency: EUR\ninput: extracts\n"), "/etc/rk")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"RECOVERYKPI_COMPANY":                 "From Env",
		"RECOVERYKPI_OUTPUT":                  "rel/out",
		"RECOVERYKPI_TIMEZONE":                "Europe/Berlin",
		"RECOVERYKPI_FISCAL_YEAR_START_MONTH": "7",
		"RECOVERYKPI_WORKLIST_SIZE":           "50",
		"RECOVERYKPI_AS_OF":                   "2026-11-15T00:00:00Z",
		"RECOVERYKPI_INDUSTRY":                "saas",
		"RECOVERYKPI_CURRENCY":                "",
	}
	if err := ApplyEnv(cfg, lookup(env)); err != nil {
		t.Fatal(err)
	}
	type keys struct {
		Company, Currency, Input, Output, Timezone string
		FiscalYearStartMonth, WorklistSize         int
		AsOf, Industry                             string
	}
	want := keys{Company: "From Env", Currency: "EUR", Input: "/etc/rk/extracts", Output: "rel/out", Timezone: "Europe/Berlin",
		FiscalYearStartMonth: 7, WorklistSize: 50, AsOf: "2026-11-15T00:00:00Z", Industry: "saas"}
	got := keys{Company: cfg.Company, Currency: cfg.Currency, Input: cfg.Input, Output: cfg.Output, Timezone: cfg.Timezone,
		FiscalYearStartMonth: cfg.FiscalYearStartMonth, WorklistSize: cfg.WorklistSize, AsOf: cfg.AsOf, Industry: cfg.Industry}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// Every bad value is reported at once, naming its variable, and wraps ErrInvalid.
func TestApplyEnvErrorsNameTheVariable(t *testing.T) {
	cfg := Default()
	err := ApplyEnv(cfg, lookup(map[string]string{
		"RECOVERYKPI_TIMEZONE":                "Mars/Olympus",
		"RECOVERYKPI_FISCAL_YEAR_START_MONTH": "july",
		"RECOVERYKPI_CURRENCY":                "euro",
		"RECOVERYKPI_AS_OF":                   "yesterday",
		"RECOVERYKPI_INDUSTRY":                "hospitality",
	}))
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	for _, want := range []string{"RECOVERYKPI_TIMEZONE: timezone: \"Mars/Olympus\"", "RECOVERYKPI_FISCAL_YEAR_START_MONTH (fiscal_year_start_month): \"july\"",
		"RECOVERYKPI_CURRENCY: currency", "RECOVERYKPI_AS_OF: as_of", "RECOVERYKPI_INDUSTRY: industry"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

// The secrets set the schedule's lock and webhook when there is a schedule: section,
// and a bad one is reported without its value.
func TestApplyEnvSecrets(t *testing.T) {
	const dsn, hook = "postgres://sched:S3cr3t@db/recovery", "https://hooks.example/T0KEN"
	cfg, err := Parse([]byte("schedule: {cron: \"0 6 5 1,4,7,10 *\"}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(cfg, lookup(map[string]string{"RECOVERYKPI_LOCK_POSTGRES": dsn, "RECOVERYKPI_NOTIFY_WEBHOOK": hook})); err != nil {
		t.Fatal(err)
	}
	if cfg.Schedule.Lock.Postgres != dsn || cfg.Schedule.Notify.Webhook != hook {
		t.Errorf("lock %+v, notify %+v", cfg.Schedule.Lock, cfg.Schedule.Notify)
	}

	// Without a schedule: section they are ignored, so one environment serves run too.
	plain := Default()
	if err := ApplyEnv(plain, lookup(map[string]string{"RECOVERYKPI_LOCK_POSTGRES": dsn})); err != nil || plain.Schedule != nil {
		t.Errorf("without schedule: err %v, schedule %+v", err, plain.Schedule)
	}

	for _, bad := range []map[string]string{
		{"RECOVERYKPI_LOCK_POSTGRES": "mysql://sched:S3cr3t@db/x"},
		{"RECOVERYKPI_NOTIFY_WEBHOOK": "ftp://hooks/S3cr3t"},
	} {
		cfg, _ := Parse([]byte("schedule: {cron: \"0 6 5 1,4,7,10 *\"}\n"), "")
		err := ApplyEnv(cfg, lookup(bad))
		if !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "S3cr3t") {
			t.Errorf("%v: err = %v, want ErrInvalid without the secret", bad, err)
		}
		for k := range bad {
			if !strings.Contains(err.Error(), k) {
				t.Errorf("error does not name %s: %v", k, err)
			}
		}
	}
}

// Every variable is named RECOVERYKPI_<KEY> after the key it sets, except the two
// secrets, named after their section.
func TestEnvVarNames(t *testing.T) {
	for _, ev := range EnvVars() {
		want := EnvPrefix + strings.ToUpper(ev.Key)
		if ev.Secret {
			want = EnvPrefix + strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(ev.Key, "schedule."), ".", "_"))
		}
		if ev.Name != want {
			t.Errorf("%s sets %s, want the name %s", ev.Name, ev.Key, want)
		}
	}
}

// LoadWithEnv takes --config, else RECOVERYKPI_CONFIG, else the defaults; "-" reads
// the YAML from stdin, its relative paths relative to the current folder.
func TestLoadWithEnv(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/recovery.yaml"
	if err := os.WriteFile(file, []byte("company: From File\ninput: extracts\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin := strings.NewReader("company: From Stdin\ninput: extracts\n")
	cases := []struct {
		name, path               string
		env                      map[string]string
		wantFrom, company, input string
	}{
		{"defaults", "", nil, "", "Example Retail", ""},
		{"RECOVERYKPI_CONFIG", "", map[string]string{"RECOVERYKPI_CONFIG": file}, file, "From File", dir + "/extracts"},
		{"--config over RECOVERYKPI_CONFIG", "-", map[string]string{"RECOVERYKPI_CONFIG": file}, "-", "From Stdin", "extracts"},
		{"environment over stdin", "-", map[string]string{"RECOVERYKPI_COMPANY": "From Env"}, "-", "From Env", "extracts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdin.Seek(0, io.SeekStart)
			cfg, from, err := LoadWithEnv(tc.path, stdin, lookup(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if from != tc.wantFrom || cfg.Company != tc.company || cfg.Input != tc.input {
				t.Errorf("from %q company %q input %q; want %q %q %q", from, cfg.Company, cfg.Input, tc.wantFrom, tc.company, tc.input)
			}
		})
	}
	_, _, err := LoadWithEnv("-", strings.NewReader("compnay: typo\n"), lookup(nil))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "standard input") || !strings.Contains(err.Error(), "compnay") {
		t.Errorf("bad stdin config: %v", err)
	}
}

// The README's table of environment variables lists each variable with the key it
// sets, and no other RECOVERYKPI_ variable of the config.
func TestREADMEListsEveryVariable(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	if !strings.Contains(readme, "| `"+EnvConfig+"` |") {
		t.Errorf("README.md does not list %s", EnvConfig)
	}
	for _, ev := range EnvVars() {
		if row := "| `" + ev.Name + "` | `" + ev.Key + "` |"; !strings.Contains(readme, row) {
			t.Errorf("README.md has no row %q", row)
		}
	}
	if !strings.Contains(readme, "flag > environment > config file > default") {
		t.Error("README.md does not state the precedence")
	}
}
