package job

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/recoverykpi/recoverykpi/internal/publish"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/readers"
	manifestout "github.com/recoverykpi/recoverykpi/writers/manifest"
	"github.com/recoverykpi/recoverykpi/writers/quarantine"
)

// Loaded is an extract set read into memory, with what the reading found.
type Loaded struct {
	data       *pipeline.Data
	quality    []pipeline.TableQuality // present tables, contract order
	inputs     []manifestout.InputFile
	meta       []manifestout.InputFile   // the table formats' metadata files, until merged into inputs
	tables     []manifestout.TableFormat // the tables read as a table format's snapshot
	quarantine []publish.File            // quarantine/<table>.parquet of the tables with set-aside rows
	warnings   []string
	singleUse  bool             // drop data once a scorecard is computed (SingleUse)
	wh         *warehouseLoaded // run --warehouse: the warehouse instead of data
}

// SingleUse says that only one quarter will be computed from l: RunQuarter then drops
// the loaded columns as soon as its scorecard is computed, so that rendering the
// outputs does not share the heap with them (at 3,000,000 customers that is about
// 1.5 GiB that the garbage collector no longer walks past while the workbook is
// written). A quarter computed from l afterwards is an error.
func (l *Loaded) SingleUse() { l.singleUse = true }

// Warnings returns what reading the extract set accepted but a person should know
// (readers.Extract.Warnings), one sentence each.
func (l *Loaded) Warnings() []string { return l.warnings }

// Quality returns the rows read and set aside of each table present, in contract
// order.
func (l *Loaded) Quality() []pipeline.TableQuality { return l.quality }

// Inputs returns the files read, in table and path order, with their SHA-256.
func (l *Loaded) Inputs() []manifestout.InputFile { return l.inputs }

// Load discovers and reads the extract set, checks the invalid-row limit and renders
// the quarantine. When the limit is exceeded, the quarantine is still published and
// the error wraps ErrTooManyInvalid.
func (j *Job) Load(ctx context.Context) (*Loaded, error) {
	if j.warehouse {
		return j.loadWarehouse(ctx)
	}
	opts := j.readerOptions()
	opts.HashFiles = true // for the manifest, from the handles parsed (inputs.go)
	ex, err := readers.Discover(ctx, j.input, opts)
	if err != nil {
		return nil, err
	}
	ad := &extractAdapter{ex: ex, quality: map[string]readers.TableQuality{}, setAside: map[string]*readers.SetAside{}}
	data, err := pipeline.Load(ctx, ad)
	if err != nil {
		return nil, err
	}
	l := &Loaded{data: data, warnings: ex.Warnings()}
	for _, t := range ex.Tables() {
		name := t.Def.Name
		q, ok := ad.quality[name]
		if !ok {
			return nil, fmt.Errorf("table %s was not read", name)
		}
		l.quality = append(l.quality, q.Contract())
		for _, f := range q.Files {
			l.inputs = append(l.inputs, manifestout.InputFile{Table: name, Path: f.Path, Size: f.Size, RowsRead: f.RowsRead, RowsSetAside: f.RowsSetAside})
		}
		if format, version, fv := t.Snapshot(); format != "" {
			l.tables = append(l.tables, manifestout.TableFormat{Table: name, Format: format, Version: version, FormatVersion: fv})
			for _, mf := range t.MetadataFiles() {
				// Read at discovery, hashed here: a log or manifest changed in
				// between fails verify like a changed data file.
				size, sum, err := HashFile(ctx, j.input, mf.Path)
				if err != nil {
					return nil, fmt.Errorf("table %s: %s %s: %w", name, mf.Role, mf.Path, err)
				}
				l.meta = append(l.meta, manifestout.InputFile{Table: name, Path: mf.Path, Size: size, SHA256: sum, Role: mf.Role})
			}
		}
		if q.RowsSetAside > 0 {
			var buf bytes.Buffer
			if err := writeQuarantine(&buf, ad.setAside[name]); err != nil {
				return nil, fmt.Errorf("quarantine %s: %w", name, err)
			}
			l.quarantine = append(l.quarantine, publish.File{Name: "quarantine/" + name + ".parquet", Data: buf.Bytes()})
		}
	}
	if err := fillHashes(l.inputs, ad.quality); err != nil {
		return nil, err
	}
	l.inputs = mergeInputs(l.inputs, l.meta)
	l.meta = nil
	if err := j.gate(l.quality, true); err != nil {
		if perr := publish.Replace(ctx, j.output, l.quarantine); perr != nil {
			return nil, errors.Join(err, perr)
		}
		return nil, err
	}
	return l, nil
}

// gate fails when a table's set-aside share exceeds quality.max_invalid_share. The
// error points to the quarantine file only when one was written.
func (j *Job) gate(quality []pipeline.TableQuality, wroteQuarantine bool) error {
	limit := j.cfg.Quality.MaxInvalidShare
	var errs []error
	for _, q := range quality {
		if q.RowsRead == 0 {
			continue
		}
		share := float64(q.RowsSetAside) / float64(q.RowsRead)
		if share > limit {
			see := fmt.Sprintf("see quarantine/%s.parquet in the output folder", q.Table)
			if !wroteQuarantine {
				see = "the report lists examples; `recoverykpi run` writes them all to quarantine/" + q.Table + ".parquet"
			}
			errs = append(errs, fmt.Errorf("%w: table %s: %d of %d rows set aside (%.2f%%, limit %.2f%%); %s",
				ErrTooManyInvalid, q.Table, q.RowsSetAside, q.RowsRead, share*100, limit*100, see))
		}
	}
	return errors.Join(errs...)
}

// extractAdapter presents a discovered extract set to the engine and keeps each
// table's data quality and set-aside rows when the engine closes it.
type extractAdapter struct {
	ex       *readers.Extract
	quality  map[string]readers.TableQuality
	setAside map[string]*readers.SetAside
}

func (a *extractAdapter) Has(table string) bool { return a.ex.Table(table) != nil }

func (a *extractAdapter) HasColumn(table, column string) bool {
	t := a.ex.Table(table)
	return t != nil && t.HasColumn(column)
}

func (a *extractAdapter) Open(ctx context.Context, table string, columns []string) (pipeline.Source, error) {
	t := a.ex.Table(table)
	if t == nil {
		return nil, fmt.Errorf("table %s is absent", table)
	}
	r, err := t.Open(ctx, slices.Clone(columns))
	if err != nil {
		return nil, err
	}
	return &trackedSource{TableReader: r, table: table, ad: a}, nil
}

// trackedSource records the table's quality when the engine has read it to the end.
type trackedSource struct {
	*readers.TableReader
	table string
	ad    *extractAdapter
}

func (s *trackedSource) Close() error {
	s.ad.quality[s.table] = s.TableReader.Quality()
	s.ad.setAside[s.table] = s.TableReader.SetAside()
	return s.TableReader.Close()
}

// writeQuarantine writes the rows set aside from one table as its quarantine file.
func writeQuarantine(w io.Writer, s *readers.SetAside) error {
	cols := make([]quarantine.Column, len(s.Columns))
	for i, c := range s.Columns {
		cols[i] = quarantine.Column{Source: c.Source, Kind: c.Kind}
	}
	return quarantine.Write(w, s.Table, cols, s)
}
