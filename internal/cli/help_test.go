package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Every command answers -h on stdout with its usage line, flags, examples and the
// exit statuses, exit 0, and a bad flag with one error line on stderr naming it,
// exit 2.
func TestCommandHelpAndBadFlag(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := Main(context.Background(), []string{c.name, "-h"}, &out, &errb); code != ExitOK {
				t.Fatalf("-h: exit %d, stderr %q", code, errb.String())
			}
			help := out.String()
			if !strings.HasPrefix(help, "usage: recoverykpi "+c.name) || errb.Len() > 0 {
				t.Errorf("-h printed %q on stdout and %q on stderr, want the usage of %s on stdout", help, errb.String(), c.name)
			}
			if c.name != "version" && !strings.Contains(help, "\n  -") {
				t.Errorf("-h printed no flags: %q", help)
			}
			for _, want := range []string{"\nexamples:\n  recoverykpi " + c.name, "\nexit status:\n  0  success", "\n  4  an output exists"} {
				if !strings.Contains(help, want) {
					t.Errorf("-h does not show %q:\n%s", want, help)
				}
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
