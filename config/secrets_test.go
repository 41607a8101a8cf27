package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCredentialsFromFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("secrets/dsn", "  postgres://scheduler:S3cr3t@db/x?sslmode=verify-full\n")
	write("secrets/hook", "https://hooks.example/T0/B0/TOKENXYZ\n")
	write("secrets/empty", "\n")
	cases := []struct {
		name, schedule string
		want           string // error text; "" = valid
	}{
		{"both from files", `{cron: "* * * * *", lock: {postgres_file: secrets/dsn}, notify: {webhook_file: secrets/hook}}`, ""},
		{"inline and file", `{cron: "* * * * *", lock: {postgres: "postgres://a@db/x", postgres_file: secrets/dsn}}`, "schedule.lock.postgres and schedule.lock.postgres_file are both set"},
		{"webhook inline and file", `{cron: "* * * * *", notify: {webhook: "https://h/x", webhook_file: secrets/hook}}`, "schedule.notify.webhook and schedule.notify.webhook_file are both set"},
		{"missing file", `{cron: "* * * * *", lock: {postgres_file: secrets/none}}`, "schedule.lock.postgres_file: open " + filepath.Join(dir, "secrets/none")},
		{"empty file", `{cron: "* * * * *", notify: {webhook_file: secrets/empty}}`, "schedule.notify.webhook_file: " + filepath.Join(dir, "secrets/empty") + " is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "recovery.yaml")
			write("recovery.yaml", "schedule: "+tc.schedule+"\n")
			cfg, err := Load(path)
			if tc.want != "" {
				if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want an ErrInvalid naming %q", err, tc.want)
				}
				if strings.Contains(err.Error(), "S3cr3t") || strings.Contains(err.Error(), "TOKENXYZ") {
					t.Errorf("the error quotes a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Schedule.Lock.Postgres != "postgres://scheduler:S3cr3t@db/x?sslmode=verify-full" || cfg.Schedule.Notify.Webhook != "https://hooks.example/T0/B0/TOKENXYZ" {
				t.Errorf("effective credentials %q %q", cfg.Schedule.Lock.Postgres, cfg.Schedule.Notify.Webhook)
			}
			if w := cfg.Warnings(); len(w) != 0 {
				t.Errorf("warnings for an https webhook and sslmode=verify-full: %v", w)
			}
			for _, f := range []func() ([]byte, string, error){cfg.Recorded} {
				y, _, err := f()
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(y), "S3cr3t") || strings.Contains(string(y), "TOKENXYZ") {
					t.Errorf("a secret in\n%s", y)
				}
			}
		})
	}
}

func TestValidationErrorsRedactCredentials(t *testing.T) {
	for _, s := range []string{
		`{cron: "* * * * *", lock: {postgres: "postgresql//scheduler:S3cr3t@db/x"}}`,
		`{cron: "* * * * *", lock: {postgres: "host=db password=S3cr3t"}}`,
		`{cron: "* * * * *", notify: {webhook: "hooks.example/T0/TOKENXYZ"}}`,
		`{cron: "* * * * *", notify: {webhook: "ftp://hooks.example/T0/TOKENXYZ"}}`,
	} {
		_, err := Parse([]byte("schedule: "+s+"\n"), "")
		if err == nil || !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s: accepted", s)
		}
		if strings.Contains(err.Error(), "S3cr3t") || strings.Contains(err.Error(), "TOKENXYZ") {
			t.Errorf("the error quotes a secret: %v", err)
		}
		if !strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("the error does not show the value redacted: %v", err)
		}
	}
}

func TestWarnings(t *testing.T) {
	cases := []struct {
		name, schedule, pgsslmode string
		want                      []string
	}{
		{"none", `{cron: "* * * * *"}`, "", nil},
		{"http webhook", `{cron: "* * * * *", notify: {webhook: "http://hooks.example/T0/TOKENXYZ"}}`, "",
			[]string{"schedule.notify.webhook http://hooks.example/REDACTED is http://, not https://"}},
		{"https webhook", `{cron: "* * * * *", notify: {webhook: "https://hooks.example/T0/TOKENXYZ"}}`, "", nil},
		{"no sslmode", `{cron: "* * * * *", lock: {postgres: "postgres://u:S3cr3t@db/x"}}`, "",
			[]string{"schedule.lock.postgres postgres://u:REDACTED@db/x: sslmode is not set, so pgx's default prefer"}},
		{"sslmode prefer", `{cron: "* * * * *", lock: {postgres: "postgres://u@db/x?sslmode=prefer"}}`, "", []string{"sslmode is prefer"}},
		{"sslmode disable", `{cron: "* * * * *", lock: {postgres: "postgres://u@db/x?sslmode=disable"}}`, "", []string{"sslmode is disable"}},
		{"sslmode require", `{cron: "* * * * *", lock: {postgres: "postgres://u@db/x?sslmode=require"}}`, "", nil},
		{"sslmode verify-full", `{cron: "* * * * *", lock: {postgres: "postgres://u@db/x?sslmode=verify-full"}}`, "", nil},
		{"PGSSLMODE verify-full", `{cron: "* * * * *", lock: {postgres: "postgres://u@db/x"}}`, "verify-full", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PGSSLMODE", tc.pgsslmode)
			cfg, err := Parse([]byte("schedule: "+tc.schedule+"\n"), "")
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.Warnings()
			if len(got) != len(tc.want) {
				t.Fatalf("warnings %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %q lacks %q", got[i], w)
				}
				if strings.Contains(got[i], "S3cr3t") || strings.Contains(got[i], "TOKENXYZ") {
					t.Errorf("warning %q quotes a secret", got[i])
				}
			}
		})
	}
}

// TestRecorded: the recorded config is the number-changing part (SPEC v2 §6), the
// same whatever the schedule, credentials, paths and as_of.
func TestRecorded(t *testing.T) {
	base := "company: ACME\ndefinitions: {lapse_days: 200}\ntables:\n  purchases: {columns: {amount: net}}\n"
	a, err := Parse([]byte(base+"input: s\noutput: out\nas_of: 2026-11-15T00:00:00Z\nschedule: {cron: \"0 6 * * *\", lock: {postgres: \"postgres://u:S3cr3t@db/x\"}, notify: {webhook: \"https://h/T/TOKENXYZ\"}, metrics_file: m.prom}\n"), "/etc/rk")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse([]byte(base+"input: /data/s/\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	ya, sa, err := a.Recorded()
	if err != nil {
		t.Fatal(err)
	}
	yb, sb, _ := b.Recorded()
	if sa != sb || string(ya) != string(yb) {
		t.Errorf("recorded configs differ:\n%s\n%s", ya, yb)
	}
	for _, no := range []string{"input", "output", "as_of", "schedule", "cron", "S3cr3t", "TOKENXYZ", "m.prom"} {
		if strings.Contains(string(ya), no) {
			t.Errorf("the recorded config holds %q:\n%s", no, ya)
		}
	}
	for _, yes := range []string{"company: ACME", "lapse_days: 200", "amount: net", "timezone: UTC", "worklist_size: 200", "max_invalid_share: 0.01"} {
		if !strings.Contains(string(ya), yes) {
			t.Errorf("the recorded config lacks %q:\n%s", yes, ya)
		}
	}
	// The recorded config reads back and records itself.
	c, err := Parse(ya, "")
	if err != nil {
		t.Fatal(err)
	}
	if y, _, _ := c.Recorded(); string(y) != string(ya) {
		t.Errorf("the recorded config does not read back to itself:\n%s\n%s", ya, y)
	}
}

func TestRecordedDiff(t *testing.T) {
	pub := []byte("company: ACME\ninput: s\noutput: \"\"\nschedule:\n  cron: \"0 6 * * *\"\ndefinitions: {lapse_days: 180}\nbenchmarks: {recovery_rate: {industries: {hospitality: 62}}}\n")
	now := []byte("company: ACME Ltd\ndefinitions: {lapse_days: 200}\ntables: {purchases: {path: orders/}}\n")
	got, err := RecordedDiff(pub, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"benchmarks.recovery_rate.industries.hospitality: published 62, now not set",
		`company: published "ACME", now "ACME Ltd"`,
		"definitions.lapse_days: published 180, now 200",
		`tables.purchases.path: published not set, now "orders/"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// An older recorded config with the schedule and the input is the same config.
	same, err := RecordedDiff(pub, []byte("company: ACME\ndefinitions: {lapse_days: 180}\nbenchmarks: {recovery_rate: {industries: {hospitality: 62}}}\n"))
	if err != nil || len(same) != 0 {
		t.Errorf("same config: %v %v", same, err)
	}
}
