package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// computeErr runs the engine over a fixture under a checked allocator and returns its
// error (asOf "" for the default as_of).
func computeErr(t *testing.T, fx fixture, asOf string) (*Scorecard, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ex := &memExtract{t: t, fx: fx, mem: mem, absentColumns: map[string]bool{}}
	s := Settings{Industry: "retail", Calendar: Calendar{Loc: time.UTC, StartMonth: 1}, Params: defaultParams(), Benchmarks: DefaultBenchmarks()}
	if asOf != "" {
		a := ts(asOf)
		s.AsOf = &a
	}
	return Compute(context.Background(), ex, s)
}

func offer(c, at, typ string, face float64) map[string]any {
	return map[string]any{"customer_id": c, "issued_at": ts(at), "offer_type": typ, "face_value": face, "redeemed_at": nil, "expires_at": nil}
}

// TestSumOverflow: a sum of finite amounts that leaves the range of a double is an
// error wrapping ErrOverflow (and so ErrNoData: exit status 3) naming the table, the
// column, the sum and, for a customer's own sums, the customer.
func TestSumOverflow(t *testing.T) {
	const huge = 1.7e308
	cases := []struct {
		name string
		fx   fixture
		want []string // fragments of the message; nil: no error
	}{
		{"revenue at risk of one customer", fixture{
			"purchases":  {purchase("c1", "2026-03-01T00:00:00Z", huge), purchase("c1", "2026-03-02T00:00:00Z", huge)},
			"complaints": {complaint("c1", "2026-08-01T00:00:00Z", "late")},
		}, []string{"purchases.amount", "customer c1", "revenue at risk", "2026-08-01T00:00:00Z", "+Inf"}},
		{"refunds: revenue at risk to -Inf", fixture{
			"purchases":  {purchase("c1", "2026-03-01T00:00:00Z", 5), purchase("c1", "2026-03-01T00:00:01Z", -huge), purchase("c1", "2026-03-02T00:00:00Z", -huge)},
			"complaints": {complaint("c1", "2026-08-01T00:00:00Z", "late")},
		}, []string{"purchases.amount", "customer c1", "-Inf"}},
		{"recovered revenue of one customer", fixture{
			"purchases":  {purchase("c1", "2026-08-02T00:00:00Z", huge), purchase("c1", "2026-08-03T00:00:00Z", huge)},
			"complaints": {complaint("c1", "2026-08-01T00:00:00Z", "late")},
		}, []string{"purchases.amount", "customer c1", "recovered revenue"}},
		{"revenue at risk over customers", fixture{
			"purchases": {purchase("c1", "2026-03-01T00:00:00Z", 1e308), purchase("c2", "2026-03-01T00:00:00Z", 1e308)},
			"complaints": {complaint("c1", "2026-08-01T00:00:00Z", "late"), complaint("c2", "2026-08-01T00:00:00Z", "late"),
				complaint("c3", "2026-11-01T00:00:00Z", "late")},
		}, []string{"purchases.amount", "revenue at risk of 2026-Q3"}},
		{"face values of an offer type", fixture{
			"purchases":  {purchase("c1", "2026-03-01T00:00:00Z", 10)},
			"offers":     {offer("c1", "2026-08-01T00:00:00Z", "voucher", 1e308), offer("c2", "2026-08-02T00:00:00Z", "voucher", 1e308)},
			"complaints": {complaint("c3", "2026-11-01T00:00:00Z", "late")},
		}, []string{"offers.face_value", `offer type "voucher"`, "2026-Q3"}},
		{"total over the reasons", fixture{ // each reason and the quarter (in customer order) finite
			// (purchases in July: their lapses fall after as_of)
			"purchases": {purchase("c1", "2026-07-01T00:00:00Z", 1e308), purchase("c3", "2026-07-01T00:00:00Z", -1e308), purchase("c2", "2026-07-01T00:00:00Z", 1e308)},
			"complaints": {complaint("c1", "2026-08-01T00:00:00Z", "a"), complaint("c3", "2026-08-01T00:00:00Z", "c"), complaint("c2", "2026-08-01T00:00:00Z", "b"),
				complaint("c4", "2026-11-01T00:00:00Z", "late")},
		}, []string{"purchases.amount", "revenue at risk of 2026-Q3 over its reasons"}},
		{"QoQ change", fixture{ // -1e308 at risk in 2026-Q2, +1e308 in 2026-Q3
			"purchases": {purchase("c1", "2026-03-01T00:00:00Z", -1e308), purchase("c2", "2026-03-01T00:00:00Z", 1e308)},
			"complaints": {complaint("c1", "2026-05-01T00:00:00Z", "late"), complaint("c2", "2026-08-01T00:00:00Z", "late"),
				complaint("c3", "2026-11-01T00:00:00Z", "late")},
		}, []string{"purchases.amount", "change of revenue_at_risk from 2026-Q2 to 2026-Q3", "+Inf"}},
		{"large but finite", fixture{
			"purchases":  {purchase("c1", "2026-03-01T00:00:00Z", 1e308), purchase("c1", "2026-03-02T00:00:00Z", 7e307)},
			"complaints": {complaint("c1", "2026-08-01T00:00:00Z", "late")},
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := computeErr(t, tc.fx, "2026-11-15T00:00:00Z")
			if tc.want == nil {
				if err != nil {
					t.Fatalf("compute: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrOverflow) || !errors.Is(err, ErrNoData) {
				t.Fatalf("err = %v, want ErrOverflow and ErrNoData", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q: %v", w, err)
				}
			}
		})
	}
}

// TestSumOverflowSameOnAnyWorkers: with customers overflowing in several chunks, the
// customer named is the first one's, whatever the number of workers.
func TestSumOverflowSameOnAnyWorkers(t *testing.T) {
	fx := fixture{"purchases": {}, "complaints": {}}
	for i := range 3 * chunkSize {
		c := fmt.Sprintf("c%06d", i)
		amount := 1.0
		if i == chunkSize+5 || i == 2*chunkSize+7 {
			amount = 1.7e308
		}
		fx["purchases"] = append(fx["purchases"], purchase(c, "2026-03-01T00:00:00Z", amount), purchase(c, "2026-03-02T00:00:00Z", amount))
		fx["complaints"] = append(fx["complaints"], complaint(c, "2026-08-01T00:00:00Z", "late"))
	}
	for _, workers := range []int{1, 2, 3} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		ex := &memExtract{t: t, fx: fx, mem: mem, absentColumns: map[string]bool{}}
		asOf := ts("2026-11-15T00:00:00Z")
		_, err := Compute(context.Background(), ex, Settings{Calendar: Calendar{Loc: time.UTC, StartMonth: 1}, Params: defaultParams(),
			Benchmarks: DefaultBenchmarks(), AsOf: &asOf, Workers: workers})
		mem.AssertSize(t, 0)
		if want := fmt.Sprintf("customer c%06d:", chunkSize+5); !errors.Is(err, ErrOverflow) || !strings.Contains(err.Error(), want) {
			t.Errorf("workers=%d: err = %v, want the overflow of %s", workers, err, want)
		}
	}
}

// TestDefaultAsOfPlausible: a default as_of with at most one purchase, or at most 1%
// of the purchases, in the AsOfWindowDays up to it is refused with ErrImplausibleAsOf
// (exit status 3), naming the column and the value; a purchase exactly
// AsOfWindowDays before it counts, and a given as_of is always accepted.
func TestDefaultAsOfPlausible(t *testing.T) {
	p := ts("2025-06-01T00:00:00Z")
	window := time.Duration(AsOfWindowDays) * 24 * time.Hour
	at := func(d time.Time) string { return d.Format(time.RFC3339Nano) }
	// 200 purchases in January 2025, and recent purchases at p.
	purchases := func(recent int, extra ...map[string]any) []map[string]any {
		var rows []map[string]any
		for i := range 200 {
			rows = append(rows, purchase(fmt.Sprintf("c%d", i%10), at(ts("2025-01-01T00:00:00Z").Add(time.Duration(i)*time.Minute)), 10))
		}
		for i := range recent {
			rows = append(rows, purchase(fmt.Sprintf("c%d", i), at(p), 10))
		}
		return append(rows, extra...)
	}
	stray := purchase("c3", "2199-07-01T00:00:00Z", 10)
	cases := []struct {
		name   string
		fx     fixture
		asOf   string
		want   time.Time // the as_of accepted
		refuse []string  // fragments of the refusal; nil: accepted
	}{
		{name: "3 of 203 purchases exactly 366 days before", want: p.Add(window),
			fx: fixture{"purchases": purchases(3), "complaints": {complaint("c1", at(p.Add(window)), "late")}}},
		{name: "none of 203 purchases one microsecond later",
			fx:     fixture{"purchases": purchases(3), "complaints": {complaint("c1", at(p.Add(window+time.Microsecond)), "late")}},
			refuse: []string{"complaints.reported_at", "2026-06-02T00:00:00.000001Z", "0 of the 203 purchases", "purchases.purchased_at", "2025-06-01T00:00:00Z", "--as-of"}},
		{name: "2 of 202 purchases: at most 1%",
			fx:     fixture{"purchases": purchases(2), "complaints": {complaint("c1", at(p.Add(window)), "late")}},
			refuse: []string{"complaints.reported_at", "2 of the 202 purchases"}},
		{name: "a purchase in 2199", fx: fixture{"purchases": purchases(3, stray)},
			refuse: []string{"purchases.purchased_at", "2199-07-01T00:00:00Z", "1 of the 204 purchases", "--as-of"}},
		{name: "a purchase in 2199 among five", fx: fixture{"purchases": purchases(0, stray)[196:]},
			refuse: []string{"purchases.purchased_at", "2199-07-01T00:00:00Z", "1 of the 5 purchases"}},
		{name: "a purchase in 2199 with --as-of", asOf: "2025-06-15T00:00:00Z", want: ts("2025-06-15T00:00:00Z"),
			fx: fixture{"purchases": purchases(3, stray)}},
		{name: "one purchase only", want: ts("2199-07-01T00:00:00Z"), fx: fixture{"purchases": {stray}}},
		{name: "no purchases", want: ts("2199-07-01T00:00:00Z"),
			fx: fixture{"purchases": {}, "complaints": {complaint("c1", "2199-07-01T00:00:00Z", "late")}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := computeErr(t, tc.fx, tc.asOf)
			if tc.refuse == nil {
				if err != nil {
					t.Fatalf("compute: %v", err)
				}
				if !sc.AsOf.Equal(tc.want) {
					t.Errorf("as_of = %s, want %s", sc.AsOf, tc.want)
				}
				return
			}
			if !errors.Is(err, ErrImplausibleAsOf) || !errors.Is(err, ErrNoData) {
				t.Fatalf("err = %v, want ErrImplausibleAsOf and ErrNoData", err)
			}
			for _, w := range tc.refuse {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q: %v", w, err)
				}
			}
		})
	}
}
