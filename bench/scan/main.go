// Command scan is the physical floor of a run: it opens every Parquet file of
// an extract set with pqarrow, decodes only the columns a run reads, in
// batches of the run's size, and touches every value (sums numbers, lengths
// of text, dictionary indices), nothing more: no validation, no
// normalisation, no engine. It prints the rows and the time taken.
//
//	go run ./bench/scan -input DIR [-workers 2]
//
// With -workers N it decodes N files at once: the floor of decoding alone
// with every core.
//
// It uses the readers' code for one thing only: readers.DictionaryEncoded,
// the rule for which text columns a run reads as dictionaries, so that the
// floor decodes exactly what a run decodes and cannot drift from it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/readers"
)

// columns are the contract columns a run reads (SPEC §2), by table: those
// the engine uses, plus the keys and the columns validation checks.
var columns = map[string][]string{
	contract.Customers:  {contract.CustomerID, contract.Segment, contract.Name},
	contract.Purchases:  {contract.CustomerID, contract.PurchasedAt, contract.Amount, contract.OrderID},
	contract.Complaints: {contract.CustomerID, contract.ReportedAt, contract.Reason, contract.ComplaintID},
	contract.Departures: {contract.CustomerID, contract.DepartedAt, contract.Reason},
	contract.Outreach:   {contract.CustomerID, contract.ContactedAt},
	contract.Offers: {contract.CustomerID, contract.IssuedAt, contract.OfferType, contract.FaceValue,
		contract.RedeemedAt, contract.ExpiresAt, contract.OfferID},
	contract.Surveys: {contract.CustomerID, contract.RespondedAt, contract.Score, contract.RecoveryRelated,
		contract.ResponseID},
}

func main() {
	input := flag.String("input", "", "extract set folder")
	batch := flag.Int64("batch", 65536, "rows per batch (the run's readers.Options.BatchSize default)")
	dict := flag.Bool("dict", true, "read dictionary-encoded text columns as dictionaries, as the run does")
	workers := flag.Int("workers", 1, "files decoded at once (1: one after another, as a run decodes each table's files)")
	flag.Parse()
	if *input == "" {
		fmt.Fprintln(os.Stderr, "usage: scan -input DIR")
		os.Exit(2)
	}
	start := time.Now()
	type job struct{ table, path string }
	var jobs []job
	fsys := os.DirFS(*input)
	for _, t := range contract.TableNames() {
		paths, err := tableFiles(fsys, t)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, p := range paths {
			jobs = append(jobs, job{t, p})
		}
	}
	// Each worker takes the next file; the sums are added up in file order.
	rows, sums := make([]int64, len(jobs)), make([]uint64, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, *workers) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				n, s, err := scanFile(filepath.Join(*input, filepath.FromSlash(jobs[i].path)), columns[jobs[i].table], *batch, *dict)
				if err != nil {
					fmt.Fprintf(os.Stderr, "%s: %v\n", jobs[i].path, err)
					os.Exit(1)
				}
				rows[i], sums[i] = n, s
			}
		})
	}
	wg.Wait()
	var total int64
	var sink uint64
	for i := range jobs {
		total += rows[i]
		sink += sums[i]
	}
	el := time.Since(start)
	fmt.Printf("scan: %d files, %d rows in %.3f s (%.0f rows/s) [checksum %d]\n", len(jobs), total, el.Seconds(), float64(total)/el.Seconds(), sink)
}

// tableFiles lists <table>.parquet, or the *.parquet files under <table>/ in
// lexical path order (hidden and _ names skipped), as the readers do.
func tableFiles(fsys fs.FS, table string) ([]string, error) {
	if st, err := fs.Stat(fsys, table+".parquet"); err == nil && !st.IsDir() {
		return []string{table + ".parquet"}, nil
	}
	var out []string
	err := fs.WalkDir(fsys, table, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == table {
				return fs.SkipDir
			}
			return err
		}
		name := d.Name()
		if p != table && (strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".")) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && path.Ext(name) == ".parquet" {
			out = append(out, p)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

func scanFile(p string, names []string, batch int64, dict bool) (rows int64, sink uint64, err error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	props.BufferedStreamEnabled = true
	props.BufferSize = 1 << 20
	rdr, err := file.NewParquetReader(f, file.WithReadProps(props))
	if err != nil {
		return 0, 0, err
	}
	defer rdr.Close()
	sc := rdr.MetaData().Schema
	var leaves []int
	for _, n := range names {
		idx := sc.Root().FieldIndexByName(n)
		if idx < 0 {
			continue
		}
		leaves = append(leaves, sc.ColumnIndexByNode(sc.Root().Field(idx)))
	}
	aprops := pqarrow.ArrowReadProperties{BatchSize: batch}
	if dict {
		for _, leaf := range leaves {
			if readers.DictionaryEncoded(rdr, leaf) {
				aprops.SetReadDict(leaf, true)
			}
		}
	}
	fr, err := pqarrow.NewFileReader(rdr, aprops, memory.DefaultAllocator)
	if err != nil {
		return 0, 0, err
	}
	rr, err := fr.GetRecordReader(context.Background(), leaves, nil)
	if err != nil {
		return 0, 0, err
	}
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		rows += rec.NumRows()
		for _, col := range rec.Columns() {
			sink += touch(col)
		}
	}
	return rows, sink, rr.Err()
}

// touch reads every value of a column and returns a checksum of them.
func touch(a arrow.Array) uint64 {
	var s uint64
	switch c := a.(type) {
	case *array.String:
		for i := range c.Len() {
			if c.IsValid(i) {
				s += uint64(len(c.Value(i)))
			}
		}
	case *array.Binary:
		for i := range c.Len() {
			if c.IsValid(i) {
				s += uint64(len(c.Value(i)))
			}
		}
	case *array.Dictionary:
		for i := range c.Len() {
			if c.IsValid(i) {
				s += uint64(c.GetValueIndex(i))
			}
		}
		s += touch(c.Dictionary())
	case *array.Int64:
		for _, v := range c.Int64Values() {
			s += uint64(v)
		}
	case *array.Int32:
		for _, v := range c.Int32Values() {
			s += uint64(v)
		}
	case *array.Timestamp:
		for _, v := range c.TimestampValues() {
			s += uint64(v)
		}
	case *array.Float64:
		for _, v := range c.Float64Values() {
			s += uint64(v)
		}
	case *array.Float32:
		for _, v := range c.Float32Values() {
			s += uint64(v)
		}
	case *array.Boolean:
		for i := range c.Len() {
			if c.IsValid(i) && c.Value(i) {
				s++
			}
		}
	default:
		// Decimals and rarer types: their buffers, byte by byte.
		for _, b := range c.Data().Buffers() {
			if b != nil {
				for _, x := range b.Bytes() {
					s += uint64(x)
				}
			}
		}
	}
	return s
}
