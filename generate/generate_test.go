package generate

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// One 2,000-customer set shared by the read-only tests.
var (
	sharedOnce sync.Once
	sharedDir  string
	sharedSum  Summary
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDir != "" {
		os.RemoveAll(filepath.Dir(sharedDir))
	}
	os.Exit(code)
}

func shared(t *testing.T) (string, Summary) {
	t.Helper()
	sharedOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "generate-test-")
		if err != nil {
			sharedErr = err
			return
		}
		sharedDir = filepath.Join(tmp, "extract")
		sharedSum, sharedErr = Write(context.Background(), sharedDir, Options{})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedDir, sharedSum
}

// files lists the Parquet files under dir, relative, in lexical order.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func readAll[T any](t *testing.T, paths ...string) []T {
	t.Helper()
	var rows []T
	for _, p := range paths {
		rs, err := parquet.ReadFile[T](p)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		rows = append(rows, rs...)
	}
	return rows
}

func purchaseFiles(t *testing.T, dir string) []string {
	var out []string
	for _, f := range files(t, dir) {
		if strings.HasPrefix(f, "purchases/") {
			out = append(out, filepath.Join(dir, f))
		}
	}
	return out
}

func TestDeterministicBytes(t *testing.T) {
	ctx := context.Background()
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	opts := Options{Customers: 1500, Seed: 7, PartRows: 10_000}
	if _, err := Write(ctx, a, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, b, opts); err != nil {
		t.Fatal(err)
	}
	fa, fb := files(t, a), files(t, b)
	if !slices.Equal(fa, fb) {
		t.Fatalf("file lists differ:\n%v\n%v", fa, fb)
	}
	for _, f := range fa {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same options", f)
		}
	}
	opts.Seed = 8
	if _, err := Write(ctx, c, opts); err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(filepath.Join(a, "customers.parquet"))
	y, _ := os.ReadFile(filepath.Join(c, "customers.parquet"))
	if bytes.Equal(x, y) {
		t.Error("a different seed gave the same customers file")
	}
}

func TestLayoutAndCounts(t *testing.T) {
	dir, sum := shared(t)
	var names []string
	counts := map[string]TableCount{}
	for _, tc := range sum.Tables {
		names = append(names, tc.Table)
		counts[tc.Table] = tc
	}
	if !slices.Equal(names, tableNames) {
		t.Fatalf("summary tables %v, want %v", names, tableNames)
	}
	fl := files(t, dir)
	for _, f := range fl {
		if strings.HasPrefix(f, "purchases/") {
			parts := strings.Split(f, "/")
			if len(parts) != 3 || !strings.HasPrefix(parts[1], "year=") || !strings.HasPrefix(parts[2], "part-") || !strings.HasSuffix(f, ".parquet") {
				t.Errorf("unexpected purchases file %s", f)
			}
		} else if !slices.Contains(tableNames, strings.TrimSuffix(f, ".parquet")) {
			t.Errorf("unexpected file %s", f)
		}
	}
	want := []string{"purchases/year=2023/part-00000.parquet", "purchases/year=2024/part-00000.parquet",
		"purchases/year=2025/part-00000.parquet", "purchases/year=2026/part-00000.parquet"}
	for _, w := range want {
		if !slices.Contains(fl, w) {
			t.Errorf("missing %s (have %v)", w, fl)
		}
	}
	check := func(table string, n int) {
		if got := counts[table].Rows; got != int64(n) {
			t.Errorf("%s: summary says %d rows, files hold %d", table, got, n)
		}
	}
	check("customers", len(readAll[customerRow](t, filepath.Join(dir, "customers.parquet"))))
	purchases := readAll[purchaseRow](t, purchaseFiles(t, dir)...)
	check("purchases", len(purchases))
	if counts["purchases"].Files != len(purchaseFiles(t, dir)) {
		t.Errorf("purchases: summary says %d files, found %d", counts["purchases"].Files, len(purchaseFiles(t, dir)))
	}
	check("complaints", len(readAll[complaintRow](t, filepath.Join(dir, "complaints.parquet"))))
	check("departures", len(readAll[departureRow](t, filepath.Join(dir, "departures.parquet"))))
	check("outreach", len(readAll[outreachRow](t, filepath.Join(dir, "outreach.parquet"))))
	check("offers", len(readAll[offerRow](t, filepath.Join(dir, "offers.parquet"))))
	check("surveys", len(readAll[surveyRow](t, filepath.Join(dir, "surveys.parquet"))))

	// about 21.7 purchases per customer (300,000 customers: about 6.5 million)
	ratio := float64(len(purchases)) / 2000
	if ratio < 20.5 || ratio > 23 {
		t.Errorf("purchases per customer = %.2f, want about 21.7", ratio)
	}
	t.Logf("summary %+v, purchases per customer %.2f", sum.Tables, ratio)
}

func TestPartRows(t *testing.T) {
	dir := t.TempDir()
	sum, err := Write(context.Background(), dir, Options{Customers: 600, PartRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	pf := purchaseFiles(t, dir)
	total := 0
	for _, p := range pf {
		n := len(readAll[purchaseRow](t, p))
		if n > 1000 || n == 0 {
			t.Errorf("%s holds %d rows, want 1..1000", p, n)
		}
		total += n
	}
	if sum.Tables[1].Rows != int64(total) || sum.Tables[1].Files != len(pf) || len(pf) < 10 {
		t.Errorf("summary %+v, files %d rows %d", sum.Tables[1], len(pf), total)
	}
	if !slices.Contains(pf, filepath.Join(dir, "purchases/year=2025/part-00001.parquet")) {
		t.Errorf("no second part in year=2025: %v", pf)
	}
}

func TestRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "offers.parquet"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(context.Background(), dir, Options{Customers: 10}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v, want already exists", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Write(ctx, t.TempDir(), Options{Customers: 5000})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestColumnTypes(t *testing.T) {
	dir, _ := shared(t)
	want := map[string]string{
		"customers.parquet": `
	optional binary customer_id (STRING);
	optional binary segment (STRING);
	optional binary name (STRING);`,
		"purchases/year=2025/part-00000.parquet": `
	optional binary customer_id (STRING);
	required int64 purchased_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	required double amount;
	required int64 order_id (INT(64,true));`,
		"complaints.parquet": `
	optional binary customer_id (STRING);
	required int64 reported_at (TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS));
	optional binary reason (STRING);
	optional binary complaint_id (STRING);`,
		"departures.parquet": `
	optional binary customer_id (STRING);
	optional int64 departed_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	optional binary reason (STRING);`,
		"outreach.parquet": `
	optional binary customer_id (STRING);
	required int64 contacted_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	optional binary channel (STRING);`,
		"offers.parquet": `
	optional binary customer_id (STRING);
	required int64 issued_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	optional binary offer_type (STRING);
	required int64 face_value (DECIMAL(10,2));
	optional int64 redeemed_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	required int64 expires_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	optional binary offer_id (STRING);`,
		"surveys.parquet": `
	optional binary customer_id (STRING);
	required int64 responded_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	required int32 score (INT(32,true));
	optional boolean recovery_related;
	optional binary response_id (STRING);`,
	}
	dictionary := map[string][]string{
		"customers.parquet":  {"segment"},
		"complaints.parquet": {"reason"},
		"departures.parquet": {"reason"},
		"outreach.parquet":   {"channel"},
		"offers.parquet":     {"offer_type"},
	}
	for name, cols := range want {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		pf, err := parquet.OpenFile(f, st.Size())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := pf.Schema().String()
		if !strings.Contains(got, strings.TrimPrefix(cols, "\n")+"\n}") {
			t.Errorf("%s schema:\n%s\nwant columns:%s", name, got, cols)
		}
		for _, col := range dictionary[name] {
			found := false
			for _, c := range pf.Metadata().RowGroups[0].Columns {
				if c.MetaData.PathInSchema[0] == col {
					for _, e := range c.MetaData.Encoding {
						found = found || e.String() == "RLE_DICTIONARY"
					}
				}
			}
			if !found {
				t.Errorf("%s.%s is not dictionary-encoded", name, col)
			}
		}
		f.Close()
	}
}

// invalid mirrors SPEC §2's rules for setting rows aside and returns the
// number of invalid rows.
func invalidRows[T any](rows []T, check func(T) bool, key func(T) string) int {
	n := 0
	seen := map[string]bool{}
	for _, r := range rows {
		if check(r) {
			n++
			continue
		}
		if key != nil {
			if k := key(r); k != "" {
				if seen[k] {
					n++
				}
				seen[k] = true
			}
		}
	}
	return n
}

func badTS(t int64, unit int64) bool { return t < 0 || t >= 7258118400*1_000_000/unit }

func TestInvalidShareAndTimeRange(t *testing.T) {
	dir, _ := shared(t)
	end := DefaultEnd.UnixMicro()
	start := end - spanDays*day
	inRange := func(table string, ts int64) {
		if ts > end {
			t.Errorf("%s: timestamp %s later than End", table, time.UnixMicro(ts).UTC())
		}
		if ts < start {
			t.Errorf("%s: valid timestamp %s before the data span", table, time.UnixMicro(ts).UTC())
		}
	}
	type result struct {
		rows, bad int
	}
	res := map[string]result{}

	cs := readAll[customerRow](t, filepath.Join(dir, "customers.parquet"))
	res["customers"] = result{len(cs), invalidRows(cs, func(r customerRow) bool { return r.CustomerID == "" },
		func(r customerRow) string { return r.CustomerID })}

	ps := readAll[purchaseRow](t, purchaseFiles(t, dir)...)
	res["purchases"] = result{len(ps), invalidRows(ps, func(r purchaseRow) bool {
		bad := r.CustomerID == "" || badTS(r.PurchasedAt, 1) || math.IsNaN(r.Amount) || math.IsInf(r.Amount, 0)
		if !bad {
			inRange("purchases", r.PurchasedAt)
		}
		return bad
	}, func(r purchaseRow) string { return strconv.FormatInt(r.OrderID, 10) })}

	cps := readAll[complaintRow](t, filepath.Join(dir, "complaints.parquet"))
	res["complaints"] = result{len(cps), invalidRows(cps, func(r complaintRow) bool {
		bad := r.CustomerID == "" || badTS(r.ReportedAt, 1000)
		if !bad {
			inRange("complaints", r.ReportedAt*1000)
		}
		return bad
	}, func(r complaintRow) string { return r.ComplaintID })}

	ds := readAll[departureRow](t, filepath.Join(dir, "departures.parquet"))
	res["departures"] = result{len(ds), invalidRows(ds, func(r departureRow) bool {
		bad := r.CustomerID == "" || r.DepartedAt == 0 || badTS(r.DepartedAt, 1)
		if !bad {
			inRange("departures", r.DepartedAt)
		}
		return bad
	}, nil)}

	ors := readAll[outreachRow](t, filepath.Join(dir, "outreach.parquet"))
	res["outreach"] = result{len(ors), invalidRows(ors, func(r outreachRow) bool {
		bad := r.CustomerID == "" || badTS(r.ContactedAt, 1)
		if !bad {
			inRange("outreach", r.ContactedAt)
		}
		return bad
	}, nil)}

	ofs := readAll[offerRow](t, filepath.Join(dir, "offers.parquet"))
	res["offers"] = result{len(ofs), invalidRows(ofs, func(r offerRow) bool {
		bad := r.CustomerID == "" || badTS(r.IssuedAt, 1) || r.RedeemedAt != 0 && r.RedeemedAt < r.IssuedAt
		if !bad {
			inRange("offers", r.IssuedAt)
			if r.RedeemedAt != 0 {
				inRange("offers", r.RedeemedAt)
			}
			if r.ExpiresAt <= r.IssuedAt {
				t.Errorf("offer %s expires before issue", r.OfferID)
			}
		}
		return bad
	}, func(r offerRow) string { return r.OfferID })}

	ss := readAll[surveyRow](t, filepath.Join(dir, "surveys.parquet"))
	res["surveys"] = result{len(ss), invalidRows(ss, func(r surveyRow) bool {
		bad := r.CustomerID == "" || badTS(r.RespondedAt, 1) || r.Score < 1 || r.Score > 5
		if !bad {
			inRange("surveys", r.RespondedAt)
		}
		return bad
	}, func(r surveyRow) string { return r.ResponseID })}

	total := 0
	for _, name := range tableNames {
		r := res[name]
		total += r.bad
		share := float64(r.bad) / float64(r.rows)
		t.Logf("%-10s %6d rows %3d invalid (%.3f%%)", name, r.rows, r.bad, 100*share)
		if share > 0.002 {
			t.Errorf("%s: invalid share %.4f over 0.2%%", name, share)
		}
		if r.rows < 1000 && r.bad > 0 {
			t.Errorf("%s: %d invalid rows in a table of %d rows", name, r.bad, r.rows)
		}
	}
	if res["purchases"].bad == 0 || total < 5 {
		t.Errorf("want a few invalid rows to exercise data quality, got %d", total)
	}

	// the latest instant is End itself
	var latest int64
	for _, p := range ps {
		latest = max(latest, p.PurchasedAt)
	}
	if latest != end {
		t.Errorf("latest purchase %s, want End %s", time.UnixMicro(latest).UTC(), DefaultEnd)
	}
}

func TestStory(t *testing.T) {
	dir, _ := shared(t)
	cs := readAll[customerRow](t, filepath.Join(dir, "customers.parquet"))
	ps := readAll[purchaseRow](t, purchaseFiles(t, dir)...)
	cps := readAll[complaintRow](t, filepath.Join(dir, "complaints.parquet"))
	ds := readAll[departureRow](t, filepath.Join(dir, "departures.parquet"))
	ors := readAll[outreachRow](t, filepath.Join(dir, "outreach.parquet"))
	ofs := readAll[offerRow](t, filepath.Join(dir, "offers.parquet"))
	ss := readAll[surveyRow](t, filepath.Join(dir, "surveys.parquet"))

	share := func(n, d int) float64 { return float64(n) / float64(d) }
	distinct := func(ids []string) int {
		m := map[string]bool{}
		for _, id := range ids {
			if id != "" {
				m[id] = true
			}
		}
		return len(m)
	}
	between := func(what string, v, lo, hi float64) {
		t.Logf("%-40s %.3f", what, v)
		if v < lo || v > hi {
			t.Errorf("%s = %.3f, want %.3f..%.3f", what, v, lo, hi)
		}
	}
	ids := func(get func(int) string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = get(i)
		}
		return out
	}
	n := 2000
	between("customers with a complaint", share(distinct(ids(func(i int) string { return cps[i].CustomerID }, len(cps))), n), 0.2, 0.6)
	between("customers with a departure", share(distinct(ids(func(i int) string { return ds[i].CustomerID }, len(ds))), n), 0.04, 0.25)
	between("customers with an offer", share(distinct(ids(func(i int) string { return ofs[i].CustomerID }, len(ofs))), n), 0.1, 0.5)
	between("customers contacted", share(distinct(ids(func(i int) string { return ors[i].CustomerID }, len(ors))), n), 0.1, 0.5)

	nullSeg, segs := 0, map[string]bool{}
	for _, c := range cs {
		if c.Segment == "" {
			nullSeg++
		} else {
			segs[c.Segment] = true
		}
		if c.Name == "" {
			t.Errorf("customer %s has no name", c.CustomerID)
		}
	}
	between("customers without a segment", share(nullSeg, len(cs)), 0.01, 0.15)
	if len(segs) != 4 {
		t.Errorf("segments %v", segs)
	}

	refunds, zeros := 0, 0
	orders := map[int64]int{}
	for _, p := range ps {
		switch {
		case p.Amount < 0:
			refunds++
		case p.Amount == 0:
			zeros++
		}
		if p.Amount != math.Round(p.Amount*100)/100 && !math.IsNaN(p.Amount) {
			t.Errorf("amount %v has more than 2 decimals", p.Amount)
		}
		orders[p.OrderID]++
	}
	between("refund share of purchases", share(refunds, len(ps)), 0.02, 0.04)
	between("zero-amount share of purchases", share(zeros, len(ps)), 0.0003, 0.01)

	redeemed, expired := 0, 0
	end := DefaultEnd.UnixMicro()
	for _, o := range ofs {
		if o.RedeemedAt != 0 {
			redeemed++
		} else if o.ExpiresAt <= end {
			expired++
		}
		if o.FaceValue <= 0 {
			t.Errorf("offer %s face value %d", o.OfferID, o.FaceValue)
		}
	}
	between("offers redeemed", share(redeemed, len(ofs)), 0.6, 0.9)
	between("offers expired", share(expired, len(ofs)), 0.08, 0.25)

	rel, relHigh, nullRel := 0, 0, 0
	for _, s := range ss {
		switch {
		case s.RecoveryRelated == nil:
			nullRel++
		case *s.RecoveryRelated:
			rel++
			if s.Score >= 3 {
				relHigh++
			}
		}
	}
	between("surveys recovery-related", share(rel, len(ss)), 0.15, 0.6)
	between("recovery-related scores 3..5", share(relHigh, rel), 0.8, 1)
	if nullRel == 0 {
		t.Error("no null recovery_related")
	}

	reasons := map[string]int{}
	for _, c := range cps {
		reasons[c.Reason]++
	}
	for _, r := range complaintReasons {
		if reasons[r] == 0 {
			t.Errorf("no complaint with reason %q", r)
		}
	}
}

// BenchmarkWrite300k times a 300,000-customer set (about 6.5 million
// purchases): go test -run X -bench Write300k -benchtime 1x ./generate
func BenchmarkWrite300k(b *testing.B) {
	for b.Loop() {
		dir := b.TempDir()
		sum, err := Write(context.Background(), dir, Options{Customers: 300_000})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Tables[1].Rows), "purchases")
	}
}
