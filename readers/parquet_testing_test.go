package readers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/recoverykpi/recoverykpi/internal/arrowcheck"
	"github.com/recoverykpi/recoverykpi/internal/duckdbtest"
)

// The files of apache/parquet-testing in testdata/parquet-testing (see its
// README for where each comes from).
const parquetTesting = "testdata/parquet-testing"

// copyFixture copies testdata/parquet-testing/name to dir/rel.
func copyFixture(t *testing.T, dir, name, rel string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(parquetTesting, name))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, rel, b)
}

// readLeaves reads every leaf column of the Parquet file p with the readers'
// own openParquet, under a checked allocator, as text by column name.
func readLeaves(t *testing.T, p string) map[string][]string {
	t.Helper()
	mem := arrowcheck.New()
	defer mem.AssertSize(t, 0)
	pf, err := openParquet(context.Background(), os.DirFS(filepath.Dir(p)), filepath.Base(p), mem, 1000, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.close()
	leaves := make([]int, pf.rdr.MetaData().Schema.NumColumns())
	for i := range leaves {
		leaves[i] = i
	}
	if err := pf.startRecords(context.Background(), leaves); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for {
		rec, err := pf.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for j, f := range rec.Schema().Fields() {
			a := rec.Column(j)
			for i := range a.Len() {
				if a.IsNull(i) {
					out[f.Name] = append(out[f.Name], "(null)")
					continue
				}
				var v string
				switch a := a.(type) {
				case *array.Binary:
					v = string(a.Value(i))
				case *array.Timestamp:
					v = strconv.FormatInt(int64(a.Value(i)), 10)
				case *array.Float64:
					v = strconv.FormatFloat(a.Value(i), 'g', -1, 64)
				default:
					v = a.ValueStr(i)
				}
				out[f.Name] = append(out[f.Name], v)
			}
		}
	}
	return out
}

// Parquet's deprecated LZ4 codec as parquet-mr writes it (Hadoop framing) and as
// old parquet-cpp wrote it (a bare block) decodes to the values DuckDB reads
// from the LZ4_RAW twin of the same rows (DuckDB cannot read codec LZ4 itself).
func TestHadoopLZ4(t *testing.T) {
	twin, err := filepath.Abs(filepath.Join(parquetTesting, "lz4_raw_compressed.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	rows := duckdbtest.Run(t, "SELECT c0::VARCHAR AS c0, c1::VARCHAR AS c1, v11 FROM "+duckdbtest.Quote(twin))
	want := map[string][]string{}
	for _, r := range rows {
		want["c0"] = append(want["c0"], r["c0"].(string))
		want["c1"] = append(want["c1"], r["c1"].(string))
		want["v11"] = append(want["v11"], strconv.FormatFloat(r["v11"].(float64), 'g', -1, 64))
	}
	if len(rows) != 4 || want["c1"][1] != "def" {
		t.Fatalf("DuckDB reads %v", rows)
	}
	for _, name := range []string{"hadoop_lz4_compressed.parquet", "non_hadoop_lz4_compressed.parquet"} {
		if got := readLeaves(t, filepath.Join(parquetTesting, name)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}

	// The larger file through the whole reader: 10,000 UUID strings, as
	// customers.customer_id (a BYTE_ARRAY STRING column a).
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	copyFixture(t, dir, "hadoop_lz4_compressed_larger.parquet", "customers/part-0")
	res := readTable(t, dir, "customers", Options{Tables: map[string]Mapping{"customers": {Columns: map[string]string{"customer_id": "a"}}}}, nil)
	ids := column(res.rows, "customer_id")
	if len(ids) != 10000 || res.quality.RowsSetAside != 0 {
		t.Fatalf("%d ids, %d set aside", len(ids), res.quality.RowsSetAside)
	}
	// the values arrow-rs's test_read_lz4_hadoop_large checks
	for i, w := range map[int]string{0: "c7ce6bef-d5b0-4863-b199-8ea8c7fb117b", 1: "e8fb9197-cb9f-4118-b67f-fbfa65f61843",
		9998: "ab52a0cc-c6bb-4d61-8a8f-166dc4b8b13c", 9999: "85440778-460a-41ac-aa2e-ac3ee41696bf"} {
		if ids[i] != w {
			t.Errorf("id %d = %v, want %s", i, ids[i], w)
		}
	}
	// every value: the SHA-256 of the 10,000 joined by "\n", as DuckDB reads
	// them from parquet-testing's lz4_raw_compressed_larger.parquet (the same
	// values, LZ4_RAW; not copied here for its 380 kB)
	var sb strings.Builder
	for i, id := range ids {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(id.(string))
	}
	sum := sha256.Sum256([]byte(sb.String()))
	if got := hex.EncodeToString(sum[:]); got != "8bdc169ff13bedce5f3d9d4e5dc4c9295fdb9e6331ce284c0418c15ed597a4aa" {
		t.Errorf("SHA-256 of the ids %s", got)
	}
}

// A page that is neither Hadoop frames nor one block of the page's length is an
// error, never a short or garbled page.
func TestHadoopLZ4RefusesOtherBytes(t *testing.T) {
	c := hadoopLZ4{}
	page := []byte(strings.Repeat("recovery ", 50))
	enc := c.Encode(nil, page)
	dst := make([]byte, len(page))
	if got, err := c.DecodeWithError(dst, enc); err != nil || string(got) != string(page) {
		t.Fatalf("round trip: %v", err)
	}
	for name, src := range map[string][]byte{
		"truncated":        enc[:len(enc)-3],
		"short page":       enc[:hadoopFrameHeader-1],
		"garbage":          []byte("\x00\x00\x01\xc2\x00\x00\x00\x05abcde"),
		"longer than page": c.Encode(nil, append(page, 'x')),
	} {
		if _, err := c.DecodeWithError(make([]byte, len(page)), src); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// arrow-go's writer with codec LZ4 (this codec: Hadoop framing), in many pages
// and row groups, reads back the same through the readers.
func TestHadoopLZ4RoundTripThroughArrowWriter(t *testing.T) {
	mem := memory.NewGoAllocator()
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := range 5000 {
		b.Append(fmt.Sprintf("customer-%05d", i))
	}
	ids := b.NewArray()
	defer ids.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{ids}, int64(ids.Len()))
	defer rec.Release()
	tbl := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	defer tbl.Release()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Lz4), parquet.WithDataPageSize(1024),
		parquet.WithDictionaryDefault(false))
	var buf bytes.Buffer
	if err := pqarrow.WriteTable(tbl, &buf, 1500, props, pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "customers.parquet", buf.Bytes())
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	res := readTable(t, dir, "customers", Options{BatchSize: 700}, nil)
	got := column(res.rows, "customer_id")
	if len(got) != 5000 || got[0] != "customer-00000" || got[4999] != "customer-04999" {
		t.Fatalf("%d ids", len(got))
	}
	for i, id := range got {
		if id != fmt.Sprintf("customer-%05d", i) {
			t.Fatalf("id %d = %v", i, id)
		}
	}
}
