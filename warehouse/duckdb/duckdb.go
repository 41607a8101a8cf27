//go:build recoverykpi_duckdb

// Package duckdb runs the warehouse SQL on DuckDB through duckdb-go (the only user of
// it; cgo, so it is built only with -tags recoverykpi_duckdb). The database is a
// DuckDB file, opened read only; all queries of one computation run in one
// transaction, so they see one snapshot of the tables.
package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/recoverykpi/recoverykpi/warehouse"
)

// DB is a DuckDB database file open read only, in one transaction.
type DB struct {
	db *sql.DB
	tx *sql.Tx

	Host, Database string // what the manifest records: no host, the file's name
}

// Open opens the database file of dsn (a path, or a path with DuckDB's ?key=value
// options) read only, runs the dialect's session set-up and starts the transaction.
// Errors name the file, never the options (which may hold a token).
func Open(ctx context.Context, dsn string, setup []string) (*DB, error) {
	path, opts, _ := strings.Cut(dsn, "?")
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("warehouse: DuckDB needs a database file, not %q", path)
	}
	name := filepath.Base(path)
	opts = strings.Join(append([]string{"access_mode=read_only"}, nonEmpty(strings.Split(opts, "&"))...), "&")
	sdb, err := sql.Open("duckdb", path+"?"+opts)
	if err != nil {
		return nil, fmt.Errorf("warehouse DuckDB %s: %w", name, clean(err, opts))
	}
	sdb.SetMaxOpenConns(1)
	db := &DB{db: sdb, Database: name}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("warehouse DuckDB %s: %w", name, clean(err, opts))
	}
	db.tx, err = sdb.BeginTx(ctx, nil)
	if err != nil {
		sdb.Close()
		return nil, fmt.Errorf("warehouse DuckDB %s: begin: %w", name, clean(err, opts))
	}
	for _, s := range setup {
		if _, err := db.tx.ExecContext(ctx, s); err != nil {
			db.Close()
			return nil, fmt.Errorf("warehouse session set-up %q: %w", s, err)
		}
	}
	return db, nil
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// clean removes the connection options from an error's text.
func clean(err error, opts string) error {
	if err == nil || opts == "" || !strings.Contains(err.Error(), opts) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), opts, "…"))
}

// Close ends the transaction and closes the database.
func (db *DB) Close() error {
	err := db.tx.Rollback()
	if errors.Is(err, sql.ErrTxDone) {
		err = nil
	}
	return errors.Join(err, db.db.Close())
}

// Where is what the manifest records of the database: no host, the file's name.
func (db *DB) Where() (host, database string) { return db.Host, db.Database }

// Query runs sql and calls fn for each row.
func (db *DB) Query(ctx context.Context, sql string, fn func(scan func(dest ...any) error) error) error {
	rows, err := db.tx.QueryContext(ctx, sql)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Columns returns the columns of schema.table and their type names, in table order.
func (db *DB) Columns(ctx context.Context, schema, table string) ([]warehouse.ColumnInfo, error) {
	rows, err := db.tx.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`, schema, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []warehouse.ColumnInfo
	for rows.Next() {
		var c warehouse.ColumnInfo
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// Exec runs statements on the database file of path, opened for writing: for
// loading tables in tests and examples, never by a run.
func Exec(ctx context.Context, path string, stmts ...string) error {
	sdb, err := sql.Open("duckdb", path)
	if err != nil {
		return err
	}
	defer sdb.Close()
	for _, s := range stmts {
		if _, err := sdb.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}
