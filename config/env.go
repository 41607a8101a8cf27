package config

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// EnvPrefix starts the name of every environment variable the program reads.
const EnvPrefix = "RECOVERYKPI_"

// EnvConfig names the config file when --config is not given. The command line reads
// it; ApplyEnv does not.
const EnvConfig = EnvPrefix + "CONFIG"

// EnvWarehouseDSN holds the connection string of the config's warehouse (a secret).
const EnvWarehouseDSN = EnvPrefix + "WAREHOUSE_DSN"

// EnvVar is one environment variable that sets a config key.
type EnvVar struct {
	Name   string // RECOVERYKPI_INPUT
	Key    string // the config key it sets: input, schedule.lock.postgres
	Secret bool   // its value is never printed, not even in an error
	set    func(c *Config, v string) error
}

// EnvVars lists the environment variables ApplyEnv reads, in the order it applies
// them: every top-level key an operator injects, then the two secrets. The README's
// table is checked against this list.
func EnvVars() []EnvVar {
	str := func(p func(*Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *p(c) = v; return nil }
	}
	num := func(p func(*Config) *int) func(*Config, string) error {
		return func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%q is not a whole number", v)
			}
			*p(c) = n
			return nil
		}
	}
	return []EnvVar{
		{Name: EnvPrefix + "COMPANY", Key: "company", set: str(func(c *Config) *string { return &c.Company })},
		{Name: EnvPrefix + "INDUSTRY", Key: "industry", set: str(func(c *Config) *string { return &c.Industry })},
		{Name: EnvPrefix + "CURRENCY", Key: "currency", set: str(func(c *Config) *string { return &c.Currency })},
		{Name: EnvPrefix + "TIMEZONE", Key: "timezone", set: str(func(c *Config) *string { return &c.Timezone })},
		{Name: EnvPrefix + "FISCAL_YEAR_START_MONTH", Key: "fiscal_year_start_month", set: num(func(c *Config) *int { return &c.FiscalYearStartMonth })},
		{Name: EnvPrefix + "INPUT", Key: "input", set: str(func(c *Config) *string { return &c.Input })},
		{Name: EnvPrefix + "OUTPUT", Key: "output", set: str(func(c *Config) *string { return &c.Output })},
		{Name: EnvPrefix + "AS_OF", Key: "as_of", set: str(func(c *Config) *string { return &c.AsOf })},
		{Name: EnvPrefix + "WORKLIST_SIZE", Key: "worklist_size", set: num(func(c *Config) *int { return &c.WorklistSize })},
		{Name: EnvPrefix + "EXECUTIVE_CALLS", Key: "executive_calls", set: num(func(c *Config) *int { return &c.ExecutiveCalls })},
		{Name: EnvPrefix + "LOCK_POSTGRES", Key: "schedule.lock.postgres", Secret: true, set: func(c *Config, v string) error {
			if !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
				return errors.New("not a postgres:// or postgresql:// URL (value not shown)")
			}
			if c.Schedule.Lock == nil {
				c.Schedule.Lock = &Lock{}
			}
			c.Schedule.Lock.Postgres = v
			return nil
		}},
		{Name: EnvWarehouseDSN, Key: "warehouse.dsn", Secret: true, set: func(c *Config, v string) error {
			c.Warehouse.DSN = v
			return nil
		}},
		{Name: EnvPrefix + "NOTIFY_WEBHOOK", Key: "schedule.notify.webhook", Secret: true, set: func(c *Config, v string) error {
			if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
				return errors.New("not an http(s) URL (value not shown)")
			}
			if c.Schedule.Notify == nil {
				c.Schedule.Notify = &Notify{}
			}
			c.Schedule.Notify.Webhook = v
			return nil
		}},
	}
}

// LoadWithEnv loads the config the way the command line does: from the file path
// (--config), else from the file named by RECOVERYKPI_CONFIG, else the defaults; the
// path "-" reads stdin, whose relative paths are then relative to the current folder.
// The RECOVERYKPI_* variables are applied over it (ApplyEnv). It returns the config
// and the path it came from ("" for the defaults).
func LoadWithEnv(path string, stdin io.Reader, getenv func(string) (string, bool)) (*Config, string, error) {
	if path == "" {
		path, _ = getenv(EnvConfig)
	}
	cfg := Default()
	var err error
	switch path {
	case "":
	case "-":
		if stdin == nil {
			return nil, "", fmt.Errorf("%w: config from standard input: none", ErrInvalid)
		}
		data, rerr := io.ReadAll(stdin)
		if rerr != nil {
			return nil, "", fmt.Errorf("%w: read standard input: %v", ErrInvalid, rerr)
		}
		if cfg, err = Parse(data, ""); err != nil {
			return nil, "", fmt.Errorf("standard input: %w", err)
		}
	default:
		if cfg, err = Load(path); err != nil {
			return nil, "", err
		}
	}
	if err := ApplyEnv(cfg, getenv); err != nil {
		return nil, "", err
	}
	return cfg, path, nil
}

// ApplyEnv sets the config keys given by RECOVERYKPI_* environment variables, read
// with getenv (os.LookupEnv in the program, a map in tests), on top of c as loaded
// from a file or the defaults; command-line flags are applied after it, so the
// precedence is flag > environment > file > default. A variable that is unset or
// empty changes nothing. Relative paths (RECOVERYKPI_INPUT, RECOVERYKPI_OUTPUT) are
// relative to the current folder, like the flags'. The secrets (schedule.lock.postgres,
// schedule.notify.webhook) apply only when the config has a schedule: section, the
// warehouse's DSN only when it has a warehouse: section.
//
// The result is validated as a file is: every problem is reported at once, each
// naming its variable, and wraps ErrInvalid. A secret's value never appears in an
// error. On error c may be partly changed.
func ApplyEnv(c *Config, getenv func(string) (string, bool)) error {
	seen := problems(c.Validate())
	var errs []error
	for _, ev := range EnvVars() {
		v, ok := getenv(ev.Name)
		if !ok || v == "" || (strings.HasPrefix(ev.Key, "schedule.") && c.Schedule == nil) ||
			(strings.HasPrefix(ev.Key, "warehouse.") && c.Warehouse == nil) {
			continue
		}
		if err := ev.set(c, v); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s (%s): %v", ErrInvalid, ev.Name, ev.Key, err))
			continue
		}
		// The problems Validate finds now and did not before are this variable's.
		for _, p := range problems(c.Validate()) {
			if slices.Contains(seen, p) {
				continue
			}
			seen = append(seen, p)
			if ev.Secret {
				p = "not accepted (value not shown)"
			} else {
				p = strings.TrimPrefix(p, ErrInvalid.Error()+": ")
			}
			errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalid, ev.Name, p))
		}
	}
	return errors.Join(errs...)
}

// problems lists the messages of the errors joined in err.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, problems(e)...)
		}
		return out
	}
	return []string{err.Error()}
}
