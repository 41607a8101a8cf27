package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/internal/publish"
)

var (
	goodOnce sync.Once
	goodDir  string
	goodErr  error
)

// goodExtract returns a small generated extract set shared by the failure tests; each
// test copies it before breaking it.
func goodExtract(t *testing.T) string {
	t.Helper()
	goodOnce.Do(func() {
		goodDir, goodErr = os.MkdirTemp("", "recoverykpi-good-")
		if goodErr == nil {
			_, goodErr = generate.Write(context.Background(), filepath.Join(goodDir, "x"), generate.Options{Customers: 300, Seed: 3})
		}
	})
	if goodErr != nil {
		t.Fatal(goodErr)
	}
	dst := filepath.Join(t.TempDir(), "extract")
	copyTree(t, filepath.Join(goodDir, "x"), dst)
	return dst
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// hashTree returns the SHA-256 of every file under dir, by slash path relative to dir.
func hashTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == dir {
			return nil // no folder: no files
		}
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// firstPurchasesPart returns the first part file of the generated purchases table.
func firstPurchasesPart(t *testing.T, root string) string {
	t.Helper()
	var first string
	filepath.WalkDir(filepath.Join(root, "purchases"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && first == "" && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			first = p
		}
		return err
	})
	if first == "" {
		t.Fatal("no purchases part file")
	}
	return first
}

// writeRecord writes rec as a Parquet file with pqarrow.
func writeRecord(t *testing.T, path string, rec arrow.RecordBatch) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// purchasesRecord builds a purchases batch of n rows; amountAsText writes amount as a
// string, dropAmount leaves it out.
func purchasesRecord(n int, amountAsText, dropAmount bool) arrow.RecordBatch {
	mem := memory.NewGoAllocator()
	fields := []arrow.Field{{Name: "customer_id", Type: arrow.BinaryTypes.String}, {Name: "purchased_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}}}
	if !dropAmount {
		typ := arrow.DataType(arrow.PrimitiveTypes.Float64)
		if amountAsText {
			typ = arrow.BinaryTypes.String
		}
		fields = append(fields, arrow.Field{Name: "amount", Type: typ})
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	for i := range n {
		b.Field(0).(*array.StringBuilder).Append("C0000001")
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(1_760_000_000_000_000 + int64(i)*1_000_000))
		if !dropAmount {
			if amountAsText {
				b.Field(2).(*array.StringBuilder).Append("12.50")
			} else {
				b.Field(2).(*array.Float64Builder).Append(12.5)
			}
		}
	}
	return b.NewRecordBatch()
}

// publishGood copies the good extract, publishes it into a fresh output folder
// beside it and returns the extract, the folder and the hashes of what it holds.
func publishGood(t *testing.T) (root, out string, before map[string]string) {
	t.Helper()
	root = goodExtract(t)
	out = filepath.Join(filepath.Dir(root), "out")
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"run", "--input", root, "--output", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("good run: exit %d: %s", code, stderr.String())
	}
	return root, out, hashTree(t, out)
}

func TestFailuresNeverReplacePublishedOutput(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(t *testing.T, root string) []string // returns extra run args
		code   int
		want   []string // fragments the message must contain
		// quarantine: the failure still publishes quarantine/<table>.parquet
		quarantine string
	}{
		{name: "missing required table", code: ExitData, want: []string{"purchases"},
			break_: func(t *testing.T, root string) []string { os.RemoveAll(filepath.Join(root, "purchases")); return nil }},
		{name: "missing required column", code: ExitData, want: []string{"purchases/", "part-", "amount"},
			break_: func(t *testing.T, root string) []string {
				rec := purchasesRecord(10, false, true)
				defer rec.Release()
				writeRecord(t, firstPurchasesPart(t, root), rec)
				return nil
			}},
		{name: "wrong column type", code: ExitData, want: []string{"purchases/", "column amount", "want a number", "BYTE_ARRAY"},
			break_: func(t *testing.T, root string) []string {
				rec := purchasesRecord(10, true, false)
				defer rec.Release()
				writeRecord(t, filepath.Join(root, "purchases", "zz-extra.parquet"), rec)
				return nil
			}},
		{name: "a part without a required column", code: ExitData, want: []string{"purchases/zz-noamount.parquet", "amount"},
			break_: func(t *testing.T, root string) []string {
				// Parts may differ by optional columns (schema evolution), never by a
				// required one: this part has no amount.
				rec := purchasesRecord(10, false, true)
				defer rec.Release()
				writeRecord(t, filepath.Join(root, "purchases", "zz-noamount.parquet"), rec)
				return nil
			}},
		{name: "truncated file", code: ExitData, want: []string{"purchases/", "part-"},
			break_: func(t *testing.T, root string) []string {
				p := firstPurchasesPart(t, root)
				b, _ := os.ReadFile(p)
				os.WriteFile(p, b[:len(b)/2], 0o644)
				return nil
			}},
		{name: "corrupt bytes in the footer", code: ExitData, want: []string{"purchases/", "part-"},
			break_: func(t *testing.T, root string) []string {
				p := firstPurchasesPart(t, root)
				b, _ := os.ReadFile(p)
				for i := len(b) - 200; i < len(b)-8; i++ {
					b[i] ^= 0x5a
				}
				os.WriteFile(p, b, 0o644)
				return nil
			}},
		{name: "empty file", code: ExitData, want: []string{"complaints.parquet"},
			break_: func(t *testing.T, root string) []string {
				os.WriteFile(filepath.Join(root, "complaints.parquet"), nil, 0o644)
				return nil
			}},
		{name: "not a Parquet file", code: ExitData, want: []string{"surveys.parquet"},
			break_: func(t *testing.T, root string) []string {
				os.WriteFile(filepath.Join(root, "surveys.parquet"), []byte("customer_id,score\nC1,5\n"), 0o644)
				return nil
			}},
		{name: "unreadable file (dangling link)", code: ExitData, want: []string{"purchases/", "zz-gone.parquet"},
			break_: func(t *testing.T, root string) []string {
				os.Symlink(filepath.Join(root, "nowhere.parquet"), filepath.Join(root, "purchases", "zz-gone.parquet"))
				return nil
			}},
		{name: "named pipe as a table file", code: ExitData, want: []string{"offers.parquet: a named pipe (FIFO), not a regular file"},
			break_: func(t *testing.T, root string) []string {
				p := filepath.Join(root, "offers.parquet")
				os.Remove(p)
				if err := syscall.Mkfifo(p, 0o644); err != nil {
					t.Skipf("no named pipes here: %v", err)
				}
				return nil
			}},
		{name: "named pipe as a part file", code: ExitData, want: []string{"purchases/zz-pipe.parquet: a named pipe (FIFO), not a regular file"},
			break_: func(t *testing.T, root string) []string {
				if err := syscall.Mkfifo(filepath.Join(root, "purchases", "zz-pipe.parquet"), 0o644); err != nil {
					t.Skipf("no named pipes here: %v", err)
				}
				return nil
			}},
		{name: "missing input folder", code: ExitData, want: []string{"no-such-folder"},
			break_: func(t *testing.T, root string) []string {
				return []string{"--input", filepath.Join(root, "no-such-folder")}
			}},
		{name: "too many invalid rows", code: ExitData, want: []string{"table purchases", "set aside", "%"}, quarantine: "purchases",
			break_: func(t *testing.T, root string) []string {
				mem := memory.NewGoAllocator()
				schema := arrow.NewSchema([]arrow.Field{{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
					{Name: "purchased_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
					{Name: "amount", Type: arrow.PrimitiveTypes.Float64}}, nil)
				b := array.NewRecordBuilder(mem, schema)
				defer b.Release()
				for i := range 2000 { // null customer ids: far above 1% of the purchases
					b.Field(0).(*array.StringBuilder).AppendNull()
					b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(1_760_000_000_000_000 + int64(i)))
					b.Field(2).(*array.Float64Builder).Append(1)
				}
				rec := b.NewRecordBatch()
				defer rec.Release()
				os.RemoveAll(filepath.Join(root, "purchases"))
				os.MkdirAll(filepath.Join(root, "purchases"), 0o755)
				writeRecord(t, filepath.Join(root, "purchases", "part-0.parquet"), rec)
				// and some valid purchases
				good := purchasesRecord(50, false, false)
				defer good.Release()
				writeRecord(t, filepath.Join(root, "purchases", "part-1.parquet"), good)
				return nil
			}},
		{name: "unknown flag", code: ExitUsage, want: []string{"-bogus"},
			break_: func(t *testing.T, root string) []string { return []string{"--bogus"} }},
		{name: "quarter out of range", code: ExitUsage, want: []string{"--quarter", "2026-Q9"},
			break_: func(t *testing.T, root string) []string { return []string{"--quarter", "2026-Q9"} }},
		{name: "open quarter without --allow-open", code: ExitUsage,
			want:   []string{"quarter 2026-Q4 has not ended by as_of", "it ends 2027-01-01T00:00:00Z", "--allow-open"},
			break_: func(t *testing.T, root string) []string { return []string{"--quarter", "2026-Q4"} }},
		{name: "as_of not RFC 3339", code: ExitUsage, want: []string{"--as-of", "15/11/2026"},
			break_: func(t *testing.T, root string) []string { return []string{"--as-of", "15/11/2026"} }},
		{name: "unknown config key", code: ExitUsage, want: []string{"unknown key", "curency"},
			break_: func(t *testing.T, root string) []string {
				cfg := filepath.Join(root, "..", "bad.yaml")
				os.WriteFile(cfg, []byte("company: X\ncurency: EUR\ndefinitions: {recovery_window_days: 0}\n"), 0o644)
				return []string{"--config", cfg}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root, out, before := publishGood(t)
			extra := tc.break_(t, root)
			args := append([]string{"run", "--input", root, "--output", out}, extra...)
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), args, &stdout, &stderr)
			msg := stderr.String()
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q: %s", w, msg)
				}
			}
			if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine") {
				t.Errorf("message shows a panic: %s", msg)
			}
			after := hashTree(t, out)
			for name, sum := range before {
				if strings.HasPrefix(name, "quarantine") && tc.quarantine != "" {
					continue
				}
				if after[name] != sum {
					t.Errorf("published %s changed", name)
				}
			}
			for name := range after {
				if _, ok := before[name]; !ok && name != "quarantine/"+tc.quarantine+".parquet" {
					t.Errorf("new file %s after a failed run", name)
				}
				if strings.Contains(name, publish.TempPrefix) {
					t.Errorf("temporary file left: %s", name)
				}
			}
			if tc.quarantine != "" {
				if _, err := os.Stat(filepath.Join(out, "quarantine", tc.quarantine+".parquet")); err != nil {
					t.Errorf("quarantine not written: %v", err)
				}
			}
		})
	}
}

func TestInterruptedRunLeavesNothing(t *testing.T) {
	root := goodExtract(t)
	out := filepath.Join(filepath.Dir(root), "out")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := Main(ctx, []string{"run", "--input", root, "--output", out}, &stdout, &stderr)
	if code == 0 {
		t.Fatalf("a cancelled run succeeded")
	}
	files := hashTree(t, out)
	for name := range files {
		if !strings.HasPrefix(name, "quarantine") {
			t.Errorf("a cancelled run published %s", name)
		}
	}
}

func TestValidateReport(t *testing.T) {
	root := goodExtract(t)
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"validate", "--input", root}, &stdout, &stderr); code != 0 {
		t.Fatalf("validate: exit %d: %s", code, stderr.String())
	}
	report := stdout.String()
	for _, w := range []string{"purchases", "customers", "result: usable", "rows set aside", "year="} {
		if !strings.Contains(report, w) {
			t.Errorf("report lacks %q:\n%s", w, report)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(root)); len(entries) != 1 {
		t.Errorf("validate wrote files: %v", entries)
	}
	os.WriteFile(filepath.Join(root, "surveys.parquet"), []byte("not parquet"), 0o644)
	stdout.Reset()
	stderr.Reset()
	if code := Main(context.Background(), []string{"validate", "--input", root}, &stdout, &stderr); code != ExitData {
		t.Fatalf("validate of a broken set: exit %d, want 3", code)
	}
	if !strings.Contains(stderr.String(), "surveys.parquet") || !strings.Contains(stdout.String(), "result: unusable") {
		t.Errorf("report: %s / %s", stdout.String(), stderr.String())
	}
}

// TestAllowOpenPublishesProvisional: with --allow-open a quarter that has not ended by
// as_of is published, every KPI provisional (SPEC §7).
func TestAllowOpenPublishesProvisional(t *testing.T) {
	root := goodExtract(t)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"run", "--input", root, "--output", out, "--quarter", "2026-Q4", "--allow-open"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "recovery-scorecard-2026-Q4.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Final bool `json:"final"`
		KPIs  map[string]struct {
			Provisional bool `json:"provisional"`
		} `json:"kpis"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Final || len(doc.KPIs) == 0 {
		t.Fatalf("final = %v, %d KPIs", doc.Final, len(doc.KPIs))
	}
	for id, k := range doc.KPIs {
		if !k.Provisional {
			t.Errorf("%s not provisional in an open quarter", id)
		}
	}
}
