package config

import (
	"net/url"
	"os"
	"strings"

	"github.com/recoverykpi/recoverykpi/internal/redact"
)

// Warnings returns what is insecure but valid in the config, one sentence each, for
// the scheduler's log at start and stderr of the other commands:
//   - a webhook over http:// sends its token (the URL itself) in clear text;
//   - a PostgreSQL lock without sslmode=verify-full, verify-ca or require: pgx's
//     default, prefer, falls back to an unencrypted connection and checks no
//     certificate. PGSSLMODE, which pgx reads when the URL has no sslmode, counts.
//
// Credentials appear redacted.
func (c *Config) Warnings() []string {
	s := c.Schedule
	if s == nil {
		return nil
	}
	var out []string
	if s.Notify != nil && strings.HasPrefix(strings.ToLower(s.Notify.Webhook), "http://") {
		out = append(out, "schedule.notify.webhook "+redact.Webhook(s.Notify.Webhook)+" is http://, not https://: its token and every run record cross the network in clear text")
	}
	if s.Lock != nil && s.Lock.Postgres != "" {
		mode := ""
		if u, err := url.Parse(s.Lock.Postgres); err == nil {
			mode = u.Query().Get("sslmode")
		}
		if mode == "" {
			mode = os.Getenv("PGSSLMODE")
		}
		switch mode {
		case "verify-full", "verify-ca", "require":
		default:
			shown := mode
			if shown == "" {
				shown = "not set, so pgx's default prefer"
			}
			out = append(out, "schedule.lock.postgres "+redact.DSN(s.Lock.Postgres)+": sslmode is "+shown+
				", which may connect without TLS and checks no certificate; add ?sslmode=verify-full (or require) to the URL")
		}
	}
	return out
}
