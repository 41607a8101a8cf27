package config

import (
	"errors"
	"strings"
	"testing"
)

func TestScheduleValidation(t *testing.T) {
	cases := []struct {
		name, schedule, want string // want "" = valid
	}{
		{"spec example", `{cron: "0 6 5 1,4,7,10 *", timezone: Europe/Berlin, wait_for: _SUCCESS, retries: 3, retry_delay: 10m}`, ""},
		{"no retries, no delay", `{cron: "* * * * *"}`, ""},
		{"six fields", `{cron: "0 0 6 * * *"}`, "schedule.cron"},
		{"empty cron", `{timezone: UTC}`, "schedule.cron"},
		{"bad zone", `{cron: "* * * * *", timezone: Mars/Olympus}`, "schedule.timezone"},
		{"retries without delay", `{cron: "* * * * *", retries: 3}`, "schedule.retry_delay: required"},
		{"bad delay", `{cron: "* * * * *", retries: 3, retry_delay: soon}`, "not a duration"},
		{"marker outside the input", `{cron: "* * * * *", wait_for: ../_SUCCESS}`, "schedule.wait_for"},
		{"webhook not a URL", `{cron: "* * * * *", notify: {webhook: hooks.internal}}`, "schedule.notify.webhook"},
		{"lock not a postgres URL", `{cron: "* * * * *", lock: {postgres: "mysql://x"}}`, "schedule.lock.postgres"},
		{"unknown key", `{cron: "* * * * *", jitter: 5m}`, "unknown key jitter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte("schedule: "+tc.schedule+"\n"), "")
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case tc.want != "" && (err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an ErrInvalid naming %q", err, tc.want)
			}
		})
	}
}
