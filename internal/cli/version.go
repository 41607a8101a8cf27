package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/recoverykpi/recoverykpi"
)

func versionCommand(ctx context.Context, args []string, e *Env) error {
	fs := newFlags("version", e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "recoverykpi %s (%s)\n", recoverykpi.Version, runtime.Version())
	return nil
}
