package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/readers"
)

// exampleLimit is how many set-aside rows per reason the report shows.
const exampleLimit = 3

// Validate checks the extract set against the contract and prints a data-quality
// report to w, writing no file. It returns an error (wrapping readers.ErrUnusable or
// ErrTooManyInvalid) when the extracts are unusable.
func (j *Job) Validate(ctx context.Context, w io.Writer) error {
	_, _, err := j.Check(ctx, w)
	return err
}

// TableLayout is how one present table is laid out, as validate reports it.
type TableLayout struct {
	Table string
	// Format is "single file", "plain parts", "plain parts, Databricks commit
	// markers" or "delta (version N)" (readers.TableSource.Format).
	Format string
	// Parts is the number of part files read (empty ones included; those that
	// Databricks' commit markers skip are not).
	Parts int
	// PartitionColumns are the keys of the Hive partition folders (key=value/),
	// in order of first appearance; empty for none.
	PartitionColumns []string
}

// Check is Validate, and also returns the quality of each table read (in contract
// order), as far as it got, and the layout of each table found.
func (j *Job) Check(ctx context.Context, w io.Writer) ([]pipeline.TableQuality, []TableLayout, error) {
	fmt.Fprintf(w, "extract set %s\n", j.inputRoot)
	ex, err := readers.Discover(ctx, j.input, j.readerOptions())
	if err != nil {
		fmt.Fprintf(w, "result: unusable\n")
		return nil, nil, err
	}
	for _, warning := range ex.Warnings() {
		fmt.Fprintf(w, "warning: %s\n", warning)
	}
	var layouts []TableLayout
	for _, t := range ex.Tables() {
		layouts = append(layouts, TableLayout{Table: t.Def.Name, Format: t.Format(), Parts: len(t.Files), PartitionColumns: t.PartitionColumns()})
	}
	printLayouts(w, layouts)
	var qs []readers.TableQuality
	for _, t := range ex.Tables() {
		q, err := readAll(ctx, t)
		if err != nil {
			fmt.Fprintf(w, "result: unusable\n")
			return nil, layouts, err
		}
		qs = append(qs, q)
	}
	printQuality(w, ex, qs)
	var pq []pipeline.TableQuality
	for _, q := range qs {
		pq = append(pq, q.Contract())
	}
	if err := j.gate(pq, false); err != nil {
		fmt.Fprintf(w, "result: unusable\n")
		return pq, layouts, err
	}
	fmt.Fprintf(w, "result: usable\n")
	return pq, layouts, nil
}

// printLayouts prints each table's format, part count and partition columns.
func printLayouts(w io.Writer, ls []TableLayout) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-11s %-40s %5s  %s\n", "table", "format", "parts", "partition columns")
	for _, l := range ls {
		parts := strings.Join(l.PartitionColumns, ", ")
		if parts == "" {
			parts = "none"
		}
		fmt.Fprintf(&b, "%-11s %-40s %5d  %s\n", l.Table, l.Format, l.Parts, parts)
	}
	io.WriteString(w, b.String())
}

// readAll reads a table to the end, discarding the rows, and returns its quality.
func readAll(ctx context.Context, t *readers.TableSource) (readers.TableQuality, error) {
	r, err := t.Open(ctx, nil)
	if err != nil {
		return readers.TableQuality{}, err
	}
	defer r.Close()
	for {
		rec, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			return r.Quality(), nil
		}
		if err != nil {
			return readers.TableQuality{}, err
		}
		rec.Release()
	}
}

func printQuality(w io.Writer, ex *readers.Extract, qs []readers.TableQuality) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-11s %5s %12s %10s %8s\n", "table", "files", "rows", "set aside", "share")
	for _, q := range qs {
		share := 0.0
		if q.RowsRead > 0 {
			share = float64(q.RowsSetAside) / float64(q.RowsRead) * 100
		}
		fmt.Fprintf(&b, "%-11s %5d %12d %10d %7.2f%%\n", q.Table, len(q.Files), q.RowsRead, q.RowsSetAside, share)
	}
	var absent []string
	for _, name := range contract.TableNames() {
		if ex.Table(name) == nil {
			absent = append(absent, name)
		}
	}
	if len(absent) > 0 {
		fmt.Fprintf(&b, "absent (optional; their KPIs show no data): %s\n", strings.Join(absent, ", "))
	}
	for _, q := range qs {
		if len(q.Files) > 0 {
			fmt.Fprintf(&b, "\n%s files:\n", q.Table)
			for _, f := range q.Files {
				fmt.Fprintf(&b, "  %-50s %10d bytes %10d rows %6d set aside\n", f.Path, f.Size, f.RowsRead, f.RowsSetAside)
			}
		}
		if q.RowsDeleted > 0 {
			fmt.Fprintf(&b, "%s: %d rows deleted by the table format's deletion vectors or delete files (not in the table: not read, not set aside)\n", q.Table, q.RowsDeleted)
		}
		if q.RowsSetAside == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s rows set aside:\n", q.Table)
		for _, r := range slices.Sorted(maps.Keys(q.ByReason)) {
			fmt.Fprintf(&b, "  %s: %d\n", r, q.ByReason[r])
			for i, ex := range q.Examples[r] {
				if i == exampleLimit {
					break
				}
				fmt.Fprintf(&b, "    %s row %d: %s\n", ex.File, ex.Row, formatValues(ex.Values))
			}
		}
	}
	b.WriteString("\n")
	io.WriteString(w, b.String())
}

func formatValues(vals map[string]string) string {
	keys := slices.Sorted(maps.Keys(vals))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + vals[k]
	}
	return strings.Join(parts, " ")
}
