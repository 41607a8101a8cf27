package readers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recoverykpi/recoverykpi/internal/arrowcheck"
)

// writePurchaseParts writes files parts of rows rows each under purchases/,
// with customer ids c<file>-<row>.
func writePurchaseParts(t *testing.T, dir string, files, rows int) {
	t.Helper()
	for f := range files {
		ids, ts := make([]string, rows), make([]string, rows)
		for i := range rows {
			ids[i] = fmt.Sprintf(`"c%d-%d"`, f, i)
			ts[i] = fmt.Sprint(f*rows + i)
		}
		writeArrow(t, dir, fmt.Sprintf("purchases/part-%d.parquet", f), arrowOpts{rowGroup: 5},
			c("customer_id", arrow.BinaryTypes.String, "["+strings.Join(ids, ",")+"]"),
			c("purchased_at", tsUTC(arrow.Microsecond), "["+strings.Join(ts, ",")+"]"),
			c("amount", arrow.PrimitiveTypes.Float64, "["+strings.Join(ts, ",")+"]"))
	}
}

// The decoder runs ahead of Next on its own goroutine; the batches still come
// in file and row order, and the file of each is the one Quality names.
func TestDecodeAheadKeepsOrder(t *testing.T) {
	dir := t.TempDir()
	writePurchaseParts(t, dir, 4, 9)
	res := readTable(t, dir, "purchases", Options{BatchSize: 2}, nil)
	if len(res.rows) != 36 {
		t.Fatalf("%d rows, want 36", len(res.rows))
	}
	for i, r := range res.rows {
		if want := fmt.Sprintf("c%d-%d", i/9, i%9); r["customer_id"] != want {
			t.Fatalf("row %d is %v, want %s", i, r["customer_id"], want)
		}
	}
	if n := len(res.quality.Files); n != 4 {
		t.Fatalf("quality lists %d files, want 4", n)
	}
	for f, fq := range res.quality.Files {
		if want := fmt.Sprintf("purchases/part-%d.parquet", f); fq.Path != want || fq.RowsRead != 9 {
			t.Errorf("file %d: %s with %d rows, want %s with 9", f, fq.Path, fq.RowsRead, want)
		}
	}
}

// Closing a reader part-way, or cancelling its context, stops the decoder
// goroutine and releases every batch it decoded ahead.
func TestCloseAndCancelStopTheDecoder(t *testing.T) {
	dir := t.TempDir()
	writePurchaseParts(t, dir, 6, 20)
	before := runtime.NumGoroutine()
	for _, cancelFirst := range []bool{false, true} {
		mem := arrowcheck.New()
		opts := Options{BatchSize: 3, Allocator: mem}
		ex, err := Discover(t.Context(), osDirFS(dir), opts)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ex.Table("purchases").Open(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		rec, err := r.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rec.Release()
		time.Sleep(20 * time.Millisecond) // let the decoder fill its queue
		if cancelFirst {
			cancel()
			if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
				t.Errorf("after cancel: %v, want context.Canceled", err)
			}
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		cancel()
		mem.AssertSize(t, 0)
		// A reader cut short never reports a clean end of data.
		_, err = r.Next(t.Context())
		if want := map[bool]error{false: io.EOF, true: context.Canceled}[cancelFirst]; !errors.Is(err, want) {
			t.Errorf("Next after Close: %v, want %v", err, want)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

// keptRuns finds the runs of kept rows (reason 0) wherever they start and end,
// across its eight-at-a-time steps.
func TestKeptRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := range 70 {
		for range 50 {
			reasons := make([]uint8, n)
			d := 2 + rng.IntN(30) // one row in d set aside
			for i := range reasons {
				if rng.IntN(d) == 0 {
					reasons[i] = uint8(1 + rng.IntN(3))
				}
			}
			var want []int32
			for i := 0; i < n; i++ {
				if reasons[i] == 0 && (i == 0 || reasons[i-1] != 0) {
					want = append(want, int32(i))
				}
				if reasons[i] == 0 && (i == n-1 || reasons[i+1] != 0) {
					want = append(want, int32(i+1))
				}
			}
			if got := keptRuns(nil, reasons); !slices.Equal(got, want) {
				t.Fatalf("reasons %v: runs %v, want %v", reasons, got, want)
			}
		}
	}
}

// filter keeps the rows whose reason is 0, with their values and nulls, for
// every normalised array type; runs of kept rows are copied whole.
func TestFilterKeepsValuesAndNulls(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := &TableReader{mem: mem}
	reasons := []uint8{0, 3, 0, 0, 1, 1, 0, 0, 0, 2}
	keep := 6 // rows 0, 2, 3, 6, 7, 8
	cases := []struct {
		name string
		dt   arrow.DataType
		json string
		want string
	}{
		{"timestamps", typeTime, `[1, 2, null, 4, 5, 6, 7, null, 9, 10]`, `[1,null,4,7,null,9]`},
		{"floats", arrow.PrimitiveTypes.Float64, `[0.5, 1, 2.5, null, 4, 5, 6.25, 7, 8, 9]`, `[0.5,2.5,null,6.25,7,8]`},
		{"floats without nulls", arrow.PrimitiveTypes.Float64, `[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]`, `[0,2,3,6,7,8]`},
		{"text", arrow.BinaryTypes.String, `["a", "b", null, "d", "e", "f", "g", "", "i", "j"]`, `["a",null,"d","g","","i"]`},
		{"flags", arrow.FixedWidthTypes.Boolean, `[true, false, false, null, true, true, true, false, null, true]`, `[true,false,null,true,false,null]`},
		{"dictionary", typeDictText, `["x", "y", null, "x", "z", "z", "y", null, "x", "y"]`, `["x",null,"x","y",null,"x"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var src arrow.Array
			if dt, ok := tc.dt.(*arrow.DictionaryType); ok {
				plain, _, err := array.FromJSON(mem, dt.ValueType, strings.NewReader(tc.json))
				if err != nil {
					t.Fatal(err)
				}
				b := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
				if err := b.AppendArray(plain); err != nil {
					t.Fatal(err)
				}
				plain.Release()
				src = b.NewArray()
				b.Release()
			} else {
				var err error
				if src, _, err = array.FromJSON(mem, tc.dt, strings.NewReader(tc.json)); err != nil {
					t.Fatal(err)
				}
			}
			defer src.Release()
			got := r.filter(src, keptRuns(nil, reasons), keep)
			defer got.Release()
			if got.Len() != keep {
				t.Fatalf("%d rows, want %d", got.Len(), keep)
			}
			if d, ok := got.(*array.Dictionary); ok {
				plain := make([]any, d.Len())
				for i := range plain {
					if d.IsValid(i) {
						plain[i] = d.Dictionary().(*array.String).Value(d.GetValueIndex(i))
					}
				}
				b, _ := json.Marshal(plain)
				if string(b) != tc.want {
					t.Errorf("kept %s, want %s", b, tc.want)
				}
				return
			}
			if b, _ := got.MarshalJSON(); string(b) != tc.want && !timestampsMatch(got, tc.want) {
				t.Errorf("kept %s, want %s", b, tc.want)
			}
			if nulls := strings.Count(tc.want, "null"); got.NullN() != nulls {
				t.Errorf("NullN %d, want %d", got.NullN(), nulls)
			}
		})
	}
}

// timestampsMatch compares a timestamp array with a JSON list of µs values.
func timestampsMatch(a arrow.Array, want string) bool {
	ts, ok := a.(*array.Timestamp)
	if !ok {
		return false
	}
	vals := make([]any, ts.Len())
	for i := range vals {
		if ts.IsValid(i) {
			vals[i] = int64(ts.Value(i))
		}
	}
	b, _ := json.Marshal(vals)
	return string(b) == want
}

// A footer's row count sizes buffers only as far as the files' size makes
// plausible: a corrupt footer of a small file cannot claim billions.
func TestRowsHintIsBoundedByFileSize(t *testing.T) {
	for _, tc := range []struct {
		rows, size []int64
		want       int64
	}{
		{[]int64{100, 200}, []int64{5000, 5000}, 300},
		{[]int64{1 << 40}, []int64{1000}, 1000 * maxRowsPerByte},
		{[]int64{1 << 40, 10}, []int64{1000, 1000}, 2000 * maxRowsPerByte},
		{[]int64{-5}, []int64{1000}, 0},
		{nil, nil, 0},
	} {
		ts := &TableSource{}
		for i := range tc.rows {
			ts.Files = append(ts.Files, FileInfo{Rows: tc.rows[i], Size: tc.size[i]})
		}
		if got := ts.rowsHint(); got != tc.want {
			t.Errorf("rows %v, sizes %v: hint %d, want %d", tc.rows, tc.size, got, tc.want)
		}
	}
}

// Half-precision floats become float64, nulls kept.
func TestNumberFromFloat16(t *testing.T) {
	mem := arrowcheck.New()
	defer mem.AssertSize(t, 0)
	b := array.NewFloat16Builder(mem)
	b.AppendValues([]float16.Num{float16.New(1.5), float16.New(-2), float16.New(0)}, []bool{true, true, false})
	src := b.NewFloat16Array()
	b.Release()
	defer src.Release()
	n := normaliser{mem: mem}
	got, err := n.number(src)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	f := got.(*array.Float64)
	if f.Len() != 3 || f.Value(0) != 1.5 || f.Value(1) != -2 || f.IsValid(2) {
		t.Errorf("got %v", f)
	}
}

// filterString copies runs of kept rows whole: on random text with nulls, empty
// values and runs of every length, of a whole array and of a slice of one, every kept
// row keeps its value and null, in order.
func TestFilterStringRuns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := &TableReader{mem: mem}
	rng := rand.New(rand.NewPCG(7, 8))
	b := array.NewStringBuilder(mem)
	for i := range 5000 {
		switch rng.IntN(10) {
		case 0:
			b.AppendNull()
		case 1:
			b.Append("")
		default:
			b.Append(strings.Repeat(string(rune('a'+i%26)), 1+rng.IntN(12)))
		}
	}
	whole := b.NewStringArray()
	b.Release()
	defer whole.Release()
	sliced := array.NewSlice(whole, 123, 4321).(*array.String)
	defer sliced.Release()
	for _, src := range []*array.String{whole, sliced} {
		for _, rate := range []int{1, 10, 1000} { // one row in rate set aside
			reasons := make([]uint8, src.Len())
			keep := 0
			for i := range reasons {
				if rng.IntN(rate) == 0 {
					reasons[i] = 1
				} else {
					keep++
				}
			}
			got := r.filter(src, keptRuns(nil, reasons), keep).(*array.String)
			k, nulls := 0, 0
			for i, c := range reasons {
				if c != 0 {
					continue
				}
				if src.IsNull(i) != got.IsNull(k) || (src.IsValid(i) && src.Value(i) != got.Value(k)) {
					t.Fatalf("rate %d: kept row %d (row %d) is %q (null %v), want %q (null %v)", rate, k, i, got.Value(k), got.IsNull(k), src.Value(i), src.IsNull(i))
				}
				if src.IsNull(i) {
					nulls++
				}
				k++
			}
			if k != got.Len() || got.NullN() != nulls {
				t.Errorf("rate %d: %d rows with %d nulls, want %d with %d", rate, got.Len(), got.NullN(), k, nulls)
			}
			got.Release()
		}
	}
}

// filter's validity of the kept rows is the source's, row for row, for arrays with
// nulls anywhere, sliced at any offset, and runs of any length and alignment.
func TestFilterValidityAcrossOffsets(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := &TableReader{mem: mem}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		n, off := 1+rng.IntN(300), rng.IntN(10)
		b := array.NewFloat64Builder(mem)
		for i := range n + off {
			if rng.IntN(4) == 0 {
				b.AppendNull()
			} else {
				b.Append(float64(i))
			}
		}
		whole := b.NewFloat64Array()
		b.Release()
		src := array.NewSlice(whole, int64(off), int64(off+n)).(*array.Float64)
		reasons := make([]uint8, n)
		d := 2 + rng.IntN(20)
		for i := range reasons {
			if rng.IntN(d) == 0 {
				reasons[i] = 1
			}
		}
		runs := keptRuns(nil, reasons)
		keep := 0
		forRuns(runs, func(i, j int) { keep += j - i })
		if src.NullN() == 0 {
			src.Release()
			whole.Release()
			continue
		}
		got := r.filter(src, runs, keep).(*array.Float64)
		k, nulls := 0, 0
		for i := range n {
			if reasons[i] != 0 {
				continue
			}
			if got.IsValid(k) != src.IsValid(i) || src.IsValid(i) && got.Value(k) != src.Value(i) {
				t.Fatalf("offset %d, row %d (kept %d): valid %v value %v, source %v %v", off, i, k, got.IsValid(k), got.Value(k), src.IsValid(i), src.Value(i))
			}
			if src.IsNull(i) {
				nulls++
			}
			k++
		}
		if got.Len() != keep || got.NullN() != nulls {
			t.Fatalf("offset %d: %d rows with %d nulls, want %d with %d", off, got.Len(), got.NullN(), keep, nulls)
		}
		got.Release()
		src.Release()
		whole.Release()
	}
}
