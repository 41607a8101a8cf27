package readers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// referenceDir holds the DuckDB reference and its node_modules (cd
// testdata/reference && npm install), whose @duckdb/node-api writes and reads
// Parquet here as a warehouse would.
const referenceDir = "../testdata/reference"

// requireReference makes a missing Node.js or DuckDB a failure instead of a
// skip (set by .ci/run).
const requireReference = "RECOVERYKPI_REQUIRE_REFERENCE"

// duckDBScript runs the SQL statements in order in one in-memory DuckDB and
// prints the rows of the last one as JSON (DuckDB's JSON rendering: BLOBs as
// escaped text, big integers as strings).
const duckDBScript = `
import { DuckDBInstance } from '@duckdb/node-api';
const stmts = JSON.parse(process.argv[1]);
const con = await (await DuckDBInstance.create(':memory:')).connect();
let rows = [];
for (const s of stmts) {
  const r = await con.runAndReadAll(s);
  rows = r.getRowObjectsJson();
}
process.stdout.write(JSON.stringify(rows));
`

// duckDB runs stmts with DuckDB (see duckDBScript) and returns the rows of the
// last statement; it skips the test when Node.js or the reference's DuckDB is
// missing, unless RECOVERYKPI_REQUIRE_REFERENCE is set.
func duckDB(t testing.TB, stmts ...string) []map[string]any {
	t.Helper()
	rows, err := tryDuckDB(t, stmts...)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// tryDuckDB is duckDB returning DuckDB's error instead of failing.
func tryDuckDB(t testing.TB, stmts ...string) ([]map[string]any, error) {
	t.Helper()
	node, err := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(referenceDir, "node_modules", "@duckdb", "node-api"))
	if err != nil || modErr != nil {
		msg := fmt.Sprintf("DuckDB unavailable (node: %v, node_modules: %v); run: cd testdata/reference && npm install", err, modErr)
		if os.Getenv(requireReference) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	arg, err := json.Marshal(stmts)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(node, "--input-type=module", "-e", duckDBScript, string(arg))
	cmd.Dir = referenceDir
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("duckdb: %v: %s", err, stderr.String())
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		return nil, fmt.Errorf("duckdb output %q: %v", out.String(), err)
	}
	return rows, nil
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string {
	return "'" + string(bytes.ReplaceAll([]byte(s), []byte("'"), []byte("''"))) + "'"
}
