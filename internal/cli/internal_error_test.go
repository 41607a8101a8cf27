package cli

import (
	"bytes"
	"context"
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
	if !strings.Contains(err.Error(), "panic in boom") || !strings.Contains(err.Error(), "internal_error_test.go") {
		t.Errorf("the error names neither the command nor the stack:\n%v", err)
	}
	if got := ExitCode(err); got != ExitFailure {
		t.Errorf("exit status %d, want %d", got, ExitFailure)
	}
	if got := scheduleKind(err); got != schedule.KindInternal {
		t.Errorf("scheduler kind %q, want %q", got, schedule.KindInternal)
	}
}
