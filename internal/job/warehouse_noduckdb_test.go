//go:build !recoverykpi_duckdb

package job_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/internal/job"
)

// A dialect this build does not execute is bad usage (exit status 2) naming what
// would: DuckDB names its build tag; Trino says which dialects run. No connection is
// tried.
func TestWarehouseDialectNotBuilt(t *testing.T) {
	for dialect, want := range map[string]string{
		"duckdb": "-tags recoverykpi_duckdb",
		"trino":  "PostgreSQL and DuckDB only",
	} {
		cfg, err := config.Parse([]byte("warehouse: {dialect: "+dialect+", schema: s}\n"), "")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Warehouse.DSN = "/nonexistent/warehouse.db"
		ctx := context.Background()
		j, err := job.Open(job.Options{Loaded: cfg, Output: t.TempDir(), Warehouse: true, Context: ctx})
		if err == nil {
			_, err = j.Load(ctx)
			j.Close()
		}
		if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("dialect %s: %v, want bad usage saying %q", dialect, err, want)
		}
	}
}
