package pipeline

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The benchmarks of the engine's hot paths run on a synthetic extract set held as
// Arrow batches in memory, so that they measure the engine alone: building the
// customer index (ingest), grouping and sorting (group), episodes and windows (run),
// and the merge and scorecard (aggregate).

const (
	benchCustomers = 50_000
	benchBatch     = 65536
)

var benchStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

// benchExtract serves prepared batches; Open hands out new references.
type benchExtract struct {
	tables map[string][]arrow.RecordBatch
}

func (b *benchExtract) Has(table string) bool { return b.tables[table] != nil }

func (b *benchExtract) HasColumn(table, column string) bool {
	recs := b.tables[table]
	return len(recs) > 0 && len(recs[0].Schema().FieldIndices(column)) > 0
}

func (b *benchExtract) Open(_ context.Context, table string, _ []string) (Source, error) {
	recs := b.tables[table]
	for _, r := range recs {
		r.Retain()
	}
	return &sliceSource{recs: recs}, nil
}

func (b *benchExtract) release() {
	for _, recs := range b.tables {
		for _, r := range recs {
			r.Release()
		}
	}
}

type sliceSource struct{ recs []arrow.RecordBatch }

func (s *sliceSource) Next(context.Context) (arrow.RecordBatch, error) {
	if len(s.recs) == 0 {
		return nil, io.EOF
	}
	r := s.recs[0]
	s.recs = s.recs[1:]
	return r, nil
}

func (s *sliceSource) Close() error {
	for _, r := range s.recs {
		r.Release()
	}
	s.recs = nil
	return nil
}

// newBenchExtract makes customers with about 22 purchases each over three years, a
// complaint for one in four, a departure for one in forty, and outreach and offers.
// With dict, customer ids are dictionary arrays, one dictionary per 4 batches (a
// row group), as readers deliver dictionary-encoded files.
func newBenchExtract(mem memory.Allocator, dict bool) *benchExtract {
	r := rand.New(rand.NewPCG(7, 8))
	ex := &benchExtract{tables: map[string][]arrow.RecordBatch{}}
	idType := arrow.DataType(arrow.BinaryTypes.String)
	if dict {
		idType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	}
	type col struct {
		name string
		dt   arrow.DataType
	}
	table := func(name string, cols []col, n int, row func(i int, b *array.RecordBuilder)) {
		fields := make([]arrow.Field, len(cols))
		for i, c := range cols {
			fields[i] = arrow.Field{Name: c.name, Type: c.dt, Nullable: true}
		}
		schema := arrow.NewSchema(fields, nil)
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		for i := range n {
			if i > 0 && i%benchBatch == 0 {
				ex.tables[name] = append(ex.tables[name], b.NewRecordBatch())
				if dict && i%(4*benchBatch) == 0 { // a new row group: a new dictionary
					b.Field(0).(*array.BinaryDictionaryBuilder).ResetFull()
				}
			}
			row(i, b)
		}
		ex.tables[name] = append(ex.tables[name], b.NewRecordBatch())
	}
	id := func(b *array.RecordBuilder, c int) {
		s := fmt.Sprintf("C%08d", c)
		if db, ok := b.Field(0).(*array.BinaryDictionaryBuilder); ok {
			_ = db.AppendString(s)
		} else {
			b.Field(0).(*array.StringBuilder).Append(s)
		}
	}
	at := func(b *array.RecordBuilder, k int, t int64) {
		b.Field(k).(*array.TimestampBuilder).Append(arrow.Timestamp(t))
	}
	text := func(b *array.RecordBuilder, k int, s string) { b.Field(k).(*array.StringBuilder).Append(s) }
	num := func(b *array.RecordBuilder, k int, v float64) { b.Field(k).(*array.Float64Builder).Append(v) }
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	span := 3 * 365 * day
	reasons := []string{"price", "service", "delay", "quality", "billing error"}

	table("customers", []col{{"customer_id", arrow.BinaryTypes.String}, {"segment", arrow.BinaryTypes.String}, {"name", arrow.BinaryTypes.String}},
		benchCustomers, func(i int, b *array.RecordBuilder) {
			b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("C%08d", i))
			text(b, 1, []string{"retail", "smb", "enterprise"}[i%3])
			text(b, 2, fmt.Sprintf("Customer %d", i))
		})
	// Purchases in time order across customers, as extracts are written.
	n := benchCustomers * 22
	table("purchases", []col{{"customer_id", idType}, {"purchased_at", ts}, {"amount", arrow.PrimitiveTypes.Float64}},
		n, func(i int, b *array.RecordBuilder) {
			id(b, r.IntN(benchCustomers))
			at(b, 1, benchStart+int64(i)*(span/int64(n)))
			amount := float64(r.IntN(20000))/100 + 1
			if r.IntN(20) == 0 {
				amount = -amount // a refund
			}
			num(b, 2, amount)
		})
	randomTimes := func(name, tcol string, n int, extra []col, fill func(b *array.RecordBuilder)) {
		table(name, append([]col{{"customer_id", idType}, {tcol, ts}}, extra...), n, func(i int, b *array.RecordBuilder) {
			id(b, r.IntN(benchCustomers))
			at(b, 1, benchStart+r.Int64N(span))
			if fill != nil {
				fill(b)
			}
		})
	}
	randomTimes("complaints", "reported_at", benchCustomers/4, []col{{"reason", arrow.BinaryTypes.String}},
		func(b *array.RecordBuilder) { text(b, 2, reasons[r.IntN(len(reasons))]) })
	randomTimes("departures", "departed_at", benchCustomers/40, []col{{"reason", arrow.BinaryTypes.String}},
		func(b *array.RecordBuilder) { text(b, 2, "moved") })
	randomTimes("outreach", "contacted_at", benchCustomers/5, nil, nil)
	randomTimes("offers", "issued_at", benchCustomers/5, []col{{"offer_type", arrow.BinaryTypes.String}, {"face_value", arrow.PrimitiveTypes.Float64}},
		func(b *array.RecordBuilder) {
			text(b, 2, []string{"discount", "voucher", "upgrade"}[r.IntN(3)])
			num(b, 3, 10)
		})
	return ex
}

func benchSettings() Settings {
	asOf := time.UnixMicro(benchStart + 3*365*day).UTC()
	return Settings{Industry: "retail", Calendar: Calendar{Loc: time.UTC, StartMonth: 1},
		Params: defaultParams(), Benchmarks: DefaultBenchmarks(), AsOf: &asOf}
}

func purchaseRows(ex *benchExtract) int {
	n := 0
	for _, r := range ex.tables["purchases"] {
		n += int(r.NumRows())
	}
	return n
}

// BenchmarkIngest builds the customer index and the typed columns from the batches,
// customer ids as plain text and as dictionaries, and groups them by customer.
func BenchmarkIngest(b *testing.B) {
	for _, dict := range []bool{false, true} {
		b.Run(fmt.Sprintf("dict=%v", dict), func(b *testing.B) {
			ex := newBenchExtract(memory.NewGoAllocator(), dict)
			defer ex.release()
			for b.Loop() {
				if _, err := ingest(context.Background(), ex); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(purchaseRows(ex))*float64(b.N)/b.Elapsed().Seconds(), "purchases/s")
		})
	}
}

// BenchmarkGroup groups the purchases by customer and sorts each customer's rows.
func BenchmarkGroup(b *testing.B) {
	ex := newBenchExtract(memory.NewGoAllocator(), true)
	defer ex.release()
	d, err := ingest(context.Background(), ex)
	if err != nil {
		b.Fatal(err)
	}
	// Rebuild the read-order purchases from the grouped ones, shuffled by customer.
	g := d.byCust.purchases
	var r rows
	for c := range int32(len(g.off) - 1) {
		lo, hi := g.span(c)
		for k := lo; k < hi; k++ {
			r.cust = append(r.cust, c)
		}
	}
	perm := rand.New(rand.NewPCG(1, 1)).Perm(len(r.cust))
	cust := make([]int32, len(perm))
	r.t, r.amount = make([]int64, len(perm)), make([]float64, len(perm))
	for i, p := range perm {
		cust[i], r.t[i], r.amount[i] = r.cust[p], g.t[p], g.amount[p]
	}
	r.cust = cust
	n := d.customers.len()
	for b.Loop() {
		group(&r, n, true)
	}
	b.ReportMetric(float64(len(perm))*float64(b.N)/b.Elapsed().Seconds(), "purchases/s")
}

// BenchmarkEngine computes the episodes, windows and per-chunk partial sums of all
// customers (the parallel part), without the final scorecard.
func BenchmarkEngine(b *testing.B) {
	ex := newBenchExtract(memory.NewGoAllocator(), true)
	defer ex.release()
	data, err := Load(context.Background(), ex)
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 0} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			e, _, _ := newBenchEngine(b, data)
			for b.Loop() {
				if _, err := e.run(context.Background(), data.d.customers.len(), workers); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(data.d.customers.len())*float64(b.N)/b.Elapsed().Seconds(), "customers/s")
		})
	}
	// What the same-age comparisons (SPEC v2) cost: the same, without them.
	b.Run("workers=1/comparisons=none", func(b *testing.B) {
		e, _, _ := newBenchEngine(b, data)
		e.comparisons = nil
		for b.Loop() {
			if _, err := e.run(context.Background(), data.d.customers.len(), 1); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(data.d.customers.len())*float64(b.N)/b.Elapsed().Seconds(), "customers/s")
	})
}

// BenchmarkAggregate merges the chunks' partial results and assembles the scorecard
// (breakdowns, trend, sorted worklists).
func BenchmarkAggregate(b *testing.B) {
	ex := newBenchExtract(memory.NewGoAllocator(), true)
	defer ex.release()
	data, err := Load(context.Background(), ex)
	if err != nil {
		b.Fatal(err)
	}
	e, quarter, asOf := newBenchEngine(b, data)
	n := data.d.customers.len()
	chunks := (n + chunkSize - 1) / chunkSize
	engines := append([]*engine{e}, e.comparisons...)
	parts := make([][]*partial, chunks)
	var w chunkWorker
	for k := range parts {
		parts[k], _ = w.chunk(engines, k*chunkSize, min((k+1)*chunkSize, n))
	}
	s := benchSettings()
	for b.Loop() {
		totals := make([]*partial, len(engines))
		for i, en := range engines {
			totals[i] = en.newPartial()
			for _, p := range parts {
				totals[i].merge(p[i])
			}
			totals[i].merge(en.rowKPIs())
		}
		_ = e.scorecard(s, quarter, asOf, totals)
	}
}

// newBenchEngine prepares the engine of the bench settings' default quarter.
func newBenchEngine(b *testing.B, data *Data) (*engine, Quarter, time.Time) {
	b.Helper()
	e, quarter, asOf, err := data.prepare(benchSettings())
	if err != nil {
		b.Fatal(err)
	}
	return e, quarter, asOf
}
