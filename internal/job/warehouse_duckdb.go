//go:build recoverykpi_duckdb

package job

import (
	"context"

	"github.com/recoverykpi/recoverykpi/warehouse/duckdb"
)

// duckdbBuilt: this build runs the warehouse SQL on DuckDB (-tags recoverykpi_duckdb).
const duckdbBuilt = true

// openDuckDB opens the DuckDB database file of dsn read only.
func openDuckDB(ctx context.Context, dsn string, setup []string) (warehouseConn, error) {
	return duckdb.Open(ctx, dsn, setup)
}
