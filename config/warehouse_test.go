package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The warehouse's DSN is a secret: never inline in the file, read from its file or
// RECOVERYKPI_WAREHOUSE_DSN, never in the recorded config.
func TestWarehouseConfig(t *testing.T) {
	dir := t.TempDir()
	const dsn = "postgres://u:s3cret@db.internal/dw"
	if err := os.WriteFile(filepath.Join(dir, "dsn"), []byte(dsn+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte("warehouse: {dialect: postgres, schema: sales, dsn_file: dsn}\ntables: {purchases: {name: fact_orders}}\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Warehouse.DSN != dsn || c.Tables["purchases"].Name != "fact_orders" {
		t.Errorf("warehouse %+v, tables %+v", c.Warehouse, c.Tables)
	}
	yml, _, err := c.Recorded()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(yml), "s3cret") || strings.Contains(string(yml), "warehouse") || !strings.Contains(string(yml), "fact_orders") {
		t.Errorf("recorded config:\n%s", yml)
	}
	// Inline, the DSN is an unknown key.
	if _, err := Parse([]byte("warehouse: {dialect: postgres, dsn: \""+dsn+"\"}\n"), dir); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("inline dsn: %v", err)
	}
	if _, err := Parse([]byte("warehouse: {schema: s}\n"), dir); err == nil || !strings.Contains(err.Error(), "warehouse.dialect") {
		t.Errorf("no dialect: %v", err)
	}
	// The environment sets the DSN only with a warehouse section.
	env := func(k string) (string, bool) {
		if k == EnvWarehouseDSN {
			return dsn, true
		}
		return "", false
	}
	c = Default()
	if err := ApplyEnv(c, env); err != nil || c.Warehouse != nil {
		t.Errorf("no warehouse section: %v, %+v", err, c.Warehouse)
	}
	c, err = Parse([]byte("warehouse: {dialect: postgres}\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(c, env); err != nil || c.Warehouse.DSN != dsn {
		t.Errorf("env: %v, %+v", err, c.Warehouse)
	}
}
