package job_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/internal/pgtest"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// whCase is one extract set computed from its files and from PostgreSQL.
type whCase struct {
	name      string
	customers int
	seed      int64
	config    string // YAML
	quarter   string
	asOf      string
	allowOpen bool
	load      pgtest.Options
	coarse    bool           // every timestamp on a whole day (pgtest.Coarsen): ties and exact bounds
	tables    *pgtest.Tables // hand-made tables instead of generated ones
	dialect   string         // "" is postgres
}

// `run --warehouse` on a PostgreSQL loaded with a generated extract set (invalid rows
// included) gives the same scorecard JSON as `run --input` on its files: every
// value within 1e-9 relative, the rows set aside by reason included. The cases are
// those of the reference differential test: several seeds, parameters, a fiscal
// year in New York, and a quarter still open with the timestamps stored as wall-clock
// times in Tokyo (TIMESTAMP WITHOUT TIME ZONE).
func TestWarehouseMatchesFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test: skipped with -short")
	}
	dsn := pgtest.DSN(t)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	cases := []whCase{
		{name: "defaults", customers: 1500, seed: 11},
		{name: "explicit quarter and as_of", customers: 1200, seed: 12, quarter: "2026-Q1", asOf: "2026-08-17T09:30:00Z",
			load: pgtest.Options{IntegerOrderIDs: true}},
		{name: "short windows", customers: 1200, seed: 13,
			config: "definitions: {recovery_window_days: 45, lapse_days: 120, intensive_care_days: 90, revenue_lookback_days: 180, satisfied_min_score: 5}\nworklist_size: 50\n"},
		{name: "fiscal July in New York", customers: 1200, seed: 14, config: "timezone: America/New_York\nfiscal_year_start_month: 7\n"},
		{name: "open quarter, wall clock, fiscal October", customers: 1000, seed: 17, quarter: "2027-Q2", asOf: "2027-02-20T12:00:00Z",
			allowOpen: true, config: "timezone: Asia/Tokyo\nfiscal_year_start_month: 10\n",
			load: pgtest.Options{WallClock: true, Location: tokyo}},
		{name: "executive calls and worklist sizes", customers: 2500, seed: 18,
			config: "executive_calls: 3\nworklist_size: 25\ndefinitions: {recovery_window_days: 60, intensive_care_days: 120}\n"},
		{name: "a year after the quarter", customers: 1500, seed: 19, quarter: "2025-Q3"},
		{name: "whole days: ties and exact window bounds", customers: 2000, seed: 21, coarse: true},
		{name: "whole days, short windows, wall clock", customers: 1500, seed: 22, coarse: true,
			config: "timezone: Asia/Tokyo\ndefinitions: {recovery_window_days: 30, lapse_days: 60, intensive_care_days: 60, revenue_lookback_days: 90}\n",
			load:   pgtest.Options{WallClock: true, Location: tokyo}},
		{name: "hand-made ties and bounds", seed: 23, tables: tieTables(), quarter: "2026-Q2", asOf: "2027-02-01T00:00:00Z",
			config: "quality: {max_invalid_share: 0.5}\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := caseDir(t, tc)
			schema := fmt.Sprintf("rkpi_diff_%d", tc.seed)
			if err := pgtest.Load(ctx, dsn, schema, dir, tc.load); err != nil {
				t.Fatal(err)
			}
			files := runJSON(t, tc, dir, "", "")
			wh := runJSON(t, tc, "", dsn, schema)
			if tc.seed == 11 {
				// Same tables, same bytes: the warehouse's sums are ordered.
				if again := runJSON(t, tc, "", dsn, schema); !bytes.Equal(again.json, wh.json) || !bytes.Equal(again.manifest, wh.manifest) {
					t.Error("a second run --warehouse on the same tables gives other bytes")
				}
			}
			var a, b any
			if err := json.Unmarshal(files.json, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(wh.json, &b); err != nil {
				t.Fatal(err)
			}
			var diffs []string
			compareJSON("", a, b, &diffs)
			if fmt.Sprint(files.quarantine) != fmt.Sprint(wh.quarantine) {
				t.Errorf("quarantine files and rows: %v from the files, %v from the warehouse", files.quarantine, wh.quarantine)
			}
			if len(diffs) > 0 {
				t.Errorf("%d differences between run --input and run --warehouse, first ones:\n%s", len(diffs), strings.Join(diffs[:min(len(diffs), 25)], "\n"))
			}
			// The manifest records the warehouse and each statement, never the DSN.
			m, err := manifest.Unmarshal(wh.manifest)
			if err != nil {
				t.Fatal(err)
			}
			w := m.Warehouse
			if w == nil || w.Dialect != "postgres" || w.Schema != schema || w.Snapshot != "" || len(w.Statements) < 3 {
				t.Fatalf("manifest warehouse member: %+v", w)
			}
			for _, st := range w.Statements {
				if len(st.SHA256) != 64 || (st.Role == "customers" && st.Rows == 0) {
					t.Errorf("statement %+v", st)
				}
			}
			if strings.Contains(string(wh.manifest), dsn) || strings.Contains(string(wh.manifest), "postgres://") {
				t.Error("the manifest holds the DSN")
			}
		})
	}
}

// caseDir writes the extract set of a case into a new folder and returns it: the
// hand-made tables or a generated set, with every timestamp on a whole day when the
// case says so.
func caseDir(t *testing.T, tc whCase) string {
	t.Helper()
	dir := t.TempDir()
	if tc.tables != nil {
		if err := pgtest.Write(dir, *tc.tables); err != nil {
			t.Fatal(err)
		}
	} else if _, err := generate.Write(context.Background(), dir, generate.Options{Customers: tc.customers, Seed: tc.seed}); err != nil {
		t.Fatal(err)
	}
	if !tc.coarse {
		return dir
	}
	out := t.TempDir()
	if err := pgtest.Coarsen(dir, out, 86_400_000_000); err != nil {
		t.Fatal(err)
	}
	return out
}

type runOut struct {
	json, manifest []byte
	quarantine     map[string]int64 // rows of each quarantine file, by base name
}

// runJSON computes the case's quarter from dir (dsn "") or from the warehouse and
// returns the JSON twin and the manifest.
func runJSON(t *testing.T, tc whCase, dir, dsn, schema string) runOut {
	t.Helper()
	ctx := context.Background()
	yml := tc.config
	if dsn != "" {
		yml += "warehouse: {dialect: " + cmp.Or(tc.dialect, "postgres") + ", schema: " + schema + "}\n"
	}
	cfg, err := config.Parse([]byte(yml), "")
	if err != nil {
		t.Fatal(err)
	}
	if dsn != "" {
		cfg.Warehouse.DSN = dsn
	}
	j, err := job.Open(job.Options{Loaded: cfg, Input: dir, Output: t.TempDir(), AsOf: tc.asOf, AllowOpen: tc.allowOpen, Warehouse: dsn != "", Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	l, err := j.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	outs, err := j.Rerun(ctx, l, tc.quarter, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := runOut{quarantine: map[string]int64{}}
	for _, f := range outs {
		switch {
		case strings.Contains(f.Name, "quarantine/"):
			pf, err := parquet.OpenFile(bytes.NewReader(f.Data), int64(len(f.Data)))
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			out.quarantine[path.Base(f.Name)] = pf.NumRows()
		case strings.HasPrefix(path.Base(f.Name), "recovery-scorecard-") && strings.HasSuffix(f.Name, ".json"):
			out.json = f.Data
		case strings.HasPrefix(path.Base(f.Name), "manifest-"):
			out.manifest = f.Data
		}
	}
	if out.json == nil || out.manifest == nil {
		t.Fatal("no JSON or manifest rendered")
	}
	return out
}

// compareJSON appends to diffs every place where a and b differ: numbers by more than
// 1e-9 relative, anything else at all.
func compareJSON(at string, a, b any, diffs *[]string) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			*diffs = append(*diffs, fmt.Sprintf("%s: %v vs %v", at, a, b))
			return
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok {
				*diffs = append(*diffs, fmt.Sprintf("%s.%s: only in files", at, k))
				continue
			}
			compareJSON(at+"."+k, v, w, diffs)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				*diffs = append(*diffs, fmt.Sprintf("%s.%s: only in warehouse", at, k))
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			*diffs = append(*diffs, fmt.Sprintf("%s: %d elements vs %v", at, len(x), describeLen(b)))
			if !ok {
				return
			}
		}
		for i := range min(len(x), len(y)) {
			compareJSON(fmt.Sprintf("%s[%d]", at, i), x[i], y[i], diffs)
		}
	case float64:
		y, ok := b.(float64)
		if !ok || math.Abs(x-y) > 1e-9*max(math.Abs(x), math.Abs(y), 1e-300) && math.Abs(x-y) > 1e-12 {
			*diffs = append(*diffs, fmt.Sprintf("%s: %v (files) vs %v (warehouse)", at, a, b))
		}
	default:
		if a != b {
			*diffs = append(*diffs, fmt.Sprintf("%s: %v (files) vs %v (warehouse)", at, a, b))
		}
	}
}

func describeLen(v any) string {
	if s, ok := v.([]any); ok {
		return fmt.Sprintf("%d elements", len(s))
	}
	return fmt.Sprintf("%v", v)
}

// tieTables are hand-made tables whose every row sits on a tie or a bound of SPEC §4
// (defaults: W 90, L 180, I 180, R 365 days).
func tieTables() *pgtest.Tables {
	const day = int64(86_400_000_000)
	at := func(y int, m time.Month, d int) int64 { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).UnixMicro() }
	s := func(v string) *string { return &v }
	i := func(v int64) *int64 { return &v }
	b := func(v bool) *bool { return &v }
	d := at(2026, 4, 10) // customer A's at-risk time
	r := d + 90*day      // its recovery, exactly at d + W
	p := at(2025, 11, 1) // customer C's only purchase: a lapse at p + L
	return &pgtest.Tables{
		Customers: []pgtest.Customer{
			{CustomerID: s("A"), Segment: s("gold"), Name: s("Ann")},
			{CustomerID: s("B"), Segment: s("silver"), Name: s("")},
			{CustomerID: s("C"), Segment: s("gold")},
			{CustomerID: s("D"), Segment: s(""), Name: s("Dee")},
			{CustomerID: s("D"), Segment: s("dup"), Name: s("Dee again")}, // duplicate key
		},
		Purchases: []pgtest.Purchase{
			{CustomerID: s("A"), PurchasedAt: d - 365*day, Amount: 10, OrderID: 1}, // exactly d - R: at risk
			{CustomerID: s("A"), PurchasedAt: d, Amount: 20, OrderID: 2},           // exactly d: neither at risk nor a recovery
			{CustomerID: s("A"), PurchasedAt: r, Amount: 30, OrderID: 3},           // exactly d + W: recovered
			{CustomerID: s("A"), PurchasedAt: r, Amount: 30, OrderID: 3},           // the same order twice
			{CustomerID: s("C"), PurchasedAt: p, Amount: 70, OrderID: 4},
			{CustomerID: s("D"), PurchasedAt: at(2026, 3, 1), Amount: 60, OrderID: 5},
			{CustomerID: s("D"), PurchasedAt: at(2026, 5, 1), Amount: -5, OrderID: 6},  // a refund
			{CustomerID: s("D"), PurchasedAt: at(2026, 5, 10), Amount: 0, OrderID: 7},  // not qualifying
			{CustomerID: s("D"), PurchasedAt: at(2026, 5, 20), Amount: 15, OrderID: 8}, // recovered
			{CustomerID: s("D"), PurchasedAt: at(2026, 5, 21), Amount: math.NaN(), OrderID: 9},
			{CustomerID: s("E"), PurchasedAt: at(2025, 12, 1), Amount: 25, OrderID: 10},
			{CustomerID: s("E"), PurchasedAt: at(2025, 12, 1) + 180*day, Amount: 25, OrderID: 11}, // exactly p + L: no lapse
			{CustomerID: s("E"), PurchasedAt: at(2027, 1, 20), Amount: 25, OrderID: 12},
		},
		Complaints: []pgtest.Complaint{
			{CustomerID: s("A"), ReportedAt: d / 1000, Reason: s("zeta"), ComplaintID: s("c1")},             // ties with a departure: the complaint wins
			{CustomerID: s("A"), ReportedAt: (r + 180*day) / 1000, Reason: s("late"), ComplaintID: s("c2")}, // exactly r + I: re-churned
			{CustomerID: s("B"), ReportedAt: at(2026, 5, 5) / 1000, Reason: s("b"), ComplaintID: s("c3")},
			{CustomerID: s("B"), ReportedAt: at(2026, 5, 5) / 1000, Reason: s("a"), ComplaintID: s("c4")}, // the smaller reason wins
			{CustomerID: s("B"), ReportedAt: at(2026, 5, 5) / 1000, Reason: nil, ComplaintID: s("c5")},    // unspecified
			{CustomerID: s("D"), ReportedAt: at(2026, 5, 2) / 1000, Reason: s(""), ComplaintID: s("c6")},
		},
		Departures: []pgtest.Departure{
			{CustomerID: s("A"), DepartedAt: i(d), Reason: s("alpha")},
			{CustomerID: s("C"), DepartedAt: i(p + 180*day), Reason: s("moved")}, // ties with the lapse: the departure wins
		},
		Outreach: []pgtest.Outreach{
			{CustomerID: s("C"), ContactedAt: p + 180*day, Channel: s("phone")},
			{CustomerID: s("C"), ContactedAt: p + 180*day + 90*day, Channel: nil},      // exactly at d + W: in the window
			{CustomerID: s("B"), ContactedAt: at(2026, 5, 5) - 1, Channel: s("email")}, // just before d: not
		},
		Offers: []pgtest.Offer{
			{CustomerID: s("A"), IssuedAt: d, OfferType: s("voucher"), FaceValue: 1000, RedeemedAt: i(r), ExpiresAt: d + 60*day, OfferID: s("o1")},
			{CustomerID: s("A"), IssuedAt: d, OfferType: s("discount"), FaceValue: 550, ExpiresAt: d + 400*day, OfferID: s("o2")}, // the same instant: the smaller type wins
			{CustomerID: s("D"), IssuedAt: at(2026, 5, 2), OfferType: nil, FaceValue: 700, ExpiresAt: at(2026, 6, 1), OfferID: s("o3")},
			{CustomerID: s("D"), IssuedAt: at(2026, 5, 2), OfferType: s("x"), FaceValue: 100, RedeemedAt: i(at(2026, 5, 1)), ExpiresAt: at(2026, 6, 1), OfferID: s("o4")}, // redeemed before issued
		},
		Surveys: []pgtest.Survey{
			{CustomerID: s("A"), RespondedAt: r + day, Score: 5, RecoveryRelated: b(true), ResponseID: s("s1")},
			{CustomerID: s("D"), RespondedAt: at(2026, 5, 25), Score: 3, RecoveryRelated: b(true), ResponseID: s("s2")},
			{CustomerID: s("D"), RespondedAt: at(2026, 5, 26), Score: 4, RecoveryRelated: nil, ResponseID: s("s3")},
			{CustomerID: s("D"), RespondedAt: at(2026, 5, 27), Score: 9, RecoveryRelated: b(true), ResponseID: s("s4")}, // out of range
		},
	}
}
