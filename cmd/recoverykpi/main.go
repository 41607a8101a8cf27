// Command recoverykpi turns warehouse Parquet extracts into quarterly customer
// recovery scorecards. See README.md and `recoverykpi help`.
//
// main sets what is the process's own: the signals that end a command, the garbage
// collector's target, the standard streams and the environment variables. Everything
// else is in internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/recoverykpi/recoverykpi/internal/cli"
	"github.com/recoverykpi/recoverykpi/internal/gctarget"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if os.Getenv("GOGC") == "" {
		go gctarget.Govern(ctx)
	}
	code := cli.Run(ctx, os.Args[1:], &cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv})
	stop()
	os.Exit(code)
}
