package cli

import (
	"context"
	"fmt"

	"github.com/recoverykpi/recoverykpi/generate"
)

func generateCommand(ctx context.Context, args []string, e *Env) error {
	fs := newFlags("generate", e)
	out := fs.String("output", "", "folder to write the extract set to (`DIR`)")
	customers := fs.Int("customers", 2000, "number of customers (`N`)")
	seed := fs.Int64("seed", 1, "random seed (`S`); the same seed gives the same bytes")
	var ff formatFlags
	ff.register(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := ff.setup(e); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: --output is required", ErrUsage)
	}
	if *customers < 1 {
		return fmt.Errorf("%w: --customers: %d is not a positive number", ErrUsage, *customers)
	}
	sum, err := generate.Write(ctx, *out, generate.Options{Customers: *customers, Seed: *seed})
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range sum.Tables {
		fmt.Fprintf(e.Stdout, "%-10s %10d rows in %d file(s)\n", t.Table, t.Rows, t.Files)
		rows += int64(t.Rows)
	}
	e.log.Info("generate: extract set written", "command", "generate", "output", *out, "customers", *customers, "seed", *seed, "rows", rows)
	return nil
}
