package generate

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
)

const (
	batchRows    = 4096    // rows handed to parquet-go at a time
	rowGroupRows = 262_144 // max rows per row group
	fileBuffer   = 1 << 20 // bufio size in front of each file
)

// fileWriter streams rows of one table into one or more Parquet files. When
// partRows > 0 it starts a new part file (part-00000.parquet, part-00001...)
// in dir each time the current one holds partRows rows; otherwise it writes the
// single file path.
type fileWriter[T any] struct {
	path     string // single-file mode
	dir      string // part mode
	partRows int64

	f      *os.File
	bw     *bufio.Writer
	w      *parquet.GenericWriter[T]
	batch  []T
	inFile int64
	parts  int
	rows   int64
}

func newFileWriter[T any](path string) *fileWriter[T] {
	return &fileWriter[T]{path: path}
}

func newPartWriter[T any](dir string, partRows int64) *fileWriter[T] {
	return &fileWriter[T]{dir: dir, partRows: partRows}
}

func (fw *fileWriter[T]) open() error {
	name := fw.path
	if fw.dir != "" {
		if err := os.MkdirAll(fw.dir, 0o755); err != nil {
			return err
		}
		name = filepath.Join(fw.dir, fmt.Sprintf("part-%05d.parquet", fw.parts))
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	fw.f = f
	if fw.bw == nil {
		fw.bw = bufio.NewWriterSize(f, fileBuffer)
	} else {
		fw.bw.Reset(f)
	}
	rg := int64(rowGroupRows)
	if fw.partRows > 0 && fw.partRows < rg {
		rg = fw.partRows
	}
	fw.w = parquet.NewGenericWriter[T](fw.bw,
		parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(rg),
		parquet.CreatedBy("recoverykpi generate", "1", ""),
	)
	fw.parts++
	fw.inFile = 0
	return nil
}

// add queues one row.
func (fw *fileWriter[T]) add(row T) error {
	if fw.w == nil {
		if err := fw.open(); err != nil {
			return err
		}
	}
	fw.batch = append(fw.batch, row)
	fw.inFile++
	fw.rows++
	if len(fw.batch) >= batchRows {
		if err := fw.flushBatch(); err != nil {
			return err
		}
	}
	if fw.partRows > 0 && fw.inFile >= fw.partRows {
		return fw.closeFile()
	}
	return nil
}

func (fw *fileWriter[T]) flushBatch() error {
	if len(fw.batch) == 0 {
		return nil
	}
	if _, err := fw.w.Write(fw.batch); err != nil {
		return err
	}
	clear(fw.batch)
	fw.batch = fw.batch[:0]
	return nil
}

func (fw *fileWriter[T]) closeFile() error {
	if fw.w == nil {
		return nil
	}
	err := fw.flushBatch()
	if err == nil {
		err = fw.w.Close()
	}
	if err == nil {
		err = fw.bw.Flush()
	}
	if cerr := fw.f.Close(); err == nil {
		err = cerr
	}
	fw.w, fw.f = nil, nil
	if err != nil {
		return fmt.Errorf("write %s: %w", fw.where(), err)
	}
	return nil
}

// close finishes the last file. In single-file mode an empty table still gets
// a file (with the schema and no rows).
func (fw *fileWriter[T]) close() error {
	if fw.w == nil && fw.dir == "" && fw.parts == 0 {
		if err := fw.open(); err != nil {
			return err
		}
	}
	return fw.closeFile()
}

// abort closes any open file without finishing it.
func (fw *fileWriter[T]) abort() {
	if fw.f != nil {
		fw.f.Close()
		fw.w, fw.f = nil, nil
	}
}

func (fw *fileWriter[T]) where() string {
	if fw.dir != "" {
		return filepath.Join(fw.dir, fmt.Sprintf("part-%05d.parquet", fw.parts-1))
	}
	return fw.path
}

// table wraps the writer(s) of one table and injects a tiny share of invalid
// rows: after every gap of 1,000..2,000 valid rows, one extra row derived
// from the row just written. A table with fewer than 1,000 valid rows never
// gets one; the share stays below 0.1%.
type table[T any] struct {
	name    string
	valid   int64
	invalid int64
	nextBad int64
	kind    int
	rng     *rng
	corrupt func(row T, kind int, r *rng) T
}

func (t *table[T]) init(name string, seed uint64, corrupt func(T, int, *rng) T) {
	t.name = name
	t.rng = newRNG(seed, hashString(name))
	t.corrupt = corrupt
	t.nextBad = 1000 + int64(t.rng.IntN(1001))
}

// put writes row to fw, followed by an invalid row when one is due.
func (t *table[T]) put(fw *fileWriter[T], row T) error {
	if err := fw.add(row); err != nil {
		return err
	}
	t.valid++
	if t.valid >= t.nextBad {
		t.nextBad = t.valid + 1000 + int64(t.rng.IntN(1001))
		bad := t.corrupt(row, t.kind, t.rng)
		t.kind++
		t.invalid++
		return fw.add(bad)
	}
	return nil
}
