package readers

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestDiscoverLayout(t *testing.T) {
	dir := t.TempDir()
	base := basePurchases(col{})
	writeArrow(t, dir, "purchases/dt=2026-01-02/part-0.parquet", arrowOpts{}, base...)
	writeArrow(t, dir, "purchases/dt=2026-01-01/part-1.parquet", arrowOpts{}, base...)
	writeArrow(t, dir, "purchases/dt=2026-01-01/part-0.parquet", arrowOpts{}, base...)
	writeFile(t, dir, "purchases/_SUCCESS", nil)
	writeFile(t, dir, "purchases/dt=2026-01-01/.part-0.parquet.crc", []byte("crc"))
	writeFile(t, dir, "purchases/_temporary/0/part-9.parquet", []byte("garbage"))
	writeFile(t, dir, "purchases/.hidden.parquet", []byte("garbage"))
	if err := os.MkdirAll(filepath.Join(dir, "complaints", "dt=2026-01-01"), 0o755); err != nil { // no parquet: absent
		t.Fatal(err)
	}
	writeArrow(t, dir, "customers.parquet", arrowOpts{}, c("customer_id", arrow.BinaryTypes.String, `["a"]`))

	ex, err := Discover(t.Context(), os.DirFS(dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ts := range ex.Tables() {
		names = append(names, ts.Def.Name)
	}
	if !reflect.DeepEqual(names, []string{"customers", "purchases"}) {
		t.Errorf("tables %v", names)
	}
	var paths []string
	for _, f := range ex.Table("purchases").Files {
		paths = append(paths, f.Path)
		if f.Size <= 0 {
			t.Errorf("%s: size %d", f.Path, f.Size)
		}
	}
	want := []string{"purchases/dt=2026-01-01/part-0.parquet", "purchases/dt=2026-01-01/part-1.parquet", "purchases/dt=2026-01-02/part-0.parquet"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("files %v, want %v", paths, want)
	}
	if ex.Table("complaints") != nil {
		t.Error("a folder without parquet files should be an absent table")
	}
	p := ex.Table("purchases")
	if !p.HasColumn("amount") || p.HasColumn("order_id") {
		t.Error("HasColumn")
	}
	res := readTable(t, dir, "purchases", Options{}, nil)
	if len(res.rows) != 9 || res.quality.RowsRead != 9 {
		t.Errorf("read %d rows", len(res.rows))
	}
	// Hive partition columns are not added.
	if res.schema.NumFields() != 3 {
		t.Errorf("schema %s", res.schema)
	}
}

func TestDiscoverMapping(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "exports/orders/part-0.parquet", arrowOpts{},
		c("cust", arrow.BinaryTypes.String, `["a", "b"]`),
		c("order_ts", tsUTC(arrow.Millisecond), `[1, 2]`),
		c("net_amount", arrow.PrimitiveTypes.Float64, `[1, null]`))
	writeArrow(t, dir, "cust.parquet", arrowOpts{}, c("id", arrow.PrimitiveTypes.Int64, `[1]`))
	opts := Options{Tables: map[string]Mapping{
		"purchases": {Path: "exports/orders/", Columns: map[string]string{"customer_id": "cust", "purchased_at": "order_ts", "amount": "net_amount"}},
		"customers": {Path: "cust.parquet", Columns: map[string]string{"customer_id": "id"}},
	}}
	res := readTable(t, dir, "purchases", opts, nil)
	if got := column(res.rows, "customer_id"); !reflect.DeepEqual(got, []any{"a"}) {
		t.Errorf("customer_id %v", got)
	}
	if res.quality.ByReason["missing amount"] != 1 {
		t.Errorf("reasons %v", res.quality.ByReason)
	}
	if got := res.setAside.Columns[2].Source; got != "net_amount" {
		t.Errorf("quarantine column source %q", got)
	}
	cu := readTable(t, dir, "customers", opts, nil)
	if got := column(cu.rows, "customer_id"); !reflect.DeepEqual(got, []any{"1"}) {
		t.Errorf("customers %v", got)
	}
	_, err := Discover(t.Context(), os.DirFS(dir), Options{Tables: map[string]Mapping{"refunds": {}}})
	if err == nil || errors.Is(err, ErrUnusable) {
		t.Errorf("unknown table in mapping: %v", err)
	}
}

func TestDiscoverEmbeddedFS(t *testing.T) {
	b, err := arrowBytes(arrowOpts{}, basePurchases(col{})...)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"purchases.parquet": {Data: b}}
	ex, err := Discover(t.Context(), fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ex.Table("purchases").Open(t.Context(), []string{"amount"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec, err := r.Next(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if rec.NumRows() != 3 || rec.NumCols() != 1 {
		t.Errorf("got %d rows, %d cols", rec.NumRows(), rec.NumCols())
	}
}

func TestSchemaErrors(t *testing.T) {
	good, err := arrowBytes(arrowOpts{}, basePurchases(col{})...)
	if err != nil {
		t.Fatal(err)
	}
	intID, err := arrowBytes(arrowOpts{}, basePurchases(c("customer_id", arrow.PrimitiveTypes.Int64, `[1,2,3]`))...)
	if err != nil {
		t.Fatal(err)
	}
	noAmount, err := arrowBytes(arrowOpts{}, basePurchases(col{})[:2]...)
	if err != nil {
		t.Fatal(err)
	}
	strAmount, err := arrowBytes(arrowOpts{}, basePurchases(c("amount", arrow.BinaryTypes.String, `["1","2","3"]`))...)
	if err != nil {
		t.Fatal(err)
	}
	// A number is never text (BYTE_ARRAY without annotation is, SPEC §2 v2).
	numText, err := arrowBytes(arrowOpts{}, c("customer_id", arrow.BinaryTypes.String, `["a"]`), c("segment", arrow.PrimitiveTypes.Float64, `[1.5]`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		files map[string][]byte
		want  []string // substrings of the error
	}{
		{"missing purchases", map[string][]byte{"customers.parquet": good}, []string{"missing required table purchases"}},
		{"missing required column", map[string][]byte{"purchases/part-0.parquet": good, "purchases/part-1.parquet": noAmount},
			[]string{"purchases/part-1.parquet", "table purchases", "missing required column amount"}},
		{"wrong type", map[string][]byte{"purchases/part-0.parquet": good, "purchases/part-0002.parquet": strAmount},
			[]string{"purchases/part-0002.parquet", "column amount", "want a number, found BYTE_ARRAY (string)"}},
		{"optional column of wrong type", map[string][]byte{"purchases.parquet": good, "customers.parquet": numText},
			[]string{"customers.parquet", "column segment", "want text, found DOUBLE"}},
		{"conflicting family", map[string][]byte{"purchases/a.parquet": good, "purchases/b.parquet": intID},
			[]string{"column customer_id", "purchases/a.parquet", "purchases/b.parquet"}},
		{"truncated", map[string][]byte{"purchases.parquet": good[:len(good)/2]}, []string{"purchases.parquet"}},
		{"truncated footer", map[string][]byte{"purchases.parquet": good[:len(good)-3]}, []string{"purchases.parquet"}},
		{"empty", map[string][]byte{"purchases.parquet": {}}, []string{"purchases.parquet"}},
		{"not parquet", map[string][]byte{"purchases.parquet": []byte("customer_id,amount\n1,2\n")}, []string{"purchases.parquet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for p, b := range tt.files {
				fsys[p] = &fstest.MapFile{Data: b}
			}
			_, err := Discover(t.Context(), fsys, Options{})
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			if !errors.Is(err, ErrUnusable) {
				t.Errorf("%v does not wrap ErrUnusable", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestCorruptDataPages damages the bytes between the header and the footer:
// Discover succeeds (the footer is intact) and reading fails with an error
// naming the file, never a panic.
func TestCorruptDataPages(t *testing.T) {
	good, err := arrowBytes(arrowOpts{}, basePurchases(col{})...)
	if err != nil {
		t.Fatal(err)
	}
	failures := 0
	for i := 4; i < len(good)/2; i++ {
		b := append([]byte(nil), good...)
		b[i] ^= 0xff
		fsys := fstest.MapFS{"purchases.parquet": {Data: b}}
		err := readAllFS(t, fsys)
		if err != nil {
			failures++
			if !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), "purchases.parquet") {
				t.Errorf("byte %d: %v", i, err)
			}
		}
	}
	if failures == 0 {
		t.Error("no corruption was detected")
	}
}

// A named pipe where a table's file is expected is refused by Discover with an error
// naming it, without opening it (which would wait forever for a writer, deaf to
// cancellation): as the table's file, as a part file, or named by a link. The error is
// unusable but not retryable.
func TestDiscoverRefusesNonRegularFiles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pipe  string // made a named pipe
		link  string // when set, a link to the pipe
		named string // the path the error names
	}{
		{"table file", "offers.parquet", "", "offers.parquet"},
		{"part file", "offers/dt=1/part-0.parquet", "", "offers/dt=1/part-0.parquet"},
		{"link to a pipe", "pipe", "offers/part-0.parquet", "offers/part-0.parquet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
			p := filepath.Join(dir, filepath.FromSlash(tc.pipe))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skipf("no named pipes here: %v", err)
			}
			if tc.link != "" {
				l := filepath.Join(dir, filepath.FromSlash(tc.link))
				if err := os.MkdirAll(filepath.Dir(l), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(p, l); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan error, 1)
			go func() {
				_, err := Discover(t.Context(), os.DirFS(dir), Options{})
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Discover still waits after 10 s: it opened the pipe")
			}
			if err == nil {
				t.Fatal("a named pipe was accepted")
			}
			if !errors.Is(err, ErrUnusable) || errors.Is(err, ErrIncomplete) {
				t.Errorf("want unusable, not retryable: %v", err)
			}
			if !strings.Contains(err.Error(), tc.named+": a named pipe (FIFO), not a regular file") {
				t.Errorf("the error should name %s as a named pipe: %v", tc.named, err)
			}
		})
	}
}

// A link to a Parquet file is read as that file, as the table's file or as a part
// file; a link to a folder inside a table's folder is not followed.
func TestDiscoverFollowsLinksToFiles(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "real/purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	customers := c("customer_id", arrow.BinaryTypes.String, `["a"]`)
	writeArrow(t, dir, "real/part-1.parquet", arrowOpts{}, customers)
	writeArrow(t, dir, "real/sub/part-2.parquet", arrowOpts{}, customers)
	for link, target := range map[string]string{
		"purchases.parquet":          "real/purchases.parquet",
		"customers/part-0.parquet":   "real/part-1.parquet",
		"customers/linked.parquet":   "real/sub",
		"customers/x/part-1.parquet": "real/part-1.parquet",
	} {
		l := filepath.Join(dir, filepath.FromSlash(link))
		if err := os.MkdirAll(filepath.Dir(l), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(dir, filepath.FromSlash(target)), l); err != nil {
			t.Skipf("no links here: %v", err)
		}
	}
	ex, err := Discover(t.Context(), os.DirFS(dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ex.Table("purchases").Files; len(got) != 1 || got[0].Path != "purchases.parquet" || got[0].Size <= 0 {
		t.Errorf("purchases files %+v", got)
	}
	var paths []string
	for _, f := range ex.Table("customers").Files {
		paths = append(paths, f.Path)
	}
	if want := []string{"customers/part-0.parquet", "customers/x/part-1.parquet"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("customers files %v, want %v", paths, want)
	}
	if res := readTable(t, dir, "customers", Options{HashFiles: true}, nil); res.quality.RowsRead != 2 || len(res.quality.SHA256) != 2 {
		t.Errorf("read %d rows and hashed %d files through the links, want 2 and 2", res.quality.RowsRead, len(res.quality.SHA256))
	}
}

// pipeBehindFS is dir, where Stat of name describes the regular file decoy but Open
// of name opens the named pipe pipe: a pipe put in place after Discover checked the
// path.
type pipeBehindFS struct {
	fs.FS
	name, decoy, pipe string
}

func (p pipeBehindFS) Stat(name string) (fs.FileInfo, error) {
	if name == p.name {
		name = p.decoy
	}
	return fs.Stat(p.FS, name)
}

func (p pipeBehindFS) Open(name string) (fs.File, error) {
	if name == p.name {
		name = p.pipe
	}
	return p.FS.Open(name)
}

// An open that waits without end (a named pipe put in place after Discover checked
// the path) does not keep a cancelled Discover from returning: SIGTERM ends the run.
func TestDiscoverCancelledWhileOpenWaits(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	pipe := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	t.Cleanup(func() {
		// A writer ends the open still waiting on the pipe.
		if w, err := os.OpenFile(pipe, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = w.Close()
		}
	})
	fsys := pipeBehindFS{FS: os.DirFS(dir), name: "offers.parquet", decoy: "purchases.parquet", pipe: "pipe"}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Discover(ctx, fsys, Options{})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrUnusable) {
			t.Errorf("want the context's error alone, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Discover still waits 10 s after its context ended")
	}
}
