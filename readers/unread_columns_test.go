package readers

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/internal/duckdbtest"
)

// SPEC §2: "Extra columns are ignored." A column the run does not read never
// fails its file, even one arrow-go cannot convert: a logical type it does not
// know, a Presto MAP with OPTIONAL keys. A contract column of such a type is
// refused, naming the type.
func TestUnreadColumnsNeverFailTheFile(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	// parquet-testing's file with an unknown logical type: "column with known
	// type" (STRING) read as customers.customer_id, the other column unread.
	copyFixture(t, dir, "unknown-logical-type.parquet", "customers/part-0.parquet")
	opts := Options{Tables: map[string]Mapping{"customers": {Columns: map[string]string{"customer_id": "column with known type"}}}}
	cu := readTable(t, dir, "customers", opts, nil)
	ids := column(cu.rows, "customer_id")
	// DuckDB reads the same values
	p, _ := filepath.Abs(filepath.Join(parquetTesting, "unknown-logical-type.parquet"))
	var want []any
	for _, r := range duckdbtest.Run(t, `SELECT "column with known type" AS v FROM `+duckdbtest.Quote(p)) {
		want = append(want, r["v"])
	}
	if len(ids) == 0 || !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %v, DuckDB reads %v", ids, want)
	}
	// the unknown type as a contract column: refused, naming it
	opts.Tables["customers"].Columns["segment"] = "column with unknown type"
	_, err := tryReadTable(t, dir, "customers", opts, nil)
	if err == nil || !strings.Contains(err.Error(), "customers/part-0.parquet: table customers: column column with unknown type: want text, found BYTE_ARRAY (a logical type this reader does not know)") {
		t.Errorf("unknown type as segment: %v", err)
	}

	// Presto's MAP with OPTIONAL keys (parquet-testing's incorrect_map_schema.parquet),
	// as an extra column next to the contract columns, written by DuckDB.
	dir = t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	copyFixture(t, dir, "incorrect_map_schema.parquet", "customers/map.parquet")
	_, err = tryReadTable(t, dir, "customers", Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "customers/map.parquet: table customers: missing required column customer_id") {
		t.Errorf("map file without ids: %v", err)
	}
	opts = Options{Tables: map[string]Mapping{"customers": {Columns: map[string]string{"customer_id": "my_map"}}}}
	_, err = tryReadTable(t, dir, "customers", opts, nil)
	if err == nil || !strings.Contains(err.Error(), "column my_map: want an id, found a group (nested column)") {
		t.Errorf("map as id: %v", err)
	}

}
