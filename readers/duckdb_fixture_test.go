package readers

import (
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestWriteDuckDBFixtures writes files for a manual cross-check with DuckDB
// when RECOVERYKPI_FIXTURES names a folder.
func TestWriteDuckDBFixtures(t *testing.T) {
	dir := os.Getenv("RECOVERYKPI_FIXTURES")
	if dir == "" {
		t.Skip("RECOVERYKPI_FIXTURES not set")
	}
	writeArrow(t, dir, "int96.parquet", arrowOpts{int96: true}, c("t", tsUTC(arrow.Nanosecond), `[-1, 0, 1999, 1767225600123456789]`))
	writeArrow(t, dir, "nsutc.parquet", arrowOpts{}, c("t", tsUTC(arrow.Nanosecond), `[-1, -1000, -1001, 1999]`))
	writeArrow(t, dir, "nswall.parquet", arrowOpts{}, c("t", tsWall(arrow.Nanosecond), `[-1, -1000, -1001, 1999]`))
	writeArrow(t, dir, "mswall.parquet", arrowOpts{}, c("t", tsWall(arrow.Millisecond), `[-1, 0, 1]`))
	writeArrow(t, dir, "dec.parquet", arrowOpts{}, c("t", dec(38, 10), `["1234567890123456789.0123456789", "0.1", "9999999999999999999999999999.9999999999", "-0.0000000001"]`))
	writeArrow(t, dir, "dec18.parquet", arrowOpts{}, c("t", dec(18, 3), `["123456789012345.678", "9007199254740.993"]`))
	writeArrow(t, dir, "date.parquet", arrowOpts{}, c("t", arrow.FixedWidthTypes.Date32, `[-1, 0, 20520]`))
}
