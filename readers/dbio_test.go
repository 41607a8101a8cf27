package readers

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// dbioName is a part file name as Databricks writes it under its transactional
// commit: part-<task>-tid-<write id>-<uuid>-<attempt>-c000.snappy.parquet.
func dbioName(task, tid, uuid string) string {
	return "part-" + task + "-tid-" + tid + "-" + uuid + "-1-c000.snappy.parquet"
}

// purchasesOf is a purchases part whose customer ids say which file it is.
func purchasesOf(id string) []col {
	return []col{
		c("customer_id", arrow.BinaryTypes.String, `["`+id+`"]`),
		c("purchased_at", tsUTC(arrow.Microsecond), `[1767225600000000]`),
		c("amount", arrow.PrimitiveTypes.Float64, `[1]`),
	}
}

// Databricks' _started_<id> and _committed_<id> markers are honoured: only the
// part files of committed writes, as their _committed_ file lists them, are
// read; an aborted write's files, a failed task attempt's and the files a later
// overwrite removed are skipped, each said in a warning.
func TestDatabricksCommitMarkers(t *testing.T) {
	dir := t.TempDir()
	const a, b, ov = "7215318563402838761", "4851123961023471035", "1199871642334507734"
	committedA1, committedA2 := dbioName("00000", a, "3f1d1e0c-5b1a-4c55-9d3c-1b2a3c4d5e6f"), dbioName("00001", a, "3f1d1e0c-5b1a-4c55-9d3c-1b2a3c4d5e6f")
	attemptA := dbioName("00001", a, "77777777-5b1a-4c55-9d3c-1b2a3c4d5e6f")
	aborted := dbioName("00000", b, "0a0b0c0d-1111-2222-3333-444455556666")
	overwrite := dbioName("00000", ov, "99999999-1111-2222-3333-444455556666")
	writeArrow(t, dir, "purchases/"+committedA1, arrowOpts{}, purchasesOf("a1")...)
	writeArrow(t, dir, "purchases/"+committedA2, arrowOpts{}, purchasesOf("a2")...)
	writeArrow(t, dir, "purchases/"+attemptA, arrowOpts{}, purchasesOf("attempt")...)
	writeArrow(t, dir, "purchases/"+aborted, arrowOpts{}, purchasesOf("aborted")...)
	writeArrow(t, dir, "purchases/"+overwrite, arrowOpts{}, purchasesOf("ov")...)
	writeArrow(t, dir, "purchases/part-00000-written-by-hand.parquet", arrowOpts{}, purchasesOf("plain")...)
	writeFile(t, dir, "purchases/_started_"+a, nil)
	writeFile(t, dir, "purchases/_committed_"+a, []byte(`{"added":["`+committedA1+`","`+committedA2+`"],"removed":[]}`))
	writeFile(t, dir, "purchases/_started_"+b, nil)
	writeFile(t, dir, "purchases/_started_"+ov, nil)
	writeFile(t, dir, "purchases/_committed_"+ov, []byte(`{"added":["`+overwrite+`"],"removed":["`+committedA2+`"]}`))
	writeFile(t, dir, "purchases/_committed_vacuum5504187331452813063", []byte(`{"removed":[]}`)) // no "added": names no write
	writeFile(t, dir, "purchases/_SUCCESS", nil)

	ex, err := Discover(t.Context(), os.DirFS(dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := ex.Table("purchases")
	if got := p.Format(); got != "plain parts, Databricks commit markers" {
		t.Errorf("format %q", got)
	}
	w := strings.Join(ex.Warnings(), "\n")
	for _, want := range []string{
		"table purchases: skipped 1 part file(s) of the Databricks write " + b + ", which started (purchases/_started_" + b + ") and never committed (no _committed_" + b + "): an aborted or unfinished job: purchases/" + aborted,
		"skipped 1 part file(s) of the Databricks write " + a + " but not listed as added by purchases/_committed_" + a + " (a failed task's attempt): purchases/" + attemptA,
		"skipped 1 part file(s) removed by the committed Databricks write " + ov + " (purchases/_committed_" + ov + "): purchases/" + committedA2,
	} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings\n%s\nlack\n%s", w, want)
		}
	}
	res := readTable(t, dir, "purchases", Options{}, nil)
	got := column(res.rows, "customer_id") // in lexical order of the file names
	if want := []any{"ov", "a1", "plain"}; !reflect.DeepEqual(got, want) {
		t.Errorf("customers read %v, want %v", got, want)
	}
}

// Markers in each partition folder, as Databricks writes a partitioned table.
func TestDatabricksCommitMarkersPerPartition(t *testing.T) {
	dir := t.TempDir()
	withPurchases(t, dir)
	const a, b = "111", "222"
	ok, bad := dbioName("00000", a, "u1"), dbioName("00000", b, "u2")
	cust := func(id string) col { return c("customer_id", arrow.BinaryTypes.String, `["`+id+`"]`) }
	for _, seg := range []string{"gold", "silver"} {
		writeArrow(t, dir, "customers/segment="+seg+"/"+ok, arrowOpts{}, cust(seg+"-ok"))
		writeArrow(t, dir, "customers/segment="+seg+"/"+bad, arrowOpts{}, cust(seg+"-aborted"))
		writeFile(t, dir, "customers/segment="+seg+"/_started_"+a, nil)
		writeFile(t, dir, "customers/segment="+seg+"/_committed_"+a, []byte(`{"added":["`+ok+`"],"removed":[]}`))
		writeFile(t, dir, "customers/segment="+seg+"/_started_"+b, nil)
	}
	res := readTable(t, dir, "customers", Options{}, nil)
	if got := byCustomer(res.rows, "segment"); !reflect.DeepEqual(got, map[string]any{"gold-ok": "gold", "silver-ok": "silver"}) {
		t.Errorf("customers read %v", got)
	}
}

// When the markers do not say whether a file is committed, the run stops naming
// the folder rather than guess; a required table whose every file is skipped is
// missing, and the message says why.
func TestDatabricksCommitMarkersRefused(t *testing.T) {
	f1 := dbioName("00000", "123", "u1")
	tests := []struct {
		name       string
		files      map[string]string // "" = a Parquet part
		want       []string
		incomplete bool
	}{
		{"committed marker not JSON", map[string]string{"purchases/" + f1: "", "purchases/_committed_123": "added: everything"},
			[]string{"table purchases", "purchases/ holds Databricks commit markers", "purchases/_committed_123 is not the JSON object"}, false},
		{"committed marker without added", map[string]string{"purchases/" + f1: "", "purchases/_committed_123": `{"files": []}`},
			[]string{"purchases/_committed_123", `no "added" list`}, false},
		{"a write without markers", map[string]string{"purchases/" + f1: "", "purchases/" + dbioName("00000", "456", "u2"): "", "purchases/_committed_123": `{"added":["` + f1 + `"]}`},
			[]string{"table purchases", "is of the write 456, which has no marker in purchases/", "cannot be told"}, false},
		{"every file aborted", map[string]string{"purchases/" + f1: "", "purchases/_started_123": ""},
			[]string{"missing required table purchases", "purchases/ holds no committed part files", "never committed"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, content := range tt.files {
				if content == "" && !strings.Contains(p, "/_") {
					writeArrow(t, dir, p, arrowOpts{}, purchasesOf("x")...)
					continue
				}
				writeFile(t, dir, p, []byte(content))
			}
			_, err := Discover(t.Context(), os.DirFS(dir), Options{})
			if !errors.Is(err, ErrUnusable) || errors.Is(err, ErrIncomplete) != tt.incomplete {
				t.Fatalf("want unusable (incomplete %v), got %v", tt.incomplete, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
