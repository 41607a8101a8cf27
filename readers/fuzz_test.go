package readers

import (
	"bytes"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"
)

// FuzzReadParquet feeds mutated Parquet bytes to Discover, Open and Next as
// the purchases table: errors are fine, panics, hangs and internal errors
// (ErrInternal: a panic in our own code) are not. The seed
// corpus is in testdata/fuzz/FuzzReadParquet.
//
//	go test ./readers -run '^$' -fuzz FuzzReadParquet -fuzztime 60s -fuzzminimizetime 50x
//
// Without -fuzzminimizetime the fuzzer spends its time minimizing every new
// input (up to 60 s each; these inputs are kilobytes): at 0 execs/s.
func FuzzReadParquet(f *testing.F) {
	seeds := [][]col{
		basePurchases(c("order_id", arrow.PrimitiveTypes.Int64, `[1, 1, null]`)),
		basePurchases(c("purchased_at", tsWall(arrow.Nanosecond), `[1, -1, null]`)),
		basePurchases(c("amount", dec(20, 4), `["1.5", null, "-3"]`)),
		basePurchases(c("customer_id", dict, `["a", null, "a"]`)),
	}
	for i, s := range seeds {
		b, err := arrowBytes(arrowOpts{storeSchema: i%2 == 1, int96: i == 2, rowGroup: 2}, s...)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	type row struct {
		CustomerID  string  `parquet:"customer_id,dict"`
		PurchasedAt int64   `parquet:"purchased_at,timestamp(millisecond)"`
		Amount      float32 `parquet:"amount"`
		OrderID     *string `parquet:"order_id,optional"`
	}
	var buf bytes.Buffer
	s := "o"
	if err := parquet.Write(&buf, []row{{"a", 1, 1, &s}, {"b", 2, -1, nil}, {"", 3, 0, &s}}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"purchases.parquet": {Data: data}}
		if err := readAllFS(t, fsys); errors.Is(err, ErrInternal) {
			t.Fatalf("a corrupt file is reported as an internal error: %v", err)
		}
	})
}
