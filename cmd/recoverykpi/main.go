// Command recoverykpi turns warehouse Parquet extracts into quarterly customer
// recovery scorecards. See README.md and `recoverykpi help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/recoverykpi/recoverykpi/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
