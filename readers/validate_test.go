package readers

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

func TestValidationReasons(t *testing.T) {
	dir := t.TempDir()
	// purchases over two files; a row that is both missing and duplicate
	// counts as missing; duplicates across files; "" is a key like any other.
	writeArrow(t, dir, "purchases/dt=2026-01-01/part-0.parquet", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, `["a",  null, "",   "d",  "e",   "f",  "g",  "h",  "i"]`),
		c("purchased_at", tsUTC(arrow.Microsecond), `[0, 1, 2, -1, 7258118400000000, 7258118399999999, 5, 6, null]`),
		c("amount", arrow.PrimitiveTypes.Float64, `[1, 1, 1, 1, 1, 1, 1, 1, 1]`),
		c("order_id", arrow.BinaryTypes.String, `["o1", "o2", "o3", "o4", "o5", "o6", "", "", null]`))
	writeArrow(t, dir, "purchases/dt=2026-01-02/part-0.parquet", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, `["j", "k", null, "m", "n"]`),
		c("purchased_at", tsUTC(arrow.Nanosecond), `[1000, -1, 3000, 4000, 5000]`),
		c("amount", arrow.PrimitiveTypes.Float64, `[1, 1, 1, 1, 1]`),
		c("order_id", arrow.BinaryTypes.String, `["o1", "o9", "o6", null, null]`))
	// NaN and ±Inf cannot be written as Arrow JSON: write them with parquet-go.
	type row struct {
		CustomerID  string  `parquet:"customer_id"`
		PurchasedAt int64   `parquet:"purchased_at,timestamp(microsecond)"`
		Amount      float64 `parquet:"amount"`
		OrderID     *string `parquet:"order_id,optional"`
	}
	s := func(v string) *string { return &v }
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []row{
		{"p", 10, nan(), s("o10")}, {"q", 11, inf(1), s("o11")}, {"r", 12, inf(-1), nil}, {"s", 13, -0.5, s("o13")},
	}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "purchases/dt=2026-01-03/part-0.parquet", buf.Bytes())
	writeFile(t, dir, "purchases/_SUCCESS", nil)
	writeFile(t, dir, "purchases/dt=2026-01-03/.part-0.parquet.crc", []byte("x"))
	writeFile(t, dir, "purchases/_temporary/part-9.parquet", []byte("not parquet"))

	res := readTable(t, dir, "purchases", Options{}, nil)
	wantReasons := map[string]int64{
		"missing customer_id":         3, // null, "", null (a duplicate of o6 too)
		"missing purchased_at":        1,
		contract.ReasonTimestampRange: 3, // -1 µs, 2200-01-01, -1 ns
		contract.ReasonNotFinite:      3,
		contract.ReasonDuplicateKey:   2, // "" twice, o1 across files
	}
	if !reflect.DeepEqual(res.quality.ByReason, wantReasons) {
		t.Errorf("by reason = %v, want %v", res.quality.ByReason, wantReasons)
	}
	if res.quality.RowsRead != 18 || res.quality.RowsSetAside != 12 {
		t.Errorf("read %d, set aside %d; want 18, 12", res.quality.RowsRead, res.quality.RowsSetAside)
	}
	if got, want := column(res.rows, "customer_id"), []any{"a", "f", "g", "m", "n", "s"}; !reflect.DeepEqual(got, want) {
		t.Errorf("delivered customers %v, want %v", got, want)
	}
	wantFiles := []contract.FileQuality{
		{Path: "purchases/dt=2026-01-01/part-0.parquet", RowsRead: 9, RowsSetAside: 6},
		{Path: "purchases/dt=2026-01-02/part-0.parquet", RowsRead: 5, RowsSetAside: 3},
		{Path: "purchases/dt=2026-01-03/part-0.parquet", RowsRead: 4, RowsSetAside: 3},
	}
	for i := range res.quality.Files {
		res.quality.Files[i].Size = 0
	}
	if !reflect.DeepEqual(res.quality.Files, wantFiles) {
		t.Errorf("files = %+v, want %+v", res.quality.Files, wantFiles)
	}
	ex := res.quality.Examples[contract.ReasonDuplicateKey]
	if len(ex) != 2 || ex[0].Row != 7 || ex[0].Values["order_id"] != "" || ex[1].File != "purchases/dt=2026-01-02/part-0.parquet" || ex[1].Row != 0 {
		t.Errorf("duplicate examples = %+v", ex)
	}

	// set-aside rows, as writers/quarantine writes them
	sa := res.setAside
	if names := []string{sa.Columns[0].Name, sa.Columns[1].Name}; names[0] != contract.CustomerID || names[1] != contract.PurchasedAt {
		t.Fatalf("set-aside columns %+v", sa.Columns)
	}
	type brief struct{ cust, reason, file string }
	var got []brief
	for i := range sa.Len() {
		cust := "<null>"
		if sa.Valid(0, i) {
			cust = sa.Text(0, i)
		}
		file, _ := sa.SourceFile(i)
		got = append(got, brief{cust, sa.Reason(i), file})
	}
	f1, f2, f3 := wantFiles[0].Path, wantFiles[1].Path, wantFiles[2].Path
	want := []brief{
		{"<null>", "missing customer_id", f1}, {"", "missing customer_id", f1}, {"d", contract.ReasonTimestampRange, f1},
		{"e", contract.ReasonTimestampRange, f1}, {"h", contract.ReasonDuplicateKey, f1}, {"i", "missing purchased_at", f1},
		{"j", contract.ReasonDuplicateKey, f2}, {"k", contract.ReasonTimestampRange, f2}, {"<null>", "missing customer_id", f2},
		{"p", contract.ReasonNotFinite, f3}, {"q", contract.ReasonNotFinite, f3}, {"r", contract.ReasonNotFinite, f3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("quarantine rows\n got %v\nwant %v", got, want)
	}
	if !sa.Valid(1, 2) || sa.Micros(1, 2) != -1 || !sa.Valid(1, 7) || sa.Micros(1, 7) != -1 {
		t.Errorf("set-aside timestamps of d and k are not -1 µs")
	}
}

func TestValidationOffersAndBoundaries(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	writeArrow(t, dir, "offers.parquet", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, `["a", "b", "c", "d", "e"]`),
		c("issued_at", tsUTC(arrow.Microsecond), `[10, 10, 10, 10, 10]`),
		c("face_value", arrow.PrimitiveTypes.Float64, `[1, null, 1, 1, 1]`),
		c("redeemed_at", tsUTC(arrow.Microsecond), `[9, 10, null, 11, 9]`),
		c("expires_at", tsUTC(arrow.Microsecond), `[1, 2, 7258118400000000, 3, 4]`),
		c("offer_id", arrow.PrimitiveTypes.Int64, `[1, 2, 3, 4, 1]`))
	res := readTable(t, dir, "offers", Options{}, []string{"customer_id"})
	want := map[string]int64{contract.ReasonRedeemedBefore: 2, contract.ReasonTimestampRange: 1}
	if !reflect.DeepEqual(res.quality.ByReason, want) {
		t.Errorf("by reason = %v, want %v", res.quality.ByReason, want)
	}
	// only the requested column is delivered; validation read the others
	if res.schema.NumFields() != 1 || res.schema.Field(0).Name != "customer_id" {
		t.Errorf("schema = %s", res.schema)
	}
	if got := column(res.rows, "customer_id"); !reflect.DeepEqual(got, []any{"b", "d"}) {
		t.Errorf("delivered %v", got)
	}
	// the set-aside rows carry every column read
	if n := len(res.setAside.Columns); n != 6 { // all but the absent offer_type
		t.Errorf("set-aside columns = %d, want 6", n)
	}
}

func TestScoreBoundaries(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	writeArrow(t, dir, "surveys.parquet", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, `["a", "b", "c", "d", "e"]`),
		c("responded_at", tsUTC(arrow.Microsecond), `[1, 1, 1, 1, 1]`),
		c("score", arrow.PrimitiveTypes.Float64, `[0, 0.9999, 10, 10.0001, null]`))
	res := readTable(t, dir, "surveys", Options{ScoreMin: 0, ScoreMax: 10}, nil)
	want := map[string]int64{contract.ReasonScoreRange: 1, "missing score": 1}
	if !reflect.DeepEqual(res.quality.ByReason, want) {
		t.Errorf("by reason = %v, want %v", res.quality.ByReason, want)
	}
	if got := column(res.rows, "score"); !reflect.DeepEqual(got, []any{0.0, 0.9999, 10.0}) {
		t.Errorf("scores %v", got)
	}
}

func TestDuplicateIntegerKeysAcrossTypes(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	writeArrow(t, dir, "customers/a.parquet", arrowOpts{}, c("customer_id", arrow.PrimitiveTypes.Int32, `[1, 2, 3]`))
	writeArrow(t, dir, "customers/b.parquet", arrowOpts{}, c("customer_id", arrow.PrimitiveTypes.Uint64, `[3, 18446744073709551615, 18446744073709551615]`))
	writeArrow(t, dir, "customers/c.parquet", arrowOpts{}, c("customer_id", dec(38, 0), `["2", "18446744073709551615", "4"]`))
	res := readTable(t, dir, "customers", Options{}, nil)
	if got := res.quality.ByReason[contract.ReasonDuplicateKey]; got != 4 {
		t.Errorf("duplicates = %d, want 4", got)
	}
	if got := column(res.rows, "customer_id"); !reflect.DeepEqual(got, []any{"1", "2", "3", "18446744073709551615", "4"}) {
		t.Errorf("delivered %v", got)
	}
}

func TestBatchSizeAndEOF(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{rowGroup: 3},
		c("customer_id", arrow.BinaryTypes.String, `["a","b","c","d","e","f","g"]`),
		c("purchased_at", tsUTC(arrow.Microsecond), `[1,2,3,4,5,6,7]`),
		c("amount", arrow.PrimitiveTypes.Float64, `[1,2,3,4,5,6,7]`))
	res := readTable(t, dir, "purchases", Options{BatchSize: 2}, nil)
	if len(res.rows) != 7 {
		t.Fatalf("rows %d", len(res.rows))
	}
	ex, err := Discover(t.Context(), osDirFS(dir), Options{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ex.Table("purchases").Open(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		rec, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.NumRows() > 2 {
			t.Errorf("batch of %d rows", rec.NumRows())
		}
		rec.Release()
	}
	if _, err := r.Next(t.Context()); !errors.Is(err, io.EOF) {
		t.Errorf("after EOF: %v", err)
	}
}
