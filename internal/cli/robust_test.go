package cli

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recoverykpi/recoverykpi/internal/schedule"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// purchaseRow is one row of replacePurchases: a null amount when amount is NaN.
type purchaseRow struct {
	customer string
	at       time.Time
	amount   float64
}

// replacePurchases replaces the purchases table of an extract set with one part file
// holding rows.
func replacePurchases(t *testing.T, root string, rows []purchaseRow) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "customer_id", Type: arrow.BinaryTypes.String},
		{Name: "purchased_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, nil)
	b := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.customer)
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(r.at.UnixMicro()))
		if math.IsNaN(r.amount) {
			b.Field(2).(*array.Float64Builder).AppendNull()
		} else {
			b.Field(2).(*array.Float64Builder).Append(r.amount)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	os.RemoveAll(filepath.Join(root, "purchases"))
	os.MkdirAll(filepath.Join(root, "purchases"), 0o755)
	writeRecord(t, filepath.Join(root, "purchases", "part-0.parquet"), rec)
}

// ordinaryPurchases returns n purchases of 12.50 by ten customers, one a minute from t0.
func ordinaryPurchases(n int, t0 time.Time) []purchaseRow {
	var rows []purchaseRow
	for i := range n {
		rows = append(rows, purchaseRow{fmt.Sprintf("C%07d", i%10+1), t0.Add(time.Duration(i) * time.Minute), 12.5})
	}
	return rows
}

// TestRunRefusesUnusableSums runs the program on extract sets whose sums overflow or
// whose default as_of lies far in the future: exit 3 with a message naming the table,
// the column and the customer or value, nothing published but the quarantine, and the
// scheduler's classifier calls it data (not retried).
func TestRunRefusesUnusableSums(t *testing.T) {
	t0 := time.Date(2025, 10, 9, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name       string
		rows       []purchaseRow
		args       []string
		want       []string
		quarantine bool // the extract has a set-aside purchase: quarantine/purchases.parquet
	}{
		{name: "two purchases of 1.7e308",
			rows: append(ordinaryPurchases(300, t0),
				purchaseRow{"C9999999", t0, 1.7e308}, purchaseRow{"C9999999", t0.Add(24 * time.Hour), 1.7e308},
				purchaseRow{"C0000001", t0, math.NaN()}),
			// the lapse of C9999999 (t0 + 1 day + 180 days) falls in the scorecard's quarter
			args:       []string{"--as-of", "2026-08-05T00:00:00Z"},
			want:       []string{"purchases.amount", "customer C9999999", "+Inf", "revenue at risk"},
			quarantine: true},
		{name: "a purchase in 2199",
			rows: append(ordinaryPurchases(300, t0), purchaseRow{"C0000002", time.Date(2199, 7, 1, 0, 0, 0, 0, time.UTC), 12.5},
				purchaseRow{"C0000001", t0, math.NaN()}),
			want:       []string{"purchases.purchased_at", "2199-07-01T00:00:00Z", "of the 301 purchases", "--as-of"},
			quarantine: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root, out, before := publishGood(t)
			os.RemoveAll(filepath.Join(out, "quarantine", "purchases.parquet"))
			replacePurchases(t, root, tc.rows)
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), append([]string{"run", "--input", root, "--output", out}, tc.args...), &stdout, &stderr)
			msg := stderr.String()
			if code != ExitData {
				t.Fatalf("exit %d, want %d: %s", code, ExitData, msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q: %s", w, msg)
				}
			}
			if strings.Contains(msg, "json: unsupported value") {
				t.Errorf("the JSON writer met the value: %s", msg)
			}
			after := hashTree(t, out)
			for name, sum := range before {
				if !strings.HasPrefix(name, "quarantine/") && after[name] != sum {
					t.Errorf("published %s changed", name)
				}
			}
			for name := range after {
				if _, ok := before[name]; !ok && name != "quarantine/purchases.parquet" {
					t.Errorf("new file %s after a failed run", name)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "quarantine", "purchases.parquet")); (err == nil) != tc.quarantine {
				t.Errorf("quarantine/purchases.parquet written: %v, want %v", err == nil, tc.quarantine)
			}

			// A given --as-of is always accepted: with it the 2199 extract publishes.
			if tc.name == "a purchase in 2199" {
				stderr.Reset()
				code := Main(context.Background(), []string{"run", "--input", root, "--output", filepath.Join(filepath.Dir(root), "out-as-of"), "--as-of", "2026-07-01T00:00:00Z"}, &stdout, &stderr)
				if code != ExitOK {
					t.Errorf("with --as-of: exit %d: %s", code, stderr.String())
				}
			}
		})
	}
}

// TestScheduleKindOfUnusableSums: an overflowing sum and an implausible default as_of
// are data errors, which the scheduler does not retry.
func TestScheduleKindOfUnusableSums(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("%w: purchases.amount: customer C1: the revenue at risk sums to +Inf", pipeline.ErrOverflow),
		fmt.Errorf("%w: the latest instant in the data, 2199-07-01T00:00:00Z in purchases.purchased_at", pipeline.ErrImplausibleAsOf),
	} {
		if got := scheduleKind(err); got != schedule.KindData {
			t.Errorf("scheduleKind(%v) = %q, want %q", err, got, schedule.KindData)
		}
		if got := ExitCode(err); got != ExitData {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, ExitData)
		}
	}
}
