package job

import (
	"context"
	"errors"
	"fmt"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/readers"
	"github.com/recoverykpi/recoverykpi/warehouse"
	"github.com/recoverykpi/recoverykpi/warehouse/postgres"
	manifestout "github.com/recoverykpi/recoverykpi/writers/manifest"
)

// warehouseLoaded is a warehouse source opened by Load (run --warehouse): the
// connection in its snapshot transaction, the tables checked against the contract,
// the data-quality query, and the statements of the latest scorecard computed.
type warehouseLoaded struct {
	db       *postgres.DB
	src      *warehouse.Source
	quality  warehouse.Run // the data-quality statement and counts
	snapshot string
	last     *warehouse.Run
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
	if d.Name != "postgres" {
		return nil, fmt.Errorf("%w: warehouse.dialect %s: this build executes the SQL on PostgreSQL only; the SQL of every dialect is in the README (Running in your warehouse)", config.ErrInvalid, d.Name)
	}
	if w.DSN == "" {
		return nil, fmt.Errorf("%w: --warehouse: no connection string: set RECOVERYKPI_WAREHOUSE_DSN or warehouse.dsn_file", config.ErrInvalid)
	}
	return d, nil
}

// loadWarehouse opens the warehouse, checks its tables, counts the rows set aside and
// applies the invalid-row limit. The extract folder is not read.
func (j *Job) loadWarehouse(ctx context.Context) (*Loaded, error) {
	d, err := openWarehouse(j.cfg)
	if err != nil {
		return nil, err
	}
	w := j.cfg.Warehouse
	db, err := postgres.Open(ctx, w.DSN, d.SessionSetup)
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
	if err := wl.quality.Quality(ctx, db, src); err != nil {
		db.Close()
		return nil, err
	}
	if wl.snapshot, err = db.Snapshot(ctx); err != nil {
		db.Close()
		return nil, err
	}
	l := &Loaded{wh: wl, quality: wl.quality.TableQuality}
	if err := j.gate(l.quality, false); err != nil {
		db.Close()
		return nil, err
	}
	return l, nil
}

// warehouseScorecard computes one quarter in the warehouse.
func (j *Job) warehouseScorecard(ctx context.Context, l *Loaded, s pipeline.Settings) (*pipeline.Scorecard, error) {
	wl := l.wh
	run := &warehouse.Run{Statements: append([]warehouse.Statement(nil), wl.quality.Statements...), TableQuality: wl.quality.TableQuality}
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
	rec := &manifestout.Warehouse{
		Dialect: wl.src.Dialect.Name, Host: wl.db.Host, Database: wl.db.Database, Schema: cfg.Warehouse.Schema,
		Snapshot: wl.snapshot,
	}
	if wl.last != nil {
		for _, st := range wl.last.Statements {
			rec.Statements = append(rec.Statements, manifestout.Statement{Role: st.Role, SHA256: st.SHA256, Rows: st.Rows})
		}
	}
	return rec
}
