package readers

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// Part files are recognised by content, not by name: the names that Hive,
// Trino/Athena, Impala and BigQuery give them are read, in lexical order of
// their path, and the names starting with "_" or "." are still skipped.
func TestDiscoverPartsByContent(t *testing.T) {
	dir := t.TempDir()
	base := basePurchases(col{})
	writeArrow(t, dir, "purchases/000000_0", arrowOpts{}, base...)                                                         // Hive
	writeArrow(t, dir, "purchases/20260101_120000_00001_abcde_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", arrowOpts{}, base...) // Trino, Athena
	writeArrow(t, dir, "purchases/dt=2026-01-01/4a4b5c6d7e8f9a0b_1234567890abcdef_data.0.parq", arrowOpts{}, base...)      // Impala
	pgWrite(t, dir, "purchases/export/000000000000", map[string]parquet.Node{                                              // BigQuery's .../*
		"customer_id":  parquet.String(),
		"purchased_at": parquet.Timestamp(parquet.Microsecond),
		"amount":       parquet.Leaf(parquet.DoubleType),
	}, []map[string]any{{"customer_id": "d", "purchased_at": int64(1767225600000000), "amount": 4.0}})
	writeFile(t, dir, "purchases/_SUCCESS", nil)
	writeFile(t, dir, "purchases/.000000_0.crc", []byte("crc"))
	writeFile(t, dir, "purchases/_temporary/0/000001_0", []byte("garbage"))
	// An optional table whose only part has no suffix is present, not absent.
	writeArrow(t, dir, "complaints/000000_0", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, `["a"]`),
		c("reported_at", tsUTC(arrow.Microsecond), `[1767225600000000]`))

	ex, err := Discover(t.Context(), os.DirFS(dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range ex.Table("purchases").Files {
		paths = append(paths, f.Path)
	}
	want := []string{
		"purchases/000000_0",
		"purchases/20260101_120000_00001_abcde_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
		"purchases/dt=2026-01-01/4a4b5c6d7e8f9a0b_1234567890abcdef_data.0.parq",
		"purchases/export/000000000000",
	}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("files %v, want %v", paths, want)
	}
	if ex.Table("complaints") == nil {
		t.Error("complaints/000000_0 should make complaints present")
	}
	res := readTable(t, dir, "purchases", Options{}, nil)
	if got := column(res.rows, "customer_id"); !reflect.DeepEqual(got, []any{"a", "b", "c", "a", "b", "c", "a", "b", "c", "d"}) {
		t.Errorf("customer_id in read order %v", got)
	}
}

// A file in a table folder that is not Parquet stops the run naming it: it is
// neither skipped (the table would read as absent or short) nor retried.
func TestDiscoverRefusesFilesThatAreNotParquet(t *testing.T) {
	good, err := arrowBytes(arrowOpts{}, basePurchases(col{})...)
	if err != nil {
		t.Fatal(err)
	}
	customers, err := arrowBytes(arrowOpts{}, c("customer_id", arrow.BinaryTypes.String, `["a"]`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		files      map[string][]byte
		want       string
		incomplete bool
	}{
		{"csv beside parts", map[string][]byte{"purchases/part-0.parquet": good, "purchases/part-0.csv": []byte("customer_id,amount\n1,2\n")},
			"purchases/part-0.csv: not a Parquet file", false},
		{"readme in an optional table", map[string][]byte{"purchases.parquet": good, "customers/000000_0": customers, "customers/README": []byte("exported by hand\n")},
			"customers/README: not a Parquet file", false},
		{"only a text file", map[string][]byte{"purchases/000000_0": []byte("hello world\n")},
			"purchases/000000_0: not a Parquet file", false},
		{"still being written", map[string][]byte{"purchases/000000_0": good[:len(good)-1]},
			"purchases/000000_0: not a readable parquet file", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, b := range tt.files {
				writeFile(t, dir, p, b)
			}
			_, err := Discover(t.Context(), os.DirFS(dir), Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrUnusable) || errors.Is(err, ErrIncomplete) != tt.incomplete {
				t.Errorf("%v: unusable %v, incomplete %v (want %v)", err, errors.Is(err, ErrUnusable), errors.Is(err, ErrIncomplete), tt.incomplete)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

// A purchases folder that holds no part file (only skipped names) is a missing
// table, and the message says that the folder was found.
func TestMissingPurchasesFolderMessage(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "purchases/_SUCCESS", nil)
	writeFile(t, dir, "purchases/.part-0.crc", []byte("crc"))
	_, err := Discover(t.Context(), os.DirFS(dir), Options{})
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("want a missing table, got %v", err)
	}
	if want := "missing required table purchases (purchases/ holds no part files"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want %q", err, want)
	}
	if strings.Contains(err.Error(), "looked for") {
		t.Errorf("error %q says it looked for a folder that exists", err)
	}
}

// A column named like a contract column (or a mapped name) in another case is
// matched, with a warning; two such candidates are an error naming both.
func TestCaseInsensitiveColumns(t *testing.T) {
	issued, redeemed := int64(1767225600000000), int64(1767312000000000)
	t.Run("matched with a warning", func(t *testing.T) {
		dir := t.TempDir()
		writeArrow(t, dir, "purchases.parquet", arrowOpts{},
			c("Customer_ID", arrow.BinaryTypes.String, `["a"]`),
			c("purchased_at", tsUTC(arrow.Microsecond), `[1767225600000000]`),
			c("NET_AMOUNT", arrow.PrimitiveTypes.Float64, `[1]`))
		writeArrow(t, dir, "offers/part-0.parquet", arrowOpts{},
			c("customer_id", arrow.BinaryTypes.String, `["a", "b"]`),
			c("issued_at", tsUTC(arrow.Microsecond), fmt.Sprintf("[%d, %d]", issued, issued)),
			c("REDEEMED_AT", tsUTC(arrow.Microsecond), fmt.Sprintf("[%d, %d]", redeemed, issued-1)))
		writeArrow(t, dir, "offers/part-1.parquet", arrowOpts{},
			c("customer_id", arrow.BinaryTypes.String, `["c"]`),
			c("issued_at", tsUTC(arrow.Microsecond), fmt.Sprintf("[%d]", issued)),
			c("REDEEMED_AT", tsUTC(arrow.Microsecond), `[null]`))
		opts := Options{Tables: map[string]Mapping{"purchases": {Columns: map[string]string{"amount": "net_amount"}}}}
		ex, err := Discover(t.Context(), os.DirFS(dir), opts)
		if err != nil {
			t.Fatal(err)
		}
		of := ex.Table("offers")
		if !of.HasColumn("redeemed_at") || of.SourceName("redeemed_at") != "REDEEMED_AT" {
			t.Errorf("redeemed_at: present %v, source name %q", of.HasColumn("redeemed_at"), of.SourceName("redeemed_at"))
		}
		want := []string{
			"table purchases: column customer_id is read from Customer_ID (the names differ only in case), first in purchases.parquet",
			"table purchases: column net_amount is read from NET_AMOUNT (the names differ only in case), first in purchases.parquet",
			"table offers: column redeemed_at is read from REDEEMED_AT (the names differ only in case), first in offers/part-0.parquet",
		}
		if got := ex.Warnings(); !reflect.DeepEqual(got, want) {
			t.Errorf("warnings\n%q\nwant\n%q", got, want)
		}
		res := readTable(t, dir, "offers", opts, nil)
		if got := column(res.rows, "redeemed_at"); !reflect.DeepEqual(got, []any{redeemed, nil}) {
			t.Errorf("redeemed_at %v", got)
		}
		if res.quality.ByReason[contract.ReasonRedeemedBefore] != 1 {
			t.Errorf("reasons %v", res.quality.ByReason)
		}
		var sources []string
		for _, sc := range res.setAside.Columns {
			sources = append(sources, sc.Source)
		}
		if !slices.Contains(sources, "REDEEMED_AT") {
			t.Errorf("quarantine columns %v, want the name in the files", sources)
		}
		pu := readTable(t, dir, "purchases", opts, nil)
		if got := column(pu.rows, "amount"); !reflect.DeepEqual(got, []any{1.0}) {
			t.Errorf("amount %v", got)
		}
	})
	t.Run("exact name preferred", func(t *testing.T) {
		dir := t.TempDir()
		writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(c("AMOUNT", arrow.PrimitiveTypes.Float64, `[7, 8, 9]`))...)
		ex, err := Discover(t.Context(), os.DirFS(dir), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"table purchases: column amount is read; AMOUNT, which differs from it only in case, is not, first in purchases.parquet"}
		if got := ex.Warnings(); !reflect.DeepEqual(got, want) {
			t.Errorf("warnings %q, want %q", got, want)
		}
		if got := column(readTable(t, dir, "purchases", Options{}, nil).rows, "amount"); !reflect.DeepEqual(got, []any{1.0, 2.0, 3.0}) {
			t.Errorf("amount %v", got)
		}
	})
	t.Run("two candidates", func(t *testing.T) {
		dir := t.TempDir()
		writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
		writeArrow(t, dir, "offers.parquet", arrowOpts{},
			c("customer_id", arrow.BinaryTypes.String, `["a"]`),
			c("issued_at", tsUTC(arrow.Microsecond), fmt.Sprintf("[%d]", issued)),
			c("Redeemed_At", tsUTC(arrow.Microsecond), `[null]`),
			c("REDEEMED_AT", tsUTC(arrow.Microsecond), `[null]`))
		_, err := Discover(t.Context(), os.DirFS(dir), Options{})
		if !errors.Is(err, ErrUnusable) {
			t.Fatalf("want an unusable extract, got %v", err)
		}
		for _, w := range []string{"offers.parquet", "column redeemed_at", "Redeemed_At and REDEEMED_AT"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
	})
}

// Part files of one table may differ by optional columns: the rows of a part
// without one have nulls there (SPEC §2 (v2), schema evolution).
func TestSchemaEvolution(t *testing.T) {
	issued := int64(1767225600000000)
	dir := t.TempDir()
	// The oldest part predates redeemed_at and offer_id; one of its rows lacks a customer.
	writeArrow(t, dir, "offers/part-0.parquet", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, `["a", null]`),
		c("issued_at", tsUTC(arrow.Microsecond), fmt.Sprintf("[%d, %d]", issued, issued)))
	writeArrow(t, dir, "offers/part-1.parquet", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, `["b", "c", "d"]`),
		c("offer_id", arrow.PrimitiveTypes.Int64, `[7, 7, 8]`),
		c("issued_at", tsUTC(arrow.Millisecond), fmt.Sprintf("[%d, %d, %d]", issued/1000, issued/1000, issued/1000)),
		c("redeemed_at", tsUTC(arrow.Microsecond), fmt.Sprintf("[%d, null, %d]", issued+1, issued-1)),
		c("offer_type", arrow.BinaryTypes.String, `["voucher", "voucher", "refund"]`))
	// The newest part drops offer_type again and has no key.
	writeArrow(t, dir, "offers/part-2.parquet", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, `["e"]`),
		c("issued_at", tsUTC(arrow.Microsecond), fmt.Sprintf("[%d]", issued)),
		c("redeemed_at", tsUTC(arrow.Microsecond), fmt.Sprintf("[%d]", issued+2)))
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)

	ex, err := Discover(t.Context(), os.DirFS(dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	of := ex.Table("offers")
	for _, name := range []string{"redeemed_at", "offer_id", "offer_type"} {
		if !of.HasColumn(name) {
			t.Errorf("offers should have %s", name)
		}
	}
	for _, dict := range []bool{false, true} {
		t.Run(fmt.Sprintf("dictionaries %v", dict), func(t *testing.T) {
			res := readTable(t, dir, "offers", Options{Dictionaries: dict}, nil)
			if got := column(res.rows, "customer_id"); !reflect.DeepEqual(got, []any{"a", "b", "e"}) {
				t.Errorf("customer_id %v", got)
			}
			if got := column(res.rows, "redeemed_at"); !reflect.DeepEqual(got, []any{nil, issued + 1, issued + 2}) {
				t.Errorf("redeemed_at %v", got)
			}
			if got := column(res.rows, "offer_id"); !reflect.DeepEqual(got, []any{nil, "7", nil}) {
				t.Errorf("offer_id %v", got)
			}
			if got := column(res.rows, "offer_type"); !reflect.DeepEqual(got, []any{nil, "voucher", nil}) {
				t.Errorf("offer_type %v", got)
			}
			want := map[string]int64{"missing customer_id": 1, contract.ReasonDuplicateKey: 1, contract.ReasonRedeemedBefore: 1}
			if !reflect.DeepEqual(res.quality.ByReason, want) {
				t.Errorf("reasons %v, want %v", res.quality.ByReason, want)
			}
			if err := checkSetAside(res.setAside); err != nil {
				t.Error(err)
			}
		})
	}
	// Only the columns asked for, one of them absent from the first part.
	res := readTable(t, dir, "offers", Options{}, []string{"customer_id", "offer_type"})
	if got := column(res.rows, "offer_type"); !reflect.DeepEqual(got, []any{nil, "voucher", nil}) {
		t.Errorf("offer_type %v", got)
	}
}

// Parts may lack an optional column but not disagree on its kind, and every
// part must hold the required columns: both errors name the files.
func TestSchemaEvolutionLimits(t *testing.T) {
	good, err := arrowBytes(arrowOpts{}, basePurchases(col{})...)
	if err != nil {
		t.Fatal(err)
	}
	textID, err := arrowBytes(arrowOpts{}, basePurchases(c("order_id", arrow.BinaryTypes.String, `["1","2","3"]`))...)
	if err != nil {
		t.Fatal(err)
	}
	intID, err := arrowBytes(arrowOpts{}, basePurchases(c("order_id", arrow.PrimitiveTypes.Int64, `[1,2,3]`))...)
	if err != nil {
		t.Fatal(err)
	}
	noAmount, err := arrowBytes(arrowOpts{}, basePurchases(col{})[:2]...)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		files map[string][]byte
		want  []string
	}{
		{"kinds differ after a part without the column",
			map[string][]byte{"purchases/a.parquet": good, "purchases/b.parquet": textID, "purchases/c.parquet": intID},
			[]string{"part files disagree", "column order_id is text", "purchases/b.parquet", "integer", "purchases/c.parquet"}},
		{"first part lacks a required column",
			map[string][]byte{"purchases/a.parquet": noAmount, "purchases/b.parquet": good},
			[]string{"purchases/a.parquet", "missing required column amount"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, b := range tt.files {
				writeFile(t, dir, p, b)
			}
			_, err := Discover(t.Context(), os.DirFS(dir), Options{})
			if !errors.Is(err, ErrUnusable) {
				t.Fatalf("want an unusable extract, got %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// A table folder that holds a Delta Lake or Iceberg table that cannot be read is
// refused, naming the format: its part files are not the table (removed files, deletion vectors, delete
// files), so reading them as plain Parquet would misread it without a word.
func TestTableFormatsAreRefused(t *testing.T) {
	for _, c := range []struct{ name, marker, want string }{
		// (A Delta table is read as its snapshot, delta_test.go; a log that cannot be
		// replayed is refused, never read as plain parts.)
		{"delta", "purchases/_delta_log/00000000000000000000.json", "table purchases: Delta Lake table purchases/: the log up to version 0 has no protocol action"},
		// (An Iceberg table is read as its snapshot, iceberg_test.go; metadata that
		// cannot be read is refused, never read as plain parts.)
		{"iceberg", "purchases/metadata/v2.metadata.json", "table purchases: Iceberg table purchases/: metadata purchases/metadata/v2.metadata.json: invalid or missing format-version"},
		{"iceberg without a version in the name", "purchases/metadata/current.metadata.json", "purchases/ looks like an Iceberg table (purchases/metadata/current.metadata.json), but no metadata file is named by its version"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writePurchaseParts(t, dir, 1, 3)
			writeFile(t, dir, c.marker, []byte("{}"))
			_, err := Discover(t.Context(), os.DirFS(dir), Options{})
			if !errors.Is(err, ErrUnusable) || errors.Is(err, ErrIncomplete) {
				t.Fatalf("want an unusable (not incomplete) extract, got %v", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want %q", err, c.want)
			}
		})
	}
	// A plain folder with a metadata/ folder of other files is not an Iceberg table.
	dir := t.TempDir()
	writePurchaseParts(t, dir, 1, 3)
	if _, err := Discover(t.Context(), os.DirFS(dir), Options{}); err != nil {
		t.Fatalf("plain parts: %v", err)
	}
}
