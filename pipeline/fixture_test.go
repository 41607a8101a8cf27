package pipeline

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// fixture is a hand-made extract set: each table is a list of rows, each row a map of
// contract column → value (string, time.Time, float64, bool or nil).
type fixture map[string][]map[string]any

var columnTypes = map[string]arrow.DataType{
	"customer_id": arrow.BinaryTypes.String, "segment": arrow.BinaryTypes.String, "name": arrow.BinaryTypes.String,
	"purchased_at": tsType, "amount": arrow.PrimitiveTypes.Float64,
	"reported_at": tsType, "reason": arrow.BinaryTypes.String,
	"departed_at": tsType, "contacted_at": tsType, "channel": arrow.BinaryTypes.String,
	"issued_at": tsType, "offer_type": arrow.BinaryTypes.String, "face_value": arrow.PrimitiveTypes.Float64,
	"redeemed_at": tsType, "expires_at": tsType,
	"responded_at": tsType, "score": arrow.PrimitiveTypes.Float64, "recovery_related": arrow.FixedWidthTypes.Boolean,
}

var tsType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// memExtract serves a fixture as normalised Arrow batches, one batch per table.
type memExtract struct {
	t   testing.TB
	fx  fixture
	mem memory.Allocator
	// absentColumns lists table.column pairs to leave out of the schema.
	absentColumns map[string]bool
}

func (m *memExtract) Has(table string) bool { _, ok := m.fx[table]; return ok }

func (m *memExtract) HasColumn(table, column string) bool {
	return m.Has(table) && !m.absentColumns[table+"."+column]
}

func (m *memExtract) Open(ctx context.Context, table string, columns []string) (Source, error) {
	var fields []arrow.Field
	for _, c := range columns {
		fields = append(fields, arrow.Field{Name: c, Type: columnTypes[c], Nullable: true})
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(m.mem, schema)
	defer b.Release()
	for _, row := range m.fx[table] {
		for i, c := range columns {
			v := row[c]
			switch fb := b.Field(i).(type) {
			case *array.StringBuilder:
				if v == nil {
					fb.AppendNull()
				} else {
					fb.Append(v.(string))
				}
			case *array.TimestampBuilder:
				if v == nil {
					fb.AppendNull()
				} else {
					fb.Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
				}
			case *array.Float64Builder:
				switch x := v.(type) {
				case nil:
					fb.AppendNull()
				case int:
					fb.Append(float64(x))
				default:
					fb.Append(x.(float64))
				}
			case *array.BooleanBuilder:
				if v == nil {
					fb.AppendNull()
				} else {
					fb.Append(v.(bool))
				}
			}
		}
	}
	return &memSource{rec: b.NewRecordBatch()}, nil
}

type memSource struct{ rec arrow.RecordBatch }

func (s *memSource) Next(context.Context) (arrow.RecordBatch, error) {
	if s.rec == nil {
		return nil, io.EOF
	}
	r := s.rec
	s.rec = nil
	return r, nil
}

func (s *memSource) Close() error {
	if s.rec != nil {
		s.rec.Release()
	}
	return nil
}

// ts parses an RFC 3339 time.
func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func defaultParams() Params {
	return Params{RecoveryWindowDays: 90, LapseDays: 180, IntensiveCareDays: 180, RevenueLookbackDays: 365,
		SatisfiedMinScore: 4, ScoreMin: 1, ScoreMax: 5, WorklistSize: 200, ExecutiveCalls: 10}
}

// compute runs the engine over a fixture under a checked allocator.
func compute(t *testing.T, fx fixture, asOf, quarter string, absent ...string) *Scorecard {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ex := &memExtract{t: t, fx: fx, mem: mem, absentColumns: map[string]bool{}}
	for _, a := range absent {
		ex.absentColumns[a] = true
	}
	s := Settings{
		Industry: "retail", Calendar: Calendar{Loc: time.UTC, StartMonth: 1},
		Params: defaultParams(), Benchmarks: DefaultBenchmarks(), Quarter: quarter,
		AllowOpen: true, // several fixtures look into a quarter before it ends
	}
	if asOf != "" {
		a := ts(asOf)
		s.AsOf = &a
	}
	sc, err := Compute(context.Background(), ex, s)
	if err != nil {
		t.Fatalf("compute: %v", err)
	}
	return sc
}

// value returns a KPI's value, or nil.
func value(sc *Scorecard, id contract.KPI) *float64 {
	k := FindKPI(sc.KPIs, id)
	if k == nil {
		panic("no KPI " + string(id))
	}
	return k.Value
}

func purchase(c, at string, amount float64) map[string]any {
	return map[string]any{"customer_id": c, "purchased_at": ts(at), "amount": amount}
}

func complaint(c, at, reason string) map[string]any {
	r := any(reason)
	if reason == "" {
		r = nil
	}
	return map[string]any{"customer_id": c, "reported_at": ts(at), "reason": r}
}

func departure(c, at, reason string) map[string]any {
	return map[string]any{"customer_id": c, "departed_at": ts(at), "reason": reason}
}
