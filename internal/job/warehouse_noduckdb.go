//go:build !recoverykpi_duckdb

package job

import (
	"context"
	"fmt"

	"github.com/recoverykpi/recoverykpi/config"
)

// duckdbBuilt: this build does not run DuckDB (it needs -tags recoverykpi_duckdb and
// cgo); openWarehouse refuses the dialect first.
const duckdbBuilt = false

func openDuckDB(context.Context, string, []string) (warehouseConn, error) {
	return nil, fmt.Errorf("%w: warehouse.dialect duckdb: built without -tags recoverykpi_duckdb", config.ErrInvalid)
}
