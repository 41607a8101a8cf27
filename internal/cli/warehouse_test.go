package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/internal/pgtest"
	"github.com/recoverykpi/recoverykpi/internal/workbookdump"
)

// The command line over a warehouse: `run --warehouse` publishes from PostgreSQL, a
// second run is a no-op, `validate --warehouse` reports the rows set aside, `verify`
// reruns the recorded statements and passes, and fails once a row changed; the DSN
// (with its password) is never printed, logged or recorded.
func TestWarehouseCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL test: skipped with -short")
	}
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "extracts")
	if _, err := generate.Write(ctx, dir, generate.Options{Customers: 400, Seed: 31}); err != nil {
		t.Fatal(err)
	}
	const schema = "rkpi_cli"
	if err := pgtest.Load(ctx, dsn, schema, dir, pgtest.Options{}); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	cfgPath := filepath.Join(work, "recoverykpi.yaml")
	if err := os.WriteFile(cfgPath, []byte("warehouse: {dialect: postgres, schema: "+schema+"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{config.EnvWarehouseDSN: dsn}
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := Run(ctx, args, &Env{Stdout: &stdout, Stderr: &stderr,
			LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
		out, errOut := stdout.String(), stderr.String()
		if strings.Contains(out+errOut, dsn) {
			t.Errorf("recoverykpi %s printed the DSN", strings.Join(args, " "))
		}
		return code, out, errOut
	}
	out := filepath.Join(work, "out")
	code, stdout, stderr := run("run", "--config", cfgPath, "--warehouse", "--output", out)
	if code != 0 {
		t.Fatalf("run --warehouse: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "published") {
		t.Errorf("run --warehouse: %s", stdout)
	}
	manifests, _ := filepath.Glob(filepath.Join(out, "manifest-*.json"))
	if len(manifests) != 1 {
		t.Fatalf("manifests: %v", manifests)
	}
	raw, err := os.ReadFile(manifests[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"warehouse": {`, `"dialect": "postgres"`, `"schema": "` + schema + `"`, `"role": "customers"`} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("manifest lacks %s", want)
		}
	}
	if bytes.Contains(raw, []byte(dsn)) || bytes.Contains(raw, []byte("postgres://")) {
		t.Error("the manifest holds the DSN")
	}
	// The Audit sheet names the warehouse and its statements.
	books, _ := filepath.Glob(filepath.Join(out, "recovery-scorecard-*.xlsx"))
	if len(books) != 1 {
		t.Fatalf("workbooks: %v", books)
	}
	xlsx, err := os.ReadFile(books[0])
	if err != nil {
		t.Fatal(err)
	}
	dump, err := workbookdump.Dump(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"postgres, host 127.0.0.1", "schema " + schema, "customers: ", "The tables were read from the warehouse above"} {
		if !strings.Contains(dump, want) {
			t.Errorf("the workbook lacks %q", want)
		}
	}
	if strings.Contains(dump, dsn) {
		t.Error("the workbook holds the DSN")
	}
	// The same data again: a no-op.
	if code, stdout, stderr := run("run", "--config", cfgPath, "--warehouse", "--output", out); code != 0 || !strings.Contains(stdout, "nothing to do") {
		t.Errorf("second run: exit %d\n%s%s", code, stdout, stderr)
	}
	// validate --warehouse: the tables and the rows set aside.
	code, stdout, stderr = run("validate", "--config", cfgPath, "--warehouse")
	if code != 0 || !strings.Contains(stdout, "result: usable") || !strings.Contains(stdout, "purchases:") {
		t.Errorf("validate --warehouse: exit %d\n%s%s", code, stdout, stderr)
	}
	// backfill --warehouse publishes each quarter from the same connection.
	bf := filepath.Join(work, "backfill")
	code, stdout, stderr = run("backfill", "--config", cfgPath, "--warehouse", "--from", "2026-Q1", "--to", "2026-Q2", "--output", bf)
	if code != 0 {
		t.Errorf("backfill --warehouse: exit %d\n%s%s", code, stdout, stderr)
	}
	if ms, _ := filepath.Glob(filepath.Join(bf, "manifest-2026-Q*.json")); len(ms) != 2 {
		t.Errorf("backfill manifests: %v", ms)
	}
	// --warehouse and --input together are bad usage.
	if code, _, _ := run("run", "--config", cfgPath, "--warehouse", "--input", dir, "--output", out); code != ExitUsage {
		t.Errorf("--warehouse --input: exit %d, want %d", code, ExitUsage)
	}
	// verify reruns the statements against the unchanged tables.
	code, stdout, stderr = run("verify", manifests[0])
	if code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	// Without the DSN verify cannot rerun, and says what it needs.
	delete(env, config.EnvWarehouseDSN)
	if code, _, stderr := run("verify", manifests[0]); code == 0 || !strings.Contains(stderr, config.EnvWarehouseDSN) {
		t.Errorf("verify without a DSN: exit %d\n%s", code, stderr)
	}
	env[config.EnvWarehouseDSN] = dsn
	// A changed purchase: verify reports the difference.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "UPDATE "+schema+".purchases SET amount = amount + 1 WHERE order_id = (SELECT MIN(order_id) FROM "+schema+".purchases WHERE amount > 0)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "DELETE FROM "+schema+".complaints WHERE complaint_id = (SELECT MAX(complaint_id) FROM "+schema+".complaints)"); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run("verify", manifests[0])
	if code == 0 || !strings.Contains(stdout+stderr, "differ") && !strings.Contains(stdout+stderr, "changed") {
		t.Errorf("verify after a change: exit %d\n%s%s", code, stdout, stderr)
	}
}
