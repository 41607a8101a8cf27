package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"github.com/recoverykpi/recoverykpi"
)

func versionCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "recoverykpi %s (%s)\n", recoverykpi.Version, runtime.Version())
	return nil
}
