package warehouse

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// fakeColumns is a Querier that knows only the columns of some tables.
type fakeColumns map[string][]ColumnInfo

func (f fakeColumns) Query(context.Context, string, func(func(...any) error) error) error {
	return errors.New("no queries")
}

func (f fakeColumns) Columns(_ context.Context, schema, table string) ([]ColumnInfo, error) {
	return f[schema+"."+table], nil
}

func pgPurchases() []ColumnInfo {
	return []ColumnInfo{{"customer_id", "text"}, {"purchased_at", "timestamp with time zone"}, {"amount", "numeric"}, {"order_id", "bigint"}}
}

func TestDescribe(t *testing.T) {
	d, _ := LookupDialect("postgres")
	ctx := context.Background()
	// purchases alone, its order_id an integer; the other tables absent.
	src, err := Describe(ctx, fakeColumns{"s.purchases": pgPurchases()}, d, Mapping{Schema: "s"}, "UTC", 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(src.Present(), ","); got != contract.Purchases {
		t.Errorf("present %s", got)
	}
	p := src.table(contract.Purchases)
	if c := p.column(contract.OrderID); c.Type != TypeInteger || c.Name != "order_id" {
		t.Errorf("order_id %+v", c)
	}
	// A mapped table and column, matched when case is ignored.
	cols := fakeColumns{"s.orders": {{"CUSTOMER_ID", "text"}, {"ts", "timestamp without time zone"}, {"net", "double precision"}}}
	src, err = Describe(ctx, cols, d, Mapping{Schema: "s", Tables: map[string]string{contract.Purchases: "orders"},
		Columns: map[string]map[string]string{contract.Purchases: {contract.PurchasedAt: "ts", contract.Amount: "net"}}}, "UTC", 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	if c := src.table(contract.Purchases).column(contract.PurchasedAt); c.Type != TypeWallClock || c.Name != "ts" {
		t.Errorf("purchased_at %+v", c)
	}
	if c := src.table(contract.Purchases).column(contract.OrderID); c.Name != "" {
		t.Errorf("absent order_id %+v", c)
	}
	// Errors name the table, the column and the type; all are reported at once.
	bad := fakeColumns{
		"s.purchases":  {{"customer_id", "text"}, {"purchased_at", "text"}},
		"s.complaints": {{"customer_id", "bytea"}, {"reported_at", "date"}},
	}
	_, err = Describe(ctx, bad, d, Mapping{Schema: "s"}, "UTC", 1, 5)
	if !errors.Is(err, ErrSchema) {
		t.Fatalf("error %v", err)
	}
	for _, want := range []string{
		"table purchases (s.purchases): column purchased_at has type text, which is not accepted for a timestamp",
		"table purchases (s.purchases): required column amount is missing (columns: customer_id, purchased_at)",
		"table complaints (s.complaints): column customer_id has type bytea",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	// No purchases table at all.
	if _, err := Describe(ctx, fakeColumns{}, d, Mapping{Schema: "s"}, "UTC", 1, 5); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "table purchases: s.purchases does not exist") {
		t.Errorf("no purchases: %v", err)
	}
}

func TestClassify(t *testing.T) {
	pg, _ := LookupDialect("postgres")
	spark, _ := LookupDialect("spark")
	for _, c := range []struct {
		d    *Dialect
		typ  string
		want Type
	}{
		{pg, "timestamp with time zone", TypeInstant}, {pg, "timestamp without time zone", TypeWallClock},
		{pg, "TIMESTAMP", TypeWallClock}, {spark, "timestamp", TypeInstant}, {spark, "timestamp_ntz", TypeWallClock},
		{pg, "TIMESTAMP(6) WITH TIME ZONE", TypeInstant}, {pg, "date", TypeDate}, {pg, "bigint", TypeInteger},
		{pg, "NUMERIC(10,2)", TypeDecimal}, {pg, "double precision", TypeFloat}, {pg, "character varying", TypeText},
		{pg, "VARCHAR(20)", TypeText}, {pg, "boolean", TypeBool}, {pg, "uuid", TypeUUID}, {pg, "bytea", TypeUnknown},
	} {
		if got := Classify(c.d, c.typ); got != c.want {
			t.Errorf("%s %q: %v, want %v", c.d.Name, c.typ, got, c.want)
		}
	}
}

// Live tests on the warehouses this build generates SQL for but does not execute on:
// opt-in by their variable, skipped with a message when it is unset.
func TestLiveWarehouses(t *testing.T) {
	for _, w := range []struct{ dialect, env string }{
		{"trino", "RECOVERYKPI_TEST_TRINO"}, {"snowflake", "RECOVERYKPI_TEST_SNOWFLAKE"}, {"bigquery", "RECOVERYKPI_TEST_BIGQUERY"},
	} {
		t.Run(w.dialect, func(t *testing.T) {
			if os.Getenv(w.env) == "" {
				t.Skipf("%s is not set: no live %s to run the generated SQL on (the golden SQL in testdata/sql/%s is parsed by sqlglot instead)", w.env, w.dialect, w.dialect)
			}
			t.Fatalf("%s is set, but this build has no %s executor: only PostgreSQL and DuckDB run the SQL (warehouse/postgres, warehouse/duckdb with -tags recoverykpi_duckdb); run testdata/sql/%s/*.sql by hand, or add an executor package", w.env, w.dialect, w.dialect)
		})
	}
}
