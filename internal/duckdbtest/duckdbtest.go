// Package duckdbtest runs DuckDB from tests, through the @duckdb/node-api
// package that the DuckDB reference installs (cd testdata/reference && npm
// install): tests write Parquet as a warehouse would and read the program's
// files as an analyst would. Only tests import it.
package duckdbtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RequireEnv makes a missing Node.js or DuckDB a failure instead of a skip (set
// by .ci/run, as for the differential test).
const RequireEnv = "RECOVERYKPI_REQUIRE_REFERENCE"

// script runs the SQL statements given as a JSON array in one in-memory DuckDB
// and prints the rows of the last one as JSON (DuckDB's JSON rendering: BLOBs
// as escaped text, big integers as strings).
const script = `
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

// Run runs stmts in order in one DuckDB and returns the rows of the last one.
// It skips the test when Node.js or the reference's node_modules are missing,
// unless RequireEnv is set; a DuckDB error fails the test.
func Run(t testing.TB, stmts ...string) []map[string]any {
	t.Helper()
	rows, err := TryRun(t, stmts...)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TryRun is Run returning DuckDB's error instead of failing the test.
func TryRun(t testing.TB, stmts ...string) ([]map[string]any, error) {
	t.Helper()
	ref, err := referenceDir()
	node, nodeErr := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(ref, "node_modules", "@duckdb", "node-api"))
	}
	if err != nil || nodeErr != nil {
		msg := fmt.Sprintf("DuckDB unavailable (node: %v, node_modules: %v); run: cd testdata/reference && npm install", nodeErr, err)
		if os.Getenv(RequireEnv) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	arg, err := json.Marshal(stmts)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(node, "--input-type=module", "-e", script, string(arg))
	cmd.Dir = ref // node resolves @duckdb/node-api from here
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("duckdb: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		return nil, fmt.Errorf("duckdb output %q: %v", out.String(), err)
	}
	return rows, nil
}

// Copy writes the rows of query to the Parquet file path with DuckDB's writer.
func Copy(t testing.TB, path, query string) {
	t.Helper()
	Run(t, fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet)", query, Quote(path)))
}

// Quote quotes s as an SQL string literal.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// referenceDir finds testdata/reference in the module that holds the working
// directory (a test runs in its package's folder).
func referenceDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "reference"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
