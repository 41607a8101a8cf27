package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Every command answers -h with its usage line and flags, exit 0, and a bad
// flag with one error line naming it, exit 2.
func TestCommandHelpAndBadFlag(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := Main(context.Background(), []string{c.name, "-h"}, &out, &errb); code != ExitOK {
				t.Fatalf("-h: exit %d, stderr %q", code, errb.String())
			}
			if !strings.HasPrefix(errb.String(), "usage: recoverykpi "+c.name) {
				t.Errorf("-h printed %q, want the usage of %s", errb.String(), c.name)
			}
			if c.name != "version" && !strings.Contains(errb.String(), "\n  -") {
				t.Errorf("-h printed no flags: %q", errb.String())
			}
			out.Reset()
			errb.Reset()
			if code := Main(context.Background(), []string{c.name, "--no-such-flag"}, &out, &errb); code != ExitUsage {
				t.Fatalf("bad flag: exit %d, want %d", code, ExitUsage)
			}
			if got := errb.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "no-such-flag") {
				t.Errorf("bad flag reported as %q, want one line naming it", got)
			}
		})
	}
}
