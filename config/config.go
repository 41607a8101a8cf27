// Package config loads the recoverykpi YAML configuration (SPEC §7).
//
// Load decodes strictly: an unknown key is an error that names it. Defaults of
// SPEC §4–5 and §7 are applied, relative paths are resolved against the folder of the
// config file, and every problem is reported at once (errors.Join), before any I/O on
// the extract set. Every error returned by Load or Validate wraps ErrInvalid.
package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/internal/redact"
)

// ErrInvalid marks a configuration that cannot be used (exit status 2).
var ErrInvalid = errors.New("invalid config")

// Config is the resolved configuration. Field order is the order of the resolved YAML
// that the manifest hashes, so it is part of the audit contract.
type Config struct {
	Company              string                       `yaml:"company"`
	Industry             string                       `yaml:"industry"`
	Currency             string                       `yaml:"currency"`
	Timezone             string                       `yaml:"timezone"`
	FiscalYearStartMonth int                          `yaml:"fiscal_year_start_month"`
	Input                string                       `yaml:"input,omitempty"`
	Output               string                       `yaml:"output,omitempty"`
	AsOf                 string                       `yaml:"as_of,omitempty"`
	WorklistSize         int                          `yaml:"worklist_size"`
	ExecutiveCalls       int                          `yaml:"executive_calls"`
	Definitions          Definitions                  `yaml:"definitions"`
	Quality              Quality                      `yaml:"quality"`
	Tables               map[string]Table             `yaml:"tables,omitempty"`
	Benchmarks           map[string]BenchmarkOverride `yaml:"benchmarks,omitempty"`
	Schedule             *Schedule                    `yaml:"schedule,omitempty"`
	// Warehouse is the SQL warehouse that `run --warehouse` reads the tables from and
	// computes the per-customer results in, instead of the extract folder.
	Warehouse *Warehouse `yaml:"warehouse,omitempty"`
}

// Warehouse configures a SQL warehouse source.
//
// The DSN is a credential: it is never written in the config. It comes from the
// environment variable RECOVERYKPI_WAREHOUSE_DSN or from the file DSNFile, and is
// never recorded, logged or shown in an error.
type Warehouse struct {
	Dialect string `yaml:"dialect"`          // postgres, duckdb, trino, spark, bigquery, snowflake
	Schema  string `yaml:"schema,omitempty"` // the schema (dataset, database) holding the tables
	DSNFile string `yaml:"dsn_file,omitempty"`
	DSN     string `yaml:"-"`
}

// Definitions are the KPI parameters of SPEC §4.
type Definitions struct {
	RecoveryWindowDays  int     `yaml:"recovery_window_days"`
	LapseDays           int     `yaml:"lapse_days"`
	IntensiveCareDays   int     `yaml:"intensive_care_days"`
	RevenueLookbackDays int     `yaml:"revenue_lookback_days"`
	SatisfiedMinScore   float64 `yaml:"satisfied_min_score"`
	ScoreMin            float64 `yaml:"score_min"`
	ScoreMax            float64 `yaml:"score_max"`
}

// Quality holds the data-quality limits of SPEC §2.
type Quality struct {
	MaxInvalidShare float64 `yaml:"max_invalid_share"`
}

// Table maps one contract table to another path or other column names. Path is
// relative to the input folder.
type Table struct {
	Path string `yaml:"path,omitempty"`
	// Name is the table's name in the warehouse (`run --warehouse`), when it is not
	// the contract's.
	Name    string            `yaml:"name,omitempty"`
	Columns map[string]string `yaml:"columns,omitempty"`
}

// BenchmarkOverride overrides or adds industry benchmarks for one KPI.
type BenchmarkOverride struct {
	Industries map[string]float64 `yaml:"industries,omitempty"`
}

// Schedule configures `recoverykpi schedule`.
type Schedule struct {
	Cron       string   `yaml:"cron"`
	Timezone   string   `yaml:"timezone,omitempty"`
	WaitFor    string   `yaml:"wait_for,omitempty"`
	Retries    int      `yaml:"retries"`
	RetryDelay Duration `yaml:"retry_delay,omitempty"`
	Lock       *Lock    `yaml:"lock,omitempty"`
	// MetricsFile is a Prometheus text file for node_exporter's textfile collector.
	MetricsFile string  `yaml:"metrics_file,omitempty"`
	Notify      *Notify `yaml:"notify,omitempty"`
}

// Lock selects the cross-host lock of the scheduler.
//
// Postgres is a credential. It may be written inline or read from PostgresFile (one of
// the two): after Load, Postgres holds the effective value either way.
type Lock struct {
	Postgres     string `yaml:"postgres,omitempty"`
	PostgresFile string `yaml:"postgres_file,omitempty"`
}

// Notify configures the webhook called after runs.
//
// Webhook is a credential (chat services authenticate by its path). It may be written
// inline or read from WebhookFile (one of the two): after Load, Webhook holds the
// effective value either way.
type Notify struct {
	Webhook     string `yaml:"webhook,omitempty"`
	WebhookFile string `yaml:"webhook_file,omitempty"`
	OnSuccess   bool   `yaml:"on_success"`
}

// Duration is a time.Duration written as Go duration text ("10m", "1h30m").
type Duration time.Duration

// UnmarshalYAML parses Go duration text.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		// A TypeError lets yaml.v3 go on decoding, so the other problems are reported too.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a duration such as 10m or 1h", n.Line, s)}}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes Go duration text.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Default returns the configuration used when no file is given.
func Default() *Config {
	return &Config{
		Company:              "Example Retail",
		Industry:             contract.Retail,
		Currency:             "USD",
		Timezone:             "UTC",
		FiscalYearStartMonth: 1,
		Output:               "out",
		WorklistSize:         200,
		ExecutiveCalls:       10,
		Definitions: Definitions{
			RecoveryWindowDays: 90, LapseDays: 180, IntensiveCareDays: 180,
			RevenueLookbackDays: 365, SatisfiedMinScore: 4, ScoreMin: 1, ScoreMax: 5,
		},
		Quality: Quality{MaxInvalidShare: 0.01},
	}
}

// Load reads, decodes, defaults, resolves and validates the config file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	cfg, err := Parse(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes YAML onto the defaults, resolves relative paths against dir and
// validates the result.
func Parse(data []byte, dir string) (*Config, error) {
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var errs []error
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			// A syntax error: nothing after it was decoded.
			return nil, fmt.Errorf("%w: %s", ErrInvalid, yamlMessage(err))
		}
		// Unknown keys and wrong types: yaml.v3 decoded everything else, so validate
		// that too and report every problem at once.
		errs = append(errs, fmt.Errorf("%w: %s", ErrInvalid, yamlMessage(err)))
	}
	cfg.resolve(dir)
	if err := cfg.readSecrets(); err != nil {
		errs = append(errs, err)
	}
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// yamlMessage turns yaml.v3's "field x not found in type config.Config" into
// "unknown key x", keeping every line.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err.Error()
	}
	re := regexp.MustCompile(`field (\S+) not found in type \S+`)
	msgs := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		msgs[i] = re.ReplaceAllString(e, "unknown key $1")
	}
	return strings.Join(msgs, "; ")
}

func (c *Config) resolve(dir string) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) || dir == "" {
			return p
		}
		return filepath.Join(dir, p)
	}
	if !strings.Contains(c.Input, "://") { // an object-store URL is not a path
		c.Input = abs(c.Input)
	}
	c.Output = abs(c.Output)
	if w := c.Warehouse; w != nil && w.DSNFile != "" {
		w.DSNFile = abs(w.DSNFile)
	}
	if s := c.Schedule; s != nil {
		if s.MetricsFile != "" {
			s.MetricsFile = abs(s.MetricsFile)
		}
		if s.Lock != nil {
			s.Lock.PostgresFile = abs(s.Lock.PostgresFile)
		}
		if s.Notify != nil {
			s.Notify.WebhookFile = abs(s.Notify.WebhookFile)
		}
	}
}

// readSecrets reads the credentials kept in files (schedule.lock.postgres_file,
// schedule.notify.webhook_file) into the keys they stand for, trimmed of surrounding
// white space. A key given both inline and as a file is an error. Errors never quote
// the file's content.
func (c *Config) readSecrets() error {
	var errs []error
	if w := c.Warehouse; w != nil && w.DSNFile != "" {
		b, err := os.ReadFile(w.DSNFile)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%w: warehouse.dsn_file: %v", ErrInvalid, err))
		case strings.TrimSpace(string(b)) == "":
			errs = append(errs, fmt.Errorf("%w: warehouse.dsn_file: %s is empty", ErrInvalid, w.DSNFile))
		default:
			w.DSN = strings.TrimSpace(string(b))
		}
	}
	s := c.Schedule
	if s == nil {
		return errors.Join(errs...)
	}
	read := func(key, file string, inline *string) {
		if file == "" {
			return
		}
		if *inline != "" {
			errs = append(errs, fmt.Errorf("%w: schedule.%s and schedule.%s_file are both set; give one", ErrInvalid, key, key))
			return
		}
		b, err := os.ReadFile(file)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: schedule.%s_file: %v", ErrInvalid, key, err))
			return
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			errs = append(errs, fmt.Errorf("%w: schedule.%s_file: %s is empty", ErrInvalid, key, file))
			return
		}
		*inline = v
	}
	if s.Lock != nil {
		read("lock.postgres", s.Lock.PostgresFile, &s.Lock.Postgres)
	}
	if s.Notify != nil {
		read("notify.webhook", s.Notify.WebhookFile, &s.Notify.Webhook)
	}
	return errors.Join(errs...)
}

// Location returns the loaded time zone of the config (UTC when invalid; Validate
// reports that case).
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Validate checks every field and returns all problems joined.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...))
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		bad("timezone: %q is not a known IANA time zone", c.Timezone)
	}
	if c.FiscalYearStartMonth < 1 || c.FiscalYearStartMonth > 12 {
		bad("fiscal_year_start_month: %d is not a month 1..12", c.FiscalYearStartMonth)
	}
	if c.WorklistSize < 0 {
		bad("worklist_size: %d is negative", c.WorklistSize)
	}
	if c.ExecutiveCalls < 0 {
		bad("executive_calls: %d is negative", c.ExecutiveCalls)
	}
	if c.Currency == "" || len(c.Currency) != 3 || strings.ToUpper(c.Currency) != c.Currency {
		bad("currency: %q is not a three-letter ISO 4217 code such as USD or EUR", c.Currency)
	}
	if c.AsOf != "" {
		if _, err := time.Parse(time.RFC3339Nano, c.AsOf); err != nil {
			bad("as_of: %q is not an RFC 3339 time such as 2026-11-15T00:00:00Z", c.AsOf)
		}
	}
	d := c.Definitions
	for _, p := range []struct {
		name string
		v    int
	}{{"recovery_window_days", d.RecoveryWindowDays}, {"lapse_days", d.LapseDays}, {"intensive_care_days", d.IntensiveCareDays}, {"revenue_lookback_days", d.RevenueLookbackDays}} {
		if p.v <= 0 || p.v > 36500 {
			bad("definitions.%s: %d is not a number of days 1..36500", p.name, p.v)
		}
	}
	if !(d.ScoreMin < d.ScoreMax) {
		bad("definitions: score_min %v must be below score_max %v", d.ScoreMin, d.ScoreMax)
	}
	if d.SatisfiedMinScore < d.ScoreMin || d.SatisfiedMinScore > d.ScoreMax {
		bad("definitions.satisfied_min_score: %v is outside the score scale %v..%v", d.SatisfiedMinScore, d.ScoreMin, d.ScoreMax)
	}
	if w := c.Warehouse; w != nil && w.Dialect == "" {
		bad("warehouse.dialect: missing (postgres, duckdb, trino, spark, bigquery or snowflake)")
	}
	if c.Warehouse != nil && c.Input == "" && c.Schedule != nil && c.Schedule.WaitFor != "" {
		bad("schedule.wait_for: %q is a marker file in the input folder, and the source is the warehouse (no input): drop it", c.Schedule.WaitFor)
	}
	if q := c.Quality.MaxInvalidShare; q < 0 || q > 1 {
		bad("quality.max_invalid_share: %v is not a share 0..1", q)
	}
	for _, t := range slices.Sorted(maps.Keys(c.Tables)) {
		def, ok := contract.LookupTable(t)
		if !ok {
			bad("tables: unknown table %q (tables: %s)", t, strings.Join(contract.TableNames(), ", "))
			continue
		}
		cols := def.ColumnNames()
		m := c.Tables[t]
		if m.Path != "" && (filepath.IsAbs(m.Path) || strings.HasPrefix(filepath.Clean(m.Path), "..")) {
			bad("tables.%s.path: %q must be a path inside the input folder", t, m.Path)
		}
		for _, col := range slices.Sorted(maps.Keys(m.Columns)) {
			if !slices.Contains(cols, col) {
				bad("tables.%s.columns: unknown column %q (columns: %s)", t, col, strings.Join(cols, ", "))
			}
			if m.Columns[col] == "" {
				bad("tables.%s.columns.%s: empty column name", t, col)
			}
		}
	}
	industries := contract.Industries()
	var benchmarkKPIs []string
	for _, k := range contract.BenchmarkKPIs() {
		benchmarkKPIs = append(benchmarkKPIs, string(k))
	}
	for _, k := range slices.Sorted(maps.Keys(c.Benchmarks)) {
		if !slices.Contains(benchmarkKPIs, k) {
			bad("benchmarks: unknown KPI %q (KPIs with benchmarks: %s)", k, strings.Join(benchmarkKPIs, ", "))
		}
		for _, ind := range slices.Sorted(maps.Keys(c.Benchmarks[k].Industries)) {
			if contract.KPI(k) == contract.RecoveryRate && !slices.Contains(industries, ind) {
				industries = append(industries, ind)
			}
			if v := c.Benchmarks[k].Industries[ind]; v < 0 || v > 100 {
				bad("benchmarks.%s.industries.%s: %v is not a percentage 0..100", k, ind, v)
			}
		}
	}
	if c.Industry != "" && !slices.Contains(industries, c.Industry) {
		slices.Sort(industries)
		bad("industry: %q has no benchmark (known: %s; add one under benchmarks.recovery_rate.industries)", c.Industry, strings.Join(industries, ", "))
	}
	if s := c.Schedule; s != nil {
		if len(strings.Fields(s.Cron)) != 5 {
			bad("schedule.cron: %q is not a standard 5-field cron expression (minute hour day-of-month month day-of-week)", s.Cron)
		}
		if s.Timezone != "" {
			if _, err := time.LoadLocation(s.Timezone); err != nil {
				bad("schedule.timezone: %q is not a known IANA time zone", s.Timezone)
			}
		}
		if s.Retries < 0 {
			bad("schedule.retries: %d is negative", s.Retries)
		}
		if s.RetryDelay < 0 {
			bad("schedule.retry_delay: %v is negative", time.Duration(s.RetryDelay))
		} else if s.Retries > 0 && s.RetryDelay == 0 {
			bad("schedule.retry_delay: required when retries is %d (a duration such as 10m)", s.Retries)
		}
		if s.WaitFor != "" && (filepath.IsAbs(s.WaitFor) || strings.Contains(s.WaitFor, "..")) {
			bad("schedule.wait_for: %q must be a file name inside the input folder", s.WaitFor)
		}
		// Both keys are credentials: the messages quote them redacted.
		if s.Notify != nil && !(strings.HasPrefix(s.Notify.Webhook, "http://") || strings.HasPrefix(s.Notify.Webhook, "https://")) {
			bad("schedule.notify.webhook: %q is not an http(s) URL", shownSecret(s.Notify.Webhook, redact.Webhook))
		}
		if s.Lock != nil && s.Lock.Postgres != "" && !(strings.HasPrefix(s.Lock.Postgres, "postgres://") || strings.HasPrefix(s.Lock.Postgres, "postgresql://")) {
			bad("schedule.lock.postgres: %q is not a postgres:// URL", shownSecret(s.Lock.Postgres, redact.DSN))
		}
	}
	return errors.Join(errs...)
}

// shownSecret is a credential as a message may quote it: redacted, and "" when empty.
func shownSecret(v string, redacted func(string) string) string {
	if v == "" {
		return ""
	}
	return redacted(v)
}

// Recorded returns the recorded config (SPEC §6) as YAML (fixed key order) and its
// SHA-256 in hex: the part of the config that can change a published byte —
// definitions, benchmarks, table and column mapping, time zone, fiscal year, company,
// industry, currency, worklist sizes, quality limits. The manifest and the workbook's
// Audit sheet show it, and an edition's identity includes it.
//
// Left out: the schedule section (cron, lock, notification, metrics; every
// credential), the input and output folders (a path spelling changes no number; the
// manifest records the input folder apart, as input_root) and as_of (the manifest
// records the effective as_of apart). Every other key is recorded, so a key added to
// Config later is recorded unless it is left out here.
func (c *Config) Recorded() ([]byte, string, error) {
	rec := *c
	// The warehouse is where the tables are, like the input folder; the manifest
	// records it (dialect, host, database, schema) beside the SQL sent.
	rec.Input, rec.Output, rec.AsOf, rec.Schedule, rec.Warehouse = "", "", "", nil, nil
	return encode(&rec)
}

func encode(c *Config) ([]byte, string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, "", err
	}
	if err := enc.Close(); err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:]), nil
}
