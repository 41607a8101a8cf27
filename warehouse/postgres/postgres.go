// Package postgres runs the warehouse SQL on PostgreSQL through pgx (the only user of
// pgx besides the scheduler's claimer). All queries of one computation run in one
// read-only REPEATABLE READ transaction: they see one snapshot of the tables, as if
// the warehouse had one.
package postgres

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"

	"github.com/jackc/pgx/v5"

	"github.com/recoverykpi/recoverykpi/internal/redact"
	"github.com/recoverykpi/recoverykpi/warehouse"
)

// DB is a connection to PostgreSQL in a read-only snapshot transaction.
type DB struct {
	conn *pgx.Conn
	tx   pgx.Tx
	dsn  string // for redaction only

	Host, Database string // what the manifest records (never the user or password)
}

// Open connects to dsn (a postgres:// URL or key=value string), runs the dialect's
// session set-up and starts the snapshot transaction. Errors never hold the DSN or
// its password.
func Open(ctx context.Context, dsn string, setup []string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, redactErr(fmt.Errorf("warehouse DSN %s: %w", redact.DSN(dsn), err), dsn)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, redactErr(fmt.Errorf("warehouse %s@%s/%s: %w", cfg.User, cfg.Host, cfg.Database, err), dsn, cfg.Password)
	}
	db := &DB{conn: conn, dsn: dsn, Host: cfg.Host, Database: cfg.Database}
	for _, s := range setup {
		if _, err := conn.Exec(ctx, s); err != nil {
			conn.Close(ctx)
			return nil, db.redact(fmt.Errorf("warehouse session set-up %q: %w", s, err))
		}
	}
	db.tx, err = conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		conn.Close(ctx)
		return nil, db.redact(fmt.Errorf("warehouse: begin snapshot: %w", err))
	}
	return db, nil
}

// Where is what the manifest records of the database: its host and name.
func (db *DB) Where() (host, database string) { return db.Host, db.Database }

// Close ends the transaction and the connection.
func (db *DB) Close() error {
	ctx := context.Background()
	err := db.tx.Rollback(ctx)
	if cerr := db.conn.Close(ctx); err == nil || errors.Is(err, pgx.ErrTxClosed) {
		err = cerr
	}
	return db.redact(err)
}

// Query runs sql and calls fn for each row.
func (db *DB) Query(ctx context.Context, sql string, fn func(scan func(dest ...any) error) error) error {
	rows, err := db.tx.Query(ctx, sql)
	if err != nil {
		return db.redact(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return db.redact(err)
		}
	}
	return db.redact(rows.Err())
}

// Columns returns the columns of schema.table from information_schema, in table
// order; none when the table does not exist. schema "" is the first schema of the
// search path.
func (db *DB) Columns(ctx context.Context, schema, table string) ([]warehouse.ColumnInfo, error) {
	if schema == "" {
		if err := db.tx.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return nil, db.redact(err)
		}
	}
	rows, err := db.tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, schema, table)
	if err != nil {
		return nil, db.redact(err)
	}
	defer rows.Close()
	var out []warehouse.ColumnInfo
	for rows.Next() {
		var c warehouse.ColumnInfo
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, db.redact(err)
		}
		out = append(out, c)
	}
	return out, db.redact(rows.Err())
}

func (db *DB) redact(err error) error {
	if err == nil {
		return nil
	}
	return redactErr(err, db.dsn, password(db.dsn))
}

func redactErr(err error, secrets ...string) error {
	var keep []string
	for _, s := range secrets {
		if s != "" {
			keep = append(keep, s)
		}
	}
	return redact.Error(err, keep...)
}

// password is the password of a postgres:// URL, "" when none.
func password(dsn string) string {
	u, err := neturl.Parse(dsn)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}
