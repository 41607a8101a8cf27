package readers

import (
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// TestIntegerKeyNotDelivered checks that an integer key that only validation
// reads (kept as integers, its text made for set-aside rows only) sets the same
// rows aside, with the same text, as when the key is delivered as text.
func TestIntegerKeyNotDelivered(t *testing.T) {
	for _, dt := range []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Int8} {
		t.Run(dt.String(), func(t *testing.T) {
			dir := t.TempDir()
			ids := `[7, 8, 7, null, 9, 8, 0, 0, 100]`
			if dt.ID() == arrow.INT64 || dt.ID() == arrow.INT32 || dt.ID() == arrow.INT8 {
				ids = `[7, 8, 7, null, -9, 8, 0, -9, 100]`
			}
			writeArrow(t, dir, "purchases.parquet", arrowOpts{},
				c("customer_id", arrow.BinaryTypes.String, `["a", "b", "c", "d", "e", "", "g", "h", "i"]`),
				c("purchased_at", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, `["2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"]`),
				c("amount", arrow.PrimitiveTypes.Float64, `[1, 2, 3, 4, 5, 6, 7, 8, 9]`),
				c("order_id", dt, ids))
			raw := readTable(t, dir, "purchases", Options{BatchSize: 4}, []string{"customer_id", "amount"})
			text := readTable(t, dir, "purchases", Options{BatchSize: 4}, nil)
			if !reflect.DeepEqual(raw.quality, text.quality) {
				t.Errorf("quality differs:\n raw  %+v\n text %+v", raw.quality, text.quality)
			}
			if !reflect.DeepEqual(raw.setAside, text.setAside) {
				t.Errorf("set-aside rows differ:\n raw  %+v\n text %+v", raw.setAside, text.setAside)
			}
			if raw.quality.ByReason[contract.ReasonDuplicateKey] != 2 {
				t.Errorf("duplicates: %v, want 2", raw.quality.ByReason)
			}
			if len(raw.rows) != len(text.rows) {
				t.Errorf("delivered %d rows, want %d", len(raw.rows), len(text.rows))
			}
		})
	}
}
