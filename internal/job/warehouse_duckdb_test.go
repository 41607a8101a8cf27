//go:build recoverykpi_duckdb

package job_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/internal/pgtest"
	"github.com/recoverykpi/recoverykpi/warehouse/duckdb"
)

// `run --warehouse` with the duckdb dialect, on a DuckDB database file whose tables
// DuckDB loaded from the extract set's own Parquet files, gives the scorecard JSON of
// `run --input` on those files (every value within 1e-9 relative), the rows set aside
// by reason and the quarantine included: the DuckDB dialect's SQL executed for real.
// Cases: seeds with the defaults and a fiscal year in New York, every timestamp on a
// whole day (ties and exact window bounds), the timestamps stored as wall-clock
// TIMESTAMPs in Tokyo, and the hand-made tables on every tie and bound.
func TestWarehouseDuckDBMatchesFiles(t *testing.T) {
	cases := []whCase{
		{name: "defaults", customers: 1500, seed: 11},
		{name: "fiscal July in New York", customers: 1200, seed: 14, config: "timezone: America/New_York\nfiscal_year_start_month: 7\n"},
		{name: "whole days: ties and exact window bounds", customers: 2000, seed: 21, coarse: true},
		{name: "open quarter, wall clock, fiscal October", customers: 1000, seed: 17, quarter: "2027-Q2", asOf: "2027-02-20T12:00:00Z",
			allowOpen: true, config: "timezone: Asia/Tokyo\nfiscal_year_start_month: 10\n", load: pgtest.Options{WallClock: true}},
		{name: "hand-made ties and bounds", seed: 23, tables: tieTables(), quarter: "2026-Q2", asOf: "2027-02-01T00:00:00Z",
			config: "quality: {max_invalid_share: 0.5}\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			tc.dialect = "duckdb"
			dir := caseDir(t, tc)
			zone := ""
			if tc.load.WallClock {
				zone = "Asia/Tokyo"
			}
			db := filepath.Join(t.TempDir(), "warehouse.duckdb")
			if err := duckdb.Exec(ctx, db, loadDuckDB(t, dir, "rkpi", zone)...); err != nil {
				t.Fatal(err)
			}
			files := runJSON(t, tc, dir, "", "")
			wh := runJSON(t, tc, "", db, "rkpi")
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
				t.Errorf("quarantine files and rows: %v from the files, %v from DuckDB", files.quarantine, wh.quarantine)
			}
			if len(diffs) > 0 {
				t.Errorf("%d differences between run --input and run --warehouse on DuckDB, first ones:\n%s", len(diffs), strings.Join(diffs[:min(len(diffs), 25)], "\n"))
			}
			if !strings.Contains(string(wh.manifest), `"dialect": "duckdb"`) || !strings.Contains(string(wh.manifest), `"database": "warehouse.duckdb"`) {
				t.Errorf("the manifest does not record the DuckDB warehouse:\n%s", wh.manifest)
			}
		})
	}
}

// loadDuckDB returns the statements that create schema and load the extract set of
// dir into it with DuckDB's own Parquet reader, every timestamp as a TIMESTAMPTZ, or
// with zone as a wall-clock TIMESTAMP in that zone.
func loadDuckDB(t *testing.T, dir, schema, zone string) []string {
	t.Helper()
	times := map[string][]string{
		"purchases": {"purchased_at"}, "complaints": {"reported_at"}, "departures": {"departed_at"},
		"outreach": {"contacted_at"}, "offers": {"issued_at", "redeemed_at", "expires_at"}, "surveys": {"responded_at"},
	}
	stmts := []string{"CREATE SCHEMA " + schema}
	for _, table := range []string{"customers", "purchases", "complaints", "departures", "outreach", "offers", "surveys"} {
		src := filepath.Join(dir, table+".parquet")
		if _, err := os.Stat(src); err != nil {
			src = filepath.Join(dir, table, "**", "*.parquet")
		}
		var cast []string
		for _, c := range times[table] {
			x := "CAST(" + c + " AS TIMESTAMPTZ)"
			if zone != "" {
				x = "CAST(timezone('" + zone + "', " + x + ") AS TIMESTAMP)"
			}
			cast = append(cast, x+" AS "+c)
		}
		sel := "*"
		if len(cast) > 0 {
			sel = "* REPLACE (" + strings.Join(cast, ", ") + ")"
		}
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE %s.%s AS SELECT %s FROM read_parquet('%s', hive_partitioning = false)", schema, table, sel, src))
	}
	return stmts
}
