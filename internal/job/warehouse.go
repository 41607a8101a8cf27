package job

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/internal/publish"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/readers"
	"github.com/recoverykpi/recoverykpi/warehouse"
	"github.com/recoverykpi/recoverykpi/warehouse/postgres"
	manifestout "github.com/recoverykpi/recoverykpi/writers/manifest"
	"github.com/recoverykpi/recoverykpi/writers/quarantine"
)

// warehouseLoaded is a warehouse source opened by Load (run --warehouse): the
// connection in its snapshot transaction, the tables checked against the contract,
// the data-quality query, and the statements of the latest scorecard computed.
type warehouseLoaded struct {
	db       warehouseConn
	src      *warehouse.Source
	quality  warehouse.Run // the data-quality statement and counts
	snapshot string        // the tables' snapshot or time-travel id, where the warehouse has one
	last     *warehouse.Run
}

// warehouseConn is an open warehouse in its snapshot transaction: the queries, where it
// is (what the manifest records) and Close.
type warehouseConn interface {
	warehouse.Querier
	Where() (host, database string)
	Close() error
}

// openConn opens the warehouse of dsn for the dialect d.
func openConn(ctx context.Context, d *warehouse.Dialect, dsn string) (warehouseConn, error) {
	if d.Name == "duckdb" {
		return openDuckDB(ctx, dsn, d.SessionSetup)
	}
	return postgres.Open(ctx, dsn, d.SessionSetup)
}

// WarehouseRoot is the input root recorded for a warehouse source: the manifest's
// warehouse member says which.
const WarehouseRoot = "warehouse"

// openWarehouse checks that the config names a usable warehouse (run --warehouse).
func openWarehouse(cfg *config.Config) (*warehouse.Dialect, error) {
	w := cfg.Warehouse
	if w == nil {
		return nil, fmt.Errorf("%w: --warehouse: the config has no warehouse section (warehouse: {dialect, schema, dsn_file})", config.ErrInvalid)
	}
	d, err := warehouse.LookupDialect(w.Dialect)
	if err != nil {
		return nil, fmt.Errorf("%w: warehouse.dialect: %v", config.ErrInvalid, err)
	}
	switch {
	case d.Name == "duckdb" && !duckdbBuilt:
		return nil, fmt.Errorf("%w: warehouse.dialect duckdb: this build does not run DuckDB (build with -tags recoverykpi_duckdb, which needs cgo); the SQL of every dialect is in the README (Running in your warehouse)", config.ErrInvalid)
	case d.Name != "postgres" && d.Name != "duckdb":
		return nil, fmt.Errorf("%w: warehouse.dialect %s: this build executes the SQL on PostgreSQL and DuckDB only; the SQL of every dialect is in the README (Running in your warehouse)", config.ErrInvalid, d.Name)
	}
	if w.DSN == "" {
		return nil, fmt.Errorf("%w: --warehouse: no connection string: set RECOVERYKPI_WAREHOUSE_DSN or warehouse.dsn_file", config.ErrInvalid)
	}
	return d, nil
}

// loadWarehouse opens the warehouse, checks its tables, counts the rows set aside and
// applies the invalid-row limit. The extract folder is not read.
func (j *Job) loadWarehouse(ctx context.Context) (*Loaded, error) {
	l, err := j.openWarehouseTables(ctx)
	if err != nil {
		return nil, err
	}
	if err := j.gate(l.quality, true); err != nil {
		l.Close()
		if perr := publish.Replace(ctx, j.output, l.quarantine); perr != nil {
			return nil, errors.Join(err, perr)
		}
		return nil, err
	}
	return l, nil
}

// openWarehouseTables connects, checks the tables and counts the rows set aside.
func (j *Job) openWarehouseTables(ctx context.Context) (*Loaded, error) {
	d, err := openWarehouse(j.cfg)
	if err != nil {
		return nil, err
	}
	w := j.cfg.Warehouse
	db, err := openConn(ctx, d, w.DSN)
	if err != nil {
		return nil, err
	}
	m := warehouse.Mapping{Schema: w.Schema, Tables: map[string]string{}, Columns: map[string]map[string]string{}}
	for name, t := range j.cfg.Tables {
		m.Tables[name] = t.Name
		m.Columns[name] = t.Columns
	}
	defs := j.cfg.Definitions
	src, err := warehouse.Describe(ctx, db, d, m, j.cfg.Timezone, defs.ScoreMin, defs.ScoreMax)
	if err != nil {
		db.Close()
		if errors.Is(err, warehouse.ErrSchema) {
			return nil, fmt.Errorf("%w: %w", readers.ErrUnusable, err)
		}
		return nil, err
	}
	wl := &warehouseLoaded{db: db, src: src}
	if err := wl.quality.Quality(ctx, db, src, j.asOf == nil); err != nil {
		db.Close()
		return nil, err
	}
	// PostgreSQL has no snapshot to return to (a transaction's snapshot id names no
	// history and changes every run): nothing is recorded, and verify reruns
	// against the tables as they are.
	l := &Loaded{wh: wl, quality: wl.quality.TableQuality}
	// The quarantine: the rows set aside, at most QuarantineLimit per table.
	for _, q := range l.quality {
		if q.RowsSetAside == 0 {
			continue
		}
		sa, err := wl.quality.Quarantine(ctx, db, src, q.Table, warehouse.QuarantineLimit)
		if err != nil {
			db.Close()
			return nil, err
		}
		cols := make([]quarantine.Column, len(sa.Columns))
		for i, c := range sa.Columns {
			cols[i] = quarantine.Column{Source: cmp.Or(c.Name, c.Contract), Kind: sa.Kinds[i]}
		}
		var buf bytes.Buffer
		if err := quarantine.Write(&buf, q.Table, cols, sa); err != nil {
			db.Close()
			return nil, fmt.Errorf("quarantine %s: %w", q.Table, err)
		}
		l.quarantine = append(l.quarantine, publish.File{Name: "quarantine/" + q.Table + ".parquet", Data: buf.Bytes()})
	}
	return l, nil
}

// CheckWarehouse is validate --warehouse: it checks the warehouse tables against the
// contract and reports each table's rows read and set aside by reason, writing
// nothing. It fails as validate does on too many invalid rows.
func (j *Job) CheckWarehouse(ctx context.Context, w io.Writer) ([]pipeline.TableQuality, error) {
	wc := j.cfg.Warehouse
	fmt.Fprintf(w, "warehouse %s, schema %s\n", wc.Dialect, wc.Schema)
	l, err := j.openWarehouseTables(ctx)
	if err != nil {
		fmt.Fprintf(w, "result: unusable\n")
		return nil, err
	}
	defer l.Close()
	host, database := l.wh.db.Where()
	fmt.Fprintf(w, "host %s, database %s\n", host, database)
	for _, t := range l.wh.src.Tables {
		var cols []string
		for _, c := range t.Columns {
			if c.Name != "" {
				cols = append(cols, fmt.Sprintf("%s (%s)", c.Name, c.Type))
			}
		}
		fmt.Fprintf(w, "table %s: %s: %s\n", t.Contract, t.Name, strings.Join(cols, ", "))
	}
	for _, q := range l.quality {
		fmt.Fprintf(w, "%s: %d rows, %d set aside\n", q.Table, q.RowsRead, q.RowsSetAside)
		for _, r := range q.ByReason {
			fmt.Fprintf(w, "  %s: %d\n", r.Reason, r.Rows)
		}
	}
	if err := j.gate(l.quality, false); err != nil {
		fmt.Fprintf(w, "result: unusable\n")
		return l.quality, err
	}
	fmt.Fprintf(w, "result: usable\n")
	return l.quality, nil
}

// warehouseScorecard computes one quarter in the warehouse.
func (j *Job) warehouseScorecard(ctx context.Context, l *Loaded, s pipeline.Settings) (*pipeline.Scorecard, error) {
	wl := l.wh
	run := wl.quality.Fork()
	sc, err := run.Scorecard(ctx, wl.db, wl.src, s)
	if err != nil {
		return nil, err
	}
	wl.last = run
	return sc, nil
}

// Close releases what Load opened: the warehouse connection, if any.
func (l *Loaded) Close() error {
	if l.wh == nil {
		return nil
	}
	return l.wh.db.Close()
}

// warehouseRecord is the manifest's record of the warehouse source.
func (l *Loaded) warehouseRecord(cfg *config.Config) *manifestout.Warehouse {
	wl := l.wh
	if wl == nil {
		return nil
	}
	host, database := wl.db.Where()
	rec := &manifestout.Warehouse{
		Dialect: wl.src.Dialect.Name, Host: host, Database: database, Schema: cfg.Warehouse.Schema,
		Snapshot: wl.snapshot,
	}
	if wl.last != nil {
		for _, st := range wl.last.Statements {
			rec.Statements = append(rec.Statements, manifestout.Statement{Role: st.Role, SHA256: st.SHA256, Rows: st.Rows})
		}
	}
	return rec
}
