package readers

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// The Delta tables under testdata/delta/ were written by Delta Lake's own
// generators (testdata/delta/README.md says where each comes from); the values
// expected here are what their generators wrote (GoldenTables.scala).

// deltaExtract copies the golden Delta table name into a new extract set as the
// customers table (beside a purchases table) and returns the set's folder.
func deltaExtract(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	writePurchaseParts(t, dir, 1, 3)
	copyTree(t, filepath.Join("testdata", "delta", name), filepath.Join(dir, "customers"))
	return dir
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

// idMapping reads the golden tables' id column as customers.customer_id.
func idMapping(cols map[string]string) Options {
	return Options{Tables: map[string]Mapping{"customers": {Columns: cols}}}
}

// ids returns the customer ids delivered, as integers, in read order.
func deliveredIDs(t *testing.T, res result) []int {
	t.Helper()
	var out []int
	for _, v := range column(res.rows, "customer_id") {
		n, err := strconv.Atoi(v.(string))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func intRange(from, to int) []int { // [from, to)
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func sortedCopy(s []int) []int {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// A Delta table is read as its newest version: replayed from its checkpoint
// (version 10) and the commits after it; the files that DELETEs rewrote
// (copy-on-write: a remove and an add) are read once, as rewritten.
func TestDeltaCheckpointAndRemoves(t *testing.T) {
	dir := deltaExtract(t, "basic-with-inserts-deletes-checkpoint")
	opts := idMapping(map[string]string{"customer_id": "id"})
	ex, err := Discover(t.Context(), os.DirFS(dir), opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := ex.Table("customers")
	if got := ts.Format(); got != "delta (version 13)" {
		t.Errorf("format %q", got)
	}
	for i, f := range ts.Files {
		if !strings.HasPrefix(f.Path, "customers/part-") || (i > 0 && ts.Files[i-1].Path >= f.Path) {
			t.Errorf("file %d: %s (want data files in path order)", i, f.Path)
		}
	}
	res := readTable(t, dir, "customers", opts, nil)
	// range(0, 80) less the DELETEs of 5-9, 15-19, 25-29, 35-39, 45-49 and >= 66.
	var want []int
	for _, i := range intRange(0, 66) {
		if i < 50 && i%10 >= 5 {
			continue
		}
		want = append(want, i)
	}
	if got := sortedCopy(deliveredIDs(t, res)); !slices.Equal(got, want) {
		t.Errorf("ids %v\nwant %v", got, want)
	}
	if res.quality.RowsRead != int64(len(want)) || res.quality.RowsSetAside != 0 || res.quality.RowsDeleted != 0 {
		t.Errorf("quality %+v", res.quality)
	}
}

// A checkpoint in two parts (<v>.checkpoint.0000000001.0000000002.parquet, ...).
func TestDeltaMultiPartCheckpoint(t *testing.T) {
	dir := deltaExtract(t, "multi-part-checkpoint")
	res := readTable(t, dir, "customers", idMapping(map[string]string{"customer_id": "id"}), nil)
	// range(1) then range(30): id 0 twice, the second a duplicate customer.
	if got := sortedCopy(deliveredIDs(t, res)); !slices.Equal(got, intRange(0, 30)) {
		t.Errorf("ids %v", got)
	}
	if res.quality.RowsRead != 31 || res.quality.ByReason[contract.ReasonDuplicateKey] != 1 {
		t.Errorf("quality %+v", res.quality)
	}
	ex, err := Discover(t.Context(), os.DirFS(dir), idMapping(map[string]string{"customer_id": "id"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := ex.Table("customers").Format(); got != "delta (version 1)" {
		t.Errorf("format %q", got)
	}
}

// An UPDATE without deletion vectors rewrites the files it changes: the
// updated values are read, the old ones are not (not even as duplicates).
func TestDeltaUpdate(t *testing.T) {
	dir := deltaExtract(t, "basic-with-inserts-updates")
	res := readTable(t, dir, "customers", idMapping(map[string]string{"customer_id": "id", "name": "str"}), nil)
	if len(res.rows) != 100 || res.quality.RowsSetAside != 0 {
		t.Fatalf("%d rows, quality %+v", len(res.rows), res.quality)
	}
	seen := map[string]bool{}
	for _, row := range res.rows {
		id, _ := strconv.Atoi(row["customer_id"].(string))
		want := fmt.Sprintf("val=%d", id)
		if id < 50 {
			want = "N/A"
		}
		if row["name"] != want {
			t.Errorf("id %d: name %v, want %s", id, row["name"], want)
		}
		seen[row["customer_id"].(string)] = true
	}
	if len(seen) != 100 {
		t.Errorf("%d distinct ids", len(seen))
	}
}

// Deletion vectors (stored in files by UUID) are applied: the deleted rows are
// neither delivered nor set aside, and they are counted. The partition column
// comes from the add actions' partitionValues.
func TestDeltaDeletionVectors(t *testing.T) {
	dir := deltaExtract(t, "dv-partitioned-with-checkpoint")
	opts := idMapping(map[string]string{"customer_id": "col1", "segment": "part", "name": "col2"})
	res := readTable(t, dir, "customers", opts, nil)
	// (0 until 50) as (x%10, x, "foo"+x%5), partitioned by part, then
	// DELETE WHERE col1 = 2n for n in 0 until 15.
	var want []int
	for x := range 50 {
		if x%2 == 0 && x < 30 {
			continue
		}
		want = append(want, x)
	}
	if got := sortedCopy(deliveredIDs(t, res)); !slices.Equal(got, want) {
		t.Errorf("ids %v\nwant %v", got, want)
	}
	for _, row := range res.rows {
		x, _ := strconv.Atoi(row["customer_id"].(string))
		if row["segment"] != strconv.Itoa(x%10) || row["name"] != fmt.Sprintf("foo%d", x%5) {
			t.Errorf("row %v", row)
		}
	}
	ex, err := Discover(t.Context(), os.DirFS(dir), opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := ex.Table("customers")
	// A DELETE that deletes every row of a file removes the file; the live files'
	// deletion vectors delete the rest (their cardinalities add up to 2).
	var footerRows int64
	for _, f := range ts.Files {
		footerRows += f.Rows
	}
	q := res.quality
	if q.RowsDeleted != 2 || q.RowsRead != 35 || q.RowsSetAside != 0 || footerRows != 37 {
		t.Errorf("quality: read %d, set aside %d, deleted %d; the files hold %d rows", q.RowsRead, q.RowsSetAside, q.RowsDeleted, footerRows)
	}
	if got := ts.PartitionColumns(); !slices.Equal(got, []string{"part"}) {
		t.Errorf("partition columns %v", got)
	}
	if got := ts.Format(); got != "delta (version 15)" {
		t.Errorf("format %q", got)
	}
}

// A file whose deletion vector a later DELETE replaces (a remove and an add of
// the same path with another deletion vector) is read once, with the newest.
func TestDeltaDeletionVectorReplaced(t *testing.T) {
	dir := deltaExtract(t, "log-replay-dv-key-cases")
	res := readTable(t, dir, "customers", idMapping(map[string]string{"customer_id": "id"}), nil)
	var want []int
	for _, i := range intRange(0, 50) {
		if i != 0 && i != 7 && i != 14 {
			want = append(want, i)
		}
	}
	if got := deliveredIDs(t, res); !slices.Equal(got, want) {
		t.Errorf("ids %v", got)
	}
	if res.quality.RowsDeleted != 3 {
		t.Errorf("deleted %d", res.quality.RowsDeleted)
	}
}

// An inline deletion vector (storageType "i", Z85 in the log) deletes the same
// rows as the file it was made from.
func TestDeltaInlineDeletionVector(t *testing.T) {
	dir := deltaExtract(t, "log-replay-dv-key-cases")
	logDir := filepath.Join(dir, "customers", "_delta_log")
	last := filepath.Join(logDir, "00000000000000000003.json")
	b, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	dv := latestAddDV(t, string(b))
	data, err := readDVFile(os.DirFS(filepath.Join(dir, "customers")), mustRel(t, dv), int64(*dv.Offset), dv.SizeInBytes)
	if err != nil {
		t.Fatal(err)
	}
	padded := append(slices.Clone(data), make([]byte, (4-len(data)%4)%4)...)
	old := fmt.Sprintf(`"storageType":"u","pathOrInlineDv":"%s","offset":%d,`, dv.PathOrInlineDv, *dv.Offset)
	inline := fmt.Sprintf(`"storageType":"i","pathOrInlineDv":"%s",`, z85Encode(padded))
	if !strings.Contains(string(b), old) {
		t.Fatalf("commit 3 has no %s", old)
	}
	// The remove of the file with its earlier vector keeps its "u" descriptor.
	s := string(b)
	i := strings.LastIndex(s, old)
	s = s[:i] + inline + s[i+len(old):]
	if err := os.WriteFile(last, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	res := readTable(t, dir, "customers", idMapping(map[string]string{"customer_id": "id"}), nil)
	got := deliveredIDs(t, res)
	if len(got) != 47 || slices.Contains(got, 0) || slices.Contains(got, 7) || slices.Contains(got, 14) {
		t.Errorf("ids %v", got)
	}
}

// latestAddDV returns the deletion vector of the last add action of a commit.
func latestAddDV(t *testing.T, commit string) *deletionVector {
	t.Helper()
	var dv *deletionVector
	err := readDeltaCommit(fstest.MapFS{"c.json": {Data: []byte(commit)}}, "c.json", func(a deltaAction) error {
		if a.Add != nil {
			dv = a.Add.DeletionVector
		}
		return nil
	})
	if err != nil || dv == nil || dv.StorageType != "u" || dv.Offset == nil {
		t.Fatalf("no add with a deletion vector in a file: %v", err)
	}
	return dv
}

func mustRel(t *testing.T, dv *deletionVector) string {
	t.Helper()
	p, err := dv.relPath()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func z85Encode(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i += 4 {
		v := binary.BigEndian.Uint32(b[i:])
		var chunk [5]byte
		for k := 4; k >= 0; k-- {
			chunk[k] = z85Alphabet[v%85]
			v /= 85
		}
		sb.Write(chunk[:])
	}
	return sb.String()
}

func TestZ85AndRoaring(t *testing.T) {
	for _, b := range [][]byte{{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}, {0, 0, 0, 0}, {255, 255, 255, 255}} {
		got, err := z85Decode(z85Encode(b))
		if err != nil || !slices.Equal(got, b) {
			t.Errorf("z85 round trip of %x: %x, %v", b, got, err)
		}
	}
	if s := z85Encode([]byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}); s != "HelloWorld" { // ZeroMQ RFC 32's example
		t.Errorf("z85 %q", s)
	}
	if _, err := z85Decode("Hell~"); err == nil {
		t.Error("decoded a character outside Z85")
	}
	// A RoaringBitmapArray of two bitmaps (keys 0 and 1): an array container, a
	// run container (with the run cookie) and a bitmap container.
	var b []byte
	le32 := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	le16 := func(v uint16) { b = binary.LittleEndian.AppendUint16(b, v) }
	le32(deletionVectorMagic)
	b = binary.LittleEndian.AppendUint64(b, 2)
	le32(0)
	le32(roaringCookieNoRuns)
	le32(1)
	le16(0)
	le16(2) // cardinality 3
	le32(0) // offset
	le16(1)
	le16(5)
	le16(9)
	le32(1)
	le32(roaringCookieRuns | 1<<16) // two containers
	b = append(b, 0b01)             // the first is runs
	le16(0)
	le16(1) // cardinality 2
	le16(2)
	le16(65535) // cardinality 65536: a bitmap
	le16(1)     // one run
	le16(100)
	le16(1) // 100, 101
	for range 1024 {
		b = binary.LittleEndian.AppendUint64(b, ^uint64(0))
	}
	got, err := decodeRoaringBitmapArray(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint64{1, 5, 9, 1<<32 | 100, 1<<32 | 101}
	for v := range 1 << 16 {
		want = append(want, 1<<32|2<<16|uint64(v))
	}
	if !slices.Equal(got, want) {
		t.Errorf("decoded %v\nwant %v", got[:8], want[:8])
	}
	for n := range len(b) - 1 {
		if _, err := decodeRoaringBitmapArray(b[:n]); err == nil {
			t.Fatalf("decoded %d of %d bytes without an error", n, len(b))
		}
	}
}

// What cannot be applied exactly is refused, naming the table and the feature,
// never read as plain part files.
func TestDeltaRefused(t *testing.T) {
	editCommit := func(name string, v int, edit func(string) string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			p := filepath.Join(dir, "customers", "_delta_log", fmt.Sprintf("%020d.json", v))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(edit(string(b))), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []struct {
		name, table string
		change      func(t *testing.T, dir string)
		want        string
		incomplete  bool
	}{
		{"column mapping", "table-with-dv-small", nil,
			"table customers: Delta Lake table customers/ (version 1): reader feature columnMapping (delta.columnMapping.mode name) is not supported", false},
		{"type widening", "type-widening", nil,
			"table customers: Delta Lake table customers/ (version 2): reader feature typeWidening-preview is not supported", false},
		{"reader version", "basic-with-inserts-updates", editCommit("", 0, func(s string) string {
			return strings.Replace(s, `"minReaderVersion":1`, `"minReaderVersion":4`, 1)
		}), "reader version 4 is not supported", false},
		{"missing commit", "basic-with-inserts-updates", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "customers", "_delta_log", "00000000000000000000.json"))
		}, "the log cannot be replayed to version 1: no complete checkpoint is followed by every later commit, and commit 0 (00000000000000000000.json) is missing", false},
		{"missing data file", "basic-with-inserts-updates", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "customers", "part-00001-13a6bfd9-3835-44dd-b4f1-465aa95b2bf4-c000.snappy.parquet"))
		}, "data file customers/part-00001-13a6bfd9-3835-44dd-b4f1-465aa95b2bf4-c000.snappy.parquet of Delta version 1", false},
		{"absolute data path", "basic-with-inserts-updates", editCommit("", 1, func(s string) string {
			return strings.Replace(s, `"add":{"path":"`, `"add":{"path":"s3://bucket/t/`, 1)
		}), "an absolute path outside the table folder is not supported", false},
		{"data file of another size", "basic-with-inserts-updates", editCommit("", 1, func(s string) string {
			return strings.Replace(s, `"size":`, `"size":1`, 1)
		}), "bytes, the log says 1", true},
		{"v2 checkpoint only", "basic-with-inserts-updates", func(t *testing.T, dir string) {
			l := filepath.Join(dir, "customers", "_delta_log")
			os.Remove(filepath.Join(l, "00000000000000000000.json"))
			os.Remove(filepath.Join(l, "00000000000000000001.json"))
			writeFile(t, l, "00000000000000000001.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json", []byte("{}"))
		}, "V2 checkpoint", false},
		{"not a log", "basic-with-inserts-updates", func(t *testing.T, dir string) {
			l := filepath.Join(dir, "customers", "_delta_log")
			os.Remove(filepath.Join(l, "00000000000000000000.json"))
			os.Remove(filepath.Join(l, "00000000000000000001.json"))
		}, "customers/_delta_log/ holds no commit", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := deltaExtract(t, c.table)
			if c.change != nil {
				c.change(t, dir)
			}
			_, err := Discover(t.Context(), os.DirFS(dir), idMapping(map[string]string{"customer_id": "id"}))
			if !errors.Is(err, ErrUnusable) || errors.Is(err, ErrIncomplete) != c.incomplete {
				t.Fatalf("want an unusable extract (incomplete %v), got %v", c.incomplete, err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "customers") {
				t.Errorf("error %q\nwant %q", err, c.want)
			}
		})
	}
}

// A deletion vector that cannot be read exactly stops the table: a wrong
// checksum, a cardinality the bitmap does not have, a file that is gone.
func TestDeltaBadDeletionVector(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(t *testing.T, table string)
		want   string
	}{
		{"checksum", func(t *testing.T, table string) {
			p := filepath.Join(table, "deletion_vector_d12e7d16-e46d-48c9-8a71-b222c26dfc3b.bin")
			b, _ := os.ReadFile(p)
			b[len(b)-1] ^= 1
			os.WriteFile(p, b, 0o644)
		}, "checksum"},
		{"cardinality", func(t *testing.T, table string) {
			p := filepath.Join(table, "_delta_log", "00000000000000000003.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.ReplaceAll(string(b), `"cardinality":3`, `"cardinality":4`)), 0o644)
		}, "3 rows, cardinality says 4"},
		{"missing", func(t *testing.T, table string) {
			for _, n := range []string{"37d10da3-70a1-4730-bc58-3b44f9617505", "3d8a467a-2fbd-4d35-8e3a-775894a30576", "d12e7d16-e46d-48c9-8a71-b222c26dfc3b"} {
				os.Remove(filepath.Join(table, "deletion_vector_"+n+".bin"))
			}
		}, "deletion vector customers/deletion_vector_"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := deltaExtract(t, "log-replay-dv-key-cases")
			c.change(t, filepath.Join(dir, "customers"))
			_, err := tryReadTable(t, dir, "customers", idMapping(map[string]string{"customer_id": "id"}), nil)
			if !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), c.want) ||
				!strings.Contains(err.Error(), "customers/part-00000-90177277-75c2-48db-92a2-20dcba39fd06-c000.snappy.parquet") {
				t.Errorf("error %v, want one naming the file and %q", err, c.want)
			}
		})
	}
}
