package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/internal/schedule"
)

// TestPanicIsAnInternalError checks that a bug in a command's own code is reported as
// an internal error with its stack, exit status 1, and that the scheduler does not
// retry it: never the runtime's exit status 2 (bad usage) nor an extract still landing.
func TestPanicIsAnInternalError(t *testing.T) {
	var stderr bytes.Buffer
	e := &Env{Stdout: io.Discard, Stderr: &stderr}
	c := command{name: "boom", run: func(context.Context, []string, *Env) error {
		var m map[string]*int
		return errors.New(string(rune(*m["x"]))) // a nil dereference
	}}
	err := runGuarded(context.Background(), c, nil, e)
	if !errors.Is(err, ErrInternal) {
		t.Fatalf("err = %v, want ErrInternal", err)
	}
	if !strings.Contains(err.Error(), "panic in boom") || !strings.Contains(err.Error(), "robustness_test.go") {
		t.Errorf("the error names neither the command nor the stack:\n%v", err)
	}
	if got := ExitCode(err); got != ExitFailure {
		t.Errorf("exit status %d, want %d", got, ExitFailure)
	}
	if got := scheduleKind(err); got != schedule.KindInternal {
		t.Errorf("scheduler kind %q, want %q", got, schedule.KindInternal)
	}
}

// TestGenerateLogsJSON checks that generate, like every command that does work, takes
// --log-format json and writes its log line as one JSON object.
func TestGenerateLogsJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	e := &Env{Stdout: &stdout, Stderr: &stderr}
	if code := Run(context.Background(), []string{"generate", "--output", t.TempDir(), "--customers", "20", "--log-format", "json"}, e); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var rec map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(stderr.Bytes()), &rec); err != nil {
		t.Fatalf("stderr is not one JSON object: %v\n%s", err, stderr.String())
	}
	if rec["command"] != "generate" || rec["level"] != "INFO" {
		t.Errorf("log record %v", rec)
	}
	if !strings.Contains(stdout.String(), "purchases") {
		t.Errorf("stdout lacks the tables written:\n%s", stdout.String())
	}
}
