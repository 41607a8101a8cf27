package redact

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDSN(t *testing.T) {
	for _, c := range []struct{ in, want, secret string }{
		{"postgres://scheduler:S3cr3t@db/recovery", "postgres://scheduler:REDACTED@db/recovery", "S3cr3t"},
		{"postgres://scheduler@db/recovery?sslmode=verify-full", "postgres://scheduler@db/recovery?sslmode=verify-full", ""},
		{"postgres://u@db/x?password=S3cr3t&sslmode=require", "postgres://u@db/x?password=REDACTED&sslmode=require", "S3cr3t"},
		{"postgresql://u:p%40ss@db:5432/x", "postgresql://u:REDACTED@db:5432/x", "p%40ss"},
		{"host=db user=u password=S3cr3t dbname=x", "host=db user=u password=REDACTED dbname=x", "S3cr3t"},
		{"host=db password='S3 cr3t' dbname=x", "host=db password=REDACTED dbname=x", "cr3t"},
		{"plain-secret-token", "REDACTED", "plain-secret-token"},
		{"", "", ""},
	} {
		got := DSN(c.in)
		if got != c.want {
			t.Errorf("DSN(%q) = %q, want %q", c.in, got, c.want)
		}
		if c.secret != "" && strings.Contains(got, c.secret) {
			t.Errorf("DSN(%q) = %q still holds the secret", c.in, got)
		}
	}
}

func TestWebhook(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://hooks.slack.com/services/T000/B000/XXXXSECRET", "https://hooks.slack.com/REDACTED"},
		{"https://hooks.internal/recoverykpi?token=abc", "https://hooks.internal/REDACTED"},
		{"https://hooks.internal", "https://hooks.internal"},
		{"not a url", "REDACTED"},
	} {
		if got := Webhook(c.in); got != c.want {
			t.Errorf("Webhook(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestString(t *testing.T) {
	dsn := "postgres://scheduler:S3cr3t@db/recovery"
	msg := `cannot parse "postgres://scheduler:S3cr3t@db/recovery": failed to connect with password S3cr3t`
	got := String(msg, dsn, "")
	if strings.Contains(got, "S3cr3t") {
		t.Errorf("String kept the password: %q", got)
	}
	if !strings.Contains(got, "postgres://scheduler:REDACTED@db/recovery") {
		t.Errorf("String lost the context: %q", got)
	}
	hook := "https://hooks.internal/recoverykpi?token=abc123"
	got = String(`Post "https://hooks.internal/recoverykpi?token=abc123": dial tcp: refused`, hook)
	if strings.Contains(got, "abc123") || !strings.Contains(got, "https://hooks.internal/REDACTED") {
		t.Errorf("String kept the token: %q", got)
	}
	slack := "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
	if got := String("post "+slack+" failed", slack); strings.Contains(got, "XXXXSECRET") {
		t.Errorf("String kept the webhook path: %q", got)
	}
}

func TestError(t *testing.T) {
	if Error(nil, "x") != nil {
		t.Error("Error(nil) is not nil")
	}
	base := errors.New("boom")
	dsn := "postgres://u:S3cr3t@db/x"
	err := Error(fmt.Errorf("connect %s: %w", dsn, base), dsn)
	if strings.Contains(err.Error(), "S3cr3t") || !strings.Contains(err.Error(), "postgres://u:REDACTED@db/x") {
		t.Errorf("Error = %q", err)
	}
	if !errors.Is(err, base) {
		t.Error("the redacted error does not wrap the original")
	}
	if plain := fmt.Errorf("no secret: %w", base); Error(plain, dsn) != plain {
		t.Error("an error without the secret is not returned as is")
	}
}
