package readers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// parquetFile is one open Parquet file: the only place that talks to the
// Parquet library's reader. Every call into the library goes through guard,
// because a corrupt file can make it panic.
type parquetFile struct {
	path string
	rows int64 // the row count the footer declares
	f    fs.File
	info fs.FileInfo            // f's own Stat when it was opened: what is parsed
	src  parquet.ReaderAtSeeker // f, or its bytes when f has no random access
	size int64                  // the bytes of src
	rdr  *file.Reader
	fr   *pqarrow.FileReader
	rr   pqarrow.RecordReader // the columns but INT96 ones; nil when there are none
	// empty is true for a file of 0 bytes (Hive's empty bucket): a part without
	// rows or columns, which has no footer to parse (rdr and fr stay nil).
	empty bool

	mem       memory.Allocator
	batchSize int64
	// unreadable names the top-level columns that arrow-go could not convert,
	// with the type they were found with (see footer.go); nil for most files.
	unreadable map[string]string
	// int96 reads the INT96 columns (int96Column), by position among the
	// columns read; nil when there are none. Their batches are assembled in
	// cur, released at the next call.
	int96    []*int96Column
	nLeaves  int
	rowsRead int64
	cur      arrow.RecordBatch
}

// streamBufferSize is the read buffer of the buffered stream: column chunks
// are read page by page rather than whole, so memory stays bounded when a row
// group is large.
const streamBufferSize = 1 << 20

// openParquet opens the file p of fsys (see openFile) and parses its footer. Buffers of the
// delivered Arrow arrays come from mem; the library's internal scratch
// buffers come from Go's allocator (they are pooled and freed by finalizers,
// which a checked allocator would report as leaks).
//
// With dict, the text columns that the file stores dictionary-encoded are
// delivered as dictionary<int32, utf8> arrays (see DictionaryEncoded).
func openParquet(ctx context.Context, fsys fs.FS, p string, mem memory.Allocator, batchSize int64, dict bool) (*parquetFile, error) {
	f, err := openFile(ctx, fsys, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	pf := &parquetFile{path: p, f: f, mem: mem, batchSize: batchSize}
	if pf.info, err = f.Stat(); err != nil {
		pf.close()
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	// Discover refuses non-regular files before opening them; this catches one put in
	// place since (a device opens at once and never ends).
	if err := regular(p, pf.info); err != nil {
		pf.close()
		return nil, unusable(err)
	}
	src, size, err := readerAtSeeker(f, pf.info)
	if err != nil {
		pf.close()
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	pf.src, pf.size = src, size
	if size == 0 {
		// Hive writes an empty bucket as a file of 0 bytes (000000_0): a part with
		// no rows, not a Parquet file still landing (that has at least its magic).
		pf.empty = true
		return pf, nil
	}
	if err := checkMagic(p, src, size); err != nil {
		pf.close()
		return nil, err
	}
	err = pf.guard(func() error { return pf.openReader(batchSize, dict, mem, nil) })
	if err != nil {
		// A column arrow-go cannot convert fails the whole footer: retry with
		// such columns' annotations removed (see footer.go).
		if ferr := pf.guard(func() error { return pf.openWithoutUnreadable(batchSize, dict, mem) }); ferr != nil {
			if !errors.Is(ferr, errNothingUnreadable) {
				err = fmt.Errorf("%w (read without its unreadable columns: %v)", err, ferr)
			}
		} else {
			err = nil
		}
	}
	if err != nil {
		pf.close()
		return nil, Incomplete(fmt.Errorf("%s: not a readable parquet file: %w", p, err))
	}
	return pf, nil
}

// openReader parses the footer (md when not nil, else the file's own) and
// prepares pqarrow's reader.
func (pf *parquetFile) openReader(batchSize int64, dict bool, mem memory.Allocator, md *metadata.FileMetaData) error {
	if pf.rdr != nil {
		_ = pf.rdr.Close()
		pf.rdr = nil
	}
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	props.BufferedStreamEnabled = true
	props.BufferSize = streamBufferSize
	opts := []file.ReadOption{file.WithReadProps(props)}
	if md != nil {
		opts = append(opts, file.WithMetadata(md))
	}
	rdr, err := file.NewParquetReader(pf.src, opts...)
	if err != nil {
		return err
	}
	pf.rdr = rdr
	pf.rows = rdr.NumRows()
	hideArrowSchema(rdr)
	aprops := pqarrow.ArrowReadProperties{BatchSize: batchSize, Parallel: false}
	if dict {
		for leaf := range rdr.MetaData().Schema.NumColumns() {
			if DictionaryEncoded(rdr, leaf) {
				aprops.SetReadDict(leaf, true)
			}
		}
	}
	fr, err := pqarrow.NewFileReader(rdr, aprops, mem)
	if err != nil {
		return err
	}
	pf.fr = fr
	return nil
}

var errNothingUnreadable = errors.New("no column to leave unread")

// openWithoutUnreadable opens the file with a footer whose columns arrow-go cannot
// convert have lost their annotations (unreadableColumns), and records those
// columns in pf.unreadable.
func (pf *parquetFile) openWithoutUnreadable(batchSize int64, dict bool, mem memory.Allocator) error {
	footer, err := readFooter(pf.src, pf.size)
	if err != nil {
		return err
	}
	fixed, unreadable, err := unreadableColumns(footer)
	if err != nil {
		return err
	}
	if len(unreadable) == 0 {
		return errNothingUnreadable
	}
	md, err := metadata.NewFileMetaData(fixed, nil)
	if err != nil {
		return err
	}
	md.SetSourceFileSize(pf.size)
	if err := pf.openReader(batchSize, dict, mem, md); err != nil {
		return err
	}
	pf.unreadable = unreadable
	return nil
}

// parquetMagic opens and ends every Parquet file.
const parquetMagic = "PAR1"

// checkMagic refuses the file p (src, of size bytes) unless it starts and ends with
// the Parquet magic. A file that does not start with it is not Parquet (a CSV or a
// README in a table folder): an error wrapping ErrUnusable that waiting does not fix.
// One that starts with it but is too short or does not end with it may still be
// landing: an error wrapping ErrIncomplete.
func checkMagic(p string, src io.ReaderAt, size int64) error {
	n := int64(len(parquetMagic))
	head := make([]byte, n)
	if size >= n {
		if _, err := src.ReadAt(head, 0); err != nil {
			return Incomplete(fmt.Errorf("%s: %w", p, err))
		}
		if string(head) != parquetMagic {
			return unusable(fmt.Errorf("%s: not a Parquet file (it does not start with %q)", p, parquetMagic))
		}
	}
	tail := make([]byte, n)
	if size < 2*n {
		return Incomplete(fmt.Errorf("%s: not a readable parquet file: %d bytes, too short for a Parquet file", p, size))
	}
	if _, err := src.ReadAt(tail, size-n); err != nil {
		return Incomplete(fmt.Errorf("%s: %w", p, err))
	}
	if string(tail) != parquetMagic {
		return Incomplete(fmt.Errorf("%s: not a readable parquet file: it does not end with %q (still being written?)", p, parquetMagic))
	}
	return nil
}

// openFile opens the file p of fsys, or returns ctx's error as soon as ctx ends. An
// open can wait without end (a named pipe put in place after Discover checked the
// path, a stalled network mount), and a cancelled run must still end: the open then
// goes on on its own goroutine, which closes the file if the open ever returns.
func openFile(ctx context.Context, fsys fs.FS, p string) (fs.File, error) {
	type opened struct {
		f   fs.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := fsys.Open(p)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.err == nil {
				_ = o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// DictionaryEncoded reports whether the file stores the leaf column as text,
// not repeated, whose data pages are all dictionary-encoded, in every row
// group. Only then is reading it as a dictionary cheaper than as plain text:
// pqarrow hands over the file's dictionary and the indices, where a plain
// column's values would each be hashed into a dictionary. The readers read
// such columns as dictionaries with Options.Dictionaries; bench/scan uses the
// same rule so that its floor measures the same decoding. It reads only the
// footer that rdr has parsed; a caller must guard it against the library's
// panics as it guards other calls on a possibly corrupt file.
func DictionaryEncoded(rdr *file.Reader, leaf int) bool {
	col := rdr.MetaData().Schema.Column(leaf)
	if col.PhysicalType() != parquet.Types.ByteArray || col.MaxRepetitionLevel() > 0 {
		return false
	}
	if _, ok := col.LogicalType().(schema.StringLogicalType); !ok {
		return false
	}
	for g := range rdr.NumRowGroups() {
		cc, err := rdr.MetaData().RowGroup(g).ColumnChunk(leaf)
		if err != nil || !cc.HasDictionaryPage() {
			return false
		}
		stats := cc.EncodingStats()
		if len(stats) == 0 {
			return false // not recorded: the data pages may have fallen back to plain
		}
		for _, st := range stats {
			if st.PageType.String() != "DICTIONARY_PAGE" &&
				st.Encoding != parquet.Encodings.RLEDict && st.Encoding != parquet.Encodings.PlainDict {
				return false
			}
		}
	}
	return true
}

// arrowSchemaKey is the footer key under which Arrow writers store their
// schema.
const arrowSchemaKey = "ARROW:schema"

// hideArrowSchema renames the stored Arrow schema in this reader's parsed
// footer so that pqarrow infers the Arrow types from the Parquet schema
// alone. The stored schema only refines types that normalisation erases
// anyway (dictionaries, large strings, time zone names), and arrow-go's
// decoder of it can loop for a very long time on corrupt input (found by
// FuzzReadParquet).
func hideArrowSchema(rdr *file.Reader) {
	for _, kv := range rdr.MetaData().KeyValueMetadata() {
		if kv != nil && kv.Key == arrowSchemaKey {
			kv.Key = arrowSchemaKey + " (ignored)"
		}
	}
}

// readerAtSeeker returns f itself and its size (info is f's Stat) when it supports
// random access (os and embed files do), else its whole content in memory.
func readerAtSeeker(f fs.File, info fs.FileInfo) (parquet.ReaderAtSeeker, int64, error) {
	if rs, ok := f.(parquet.ReaderAtSeeker); ok {
		return rs, info.Size(), nil
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(b), int64(len(b)), nil
}

// guard runs fn, a call into the Parquet or Arrow library, and turns a panic
// (the library's answer to some corrupt files) into an error that marks the
// file as corrupt. Only library calls may be guarded: a panic in this
// package's own code is an internal error (see ErrInternal).
func (pf *parquetFile) guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Incomplete(fmt.Errorf("corrupt file (parquet reader panicked: %v)", r))
		}
	}()
	return fn()
}

// column finds the top-level column called name: its schema node, the Arrow
// type pqarrow gives it and its leaf index (-1 for a group).
func (pf *parquetFile) column(name string) (schema.Node, arrow.DataType, int, bool) {
	if pf.empty {
		return nil, nil, -1, false
	}
	sc := pf.rdr.MetaData().Schema
	idx := sc.Root().FieldIndexByName(name)
	if idx < 0 || idx >= len(pf.fr.Manifest.Fields) {
		return nil, nil, -1, false
	}
	node := sc.Root().Field(idx)
	field := pf.fr.Manifest.Fields[idx].Field
	if field == nil {
		return nil, nil, -1, false
	}
	leaf, dt := -1, field.Type
	if p, ok := node.(*schema.PrimitiveNode); ok {
		leaf = sc.ColumnIndexByNode(node)
		if p.PhysicalType() == parquet.Types.Int96 && p.RepetitionType() != parquet.Repetitions.Repeated {
			dt = typeTime // read by int96Column, not pqarrow
		}
	}
	return node, dt, leaf, true
}

// columnNames returns the names of the file's top-level columns, in file order.
func (pf *parquetFile) columnNames() []string {
	if pf.empty {
		return nil
	}
	root := pf.rdr.MetaData().Schema.Root()
	names := make([]string, root.NumFields())
	for i := range names {
		names[i] = root.Field(i).Name()
	}
	return names
}

// startRecords prepares to read the given leaf columns, in this order. Flat
// INT96 columns are read by int96Column; pqarrow reads the others.
func (pf *parquetFile) startRecords(ctx context.Context, leaves []int) error {
	if pf.empty {
		return nil
	}
	return pf.guard(func() error {
		sc := pf.rdr.MetaData().Schema
		pf.nLeaves = len(leaves)
		var others []int
		for k, leaf := range leaves {
			col := sc.Column(leaf)
			if col.PhysicalType() == parquet.Types.Int96 && col.MaxRepetitionLevel() == 0 {
				if pf.int96 == nil {
					pf.int96 = make([]*int96Column, len(leaves))
				}
				pf.int96[k] = newInt96Column(pf.rdr, leaf)
				continue
			}
			others = append(others, leaf)
		}
		if len(others) == 0 {
			return nil
		}
		rr, err := pf.fr.GetRecordReader(ctx, others, nil)
		if err != nil {
			return err
		}
		pf.rr = rr
		return nil
	})
}

// next returns the next record batch, owned by the reader (valid until the
// next call), or io.EOF.
func (pf *parquetFile) next() (rec arrow.RecordBatch, err error) {
	if pf.cur != nil {
		pf.cur.Release()
		pf.cur = nil
	}
	if pf.empty {
		return nil, io.EOF
	}
	err = pf.guard(func() error {
		if pf.rr != nil {
			if pf.rr.Next() {
				rec = pf.rr.RecordBatch()
				return nil
			}
			if err := pf.rr.Err(); err != nil {
				return err
			}
			return io.EOF
		}
		return nil
	})
	if err == nil && pf.int96 != nil {
		rec, err = pf.withInt96(rec)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: read: %w", pf.path, err)
	}
	return rec, err
}

// withInt96 returns the batch of all the columns read: those of rec (pqarrow's
// batch of the other columns, nil when there are none) and as many rows of each
// INT96 column, in the order startRecords was given.
func (pf *parquetFile) withInt96(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	var n int64
	if rec != nil {
		n = rec.NumRows()
	} else {
		n = min(pf.batchSize, pf.rows-pf.rowsRead)
		if pf.batchSize <= 0 {
			n = pf.rows - pf.rowsRead
		}
		if n <= 0 {
			return nil, io.EOF
		}
	}
	pf.rowsRead += n
	cols := make([]arrow.Array, pf.nLeaves)
	fields := make([]arrow.Field, pf.nLeaves)
	defer func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	o := 0
	for k, c := range pf.int96 {
		if c == nil {
			cols[k] = rec.Column(o)
			cols[k].Retain()
			fields[k] = rec.Schema().Field(o)
			o++
			continue
		}
		err := pf.guard(func() error {
			a, err := c.read(pf.mem, int(n))
			cols[k] = a
			return err
		})
		if err != nil {
			return nil, err
		}
		fields[k] = arrow.Field{Name: c.name, Type: typeTime, Nullable: true}
	}
	pf.cur = array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, n)
	return pf.cur, nil
}

// close releases everything; safe to call twice.
func (pf *parquetFile) close() {
	if pf.cur != nil {
		pf.cur.Release()
		pf.cur = nil
	}
	_ = pf.guard(func() error {
		if pf.rr != nil {
			pf.rr.Release()
			pf.rr = nil
		}
		if pf.rdr != nil {
			_ = pf.rdr.Close()
			pf.rdr = nil
		}
		return nil
	})
	if pf.f != nil {
		_ = pf.f.Close()
		pf.f = nil
	}
	pf.fr = nil
}
