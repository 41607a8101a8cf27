package readers

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// TableReader streams the valid rows of one table as Arrow record batches in
// the normalised schema, and sets the invalid rows aside. It is not safe for
// concurrent use.
type TableReader struct {
	src  *TableSource
	mem  memory.Allocator
	opts Options

	read       []int // contract column indices read, ascending
	out        []int // positions in read that are delivered
	schema     *arrow.Schema
	fileSchema *arrow.Schema // schema of the current file's batches (dictionaries differ)

	reasonText []string // by reason code; 0 is "valid"
	missing    []int    // reason code of "missing <col>" by position in read (0 = not required)

	codeTime, codeFinite, codeText, codeScore, codeRedeemed, codeDup uint8
	codeDeleted                                                      uint8 // a row a Delta deletion vector deletes: not in the table

	deleted []uint64 // the current file's rows deleted by its deletion vector, ascending
	delNext int      // the first of deleted not yet passed

	keyPos, scorePos, issuedPos, redeemedPos int  // positions in read, -1 if absent
	keyOut                                   bool // the key column is delivered

	dec     *decoder // decodes ahead on its own goroutine; nil until the first Next
	hashBuf []byte   // the decoder's hash buffer (Options.HashFiles)
	fileIdx int      // the file of the batches being processed
	curRow  int64    // rows of that file processed so far
	done    bool
	err     error

	norm     normaliser
	keys     *keySet
	keyCol   keyColumn
	reasons  []uint8
	runs     []int32 // the runs of kept rows of the batch filtered (keptRuns)
	quality  TableQuality
	setAside *SetAside
}

// Open reads the table's files in order. cols restricts the delivered
// columns to these contract columns (nil = all present ones); a requested
// column absent from the files is left out of the schema. The columns that
// validation needs (required ones, timestamps, numbers and the key) are read
// whether requested or not. An unknown column name is an error.
//
// The caller must Close the reader.
func (t *TableSource) Open(ctx context.Context, cols []string) (_ *TableReader, err error) {
	defer recoverInternal(&err, "opening table "+t.Def.Name)
	def := t.Def
	want := make([]bool, len(def.Columns))
	if cols == nil {
		for j := range want {
			want[j] = true
		}
	}
	for _, c := range cols {
		j := slices.IndexFunc(def.Columns, func(x contract.Column) bool { return x.Name == c })
		if j < 0 {
			return nil, fmt.Errorf("table %s has no column %q", def.Name, c)
		}
		want[j] = true
	}
	r := &TableReader{src: t, mem: t.opts.Allocator, opts: t.opts,
		keyPos: -1, scorePos: -1, issuedPos: -1, redeemedPos: -1,
		keys: newKeySet(t.rowsHint())}
	r.norm = normaliser{mem: r.mem, wall: NewWallClock(t.opts.location()), dict: t.opts.Dictionaries}
	r.reasonText = []string{""}
	var fields []arrow.Field
	for j, c := range def.Columns {
		if !t.present[j] {
			continue
		}
		needed := c.Required || c.Kind == contract.KindTime || c.Kind == contract.KindNumber || c.Name == def.Key
		if !want[j] && !needed {
			continue
		}
		pos := len(r.read)
		r.read = append(r.read, j)
		if want[j] {
			r.out = append(r.out, pos)
			fields = append(fields, arrow.Field{Name: c.Name, Type: normalisedType(c.Kind), Nullable: true})
		}
		code := 0
		if c.Required {
			code = len(r.reasonText)
			r.reasonText = append(r.reasonText, contract.MissingReason(c.Name))
		}
		r.missing = append(r.missing, code)
		switch {
		case c.Name == def.Key:
			r.keyPos = pos
		}
		switch {
		case def.Name == contract.Surveys && c.Name == contract.Score:
			r.scorePos = pos
		case def.Name == contract.Offers && c.Name == contract.IssuedAt:
			r.issuedPos = pos
		case def.Name == contract.Offers && c.Name == contract.RedeemedAt:
			r.redeemedPos = pos
		}
	}
	for _, x := range []struct {
		code *uint8
		text string
	}{{&r.codeTime, contract.ReasonTimestampRange}, {&r.codeFinite, contract.ReasonNotFinite}, {&r.codeText, contract.ReasonInvalidText}, {&r.codeScore, contract.ReasonScoreRange},
		{&r.codeRedeemed, contract.ReasonRedeemedBefore}, {&r.codeDup, contract.ReasonDuplicateKey}, {&r.codeDeleted, "(deleted)"}} {
		*x.code = uint8(len(r.reasonText))
		r.reasonText = append(r.reasonText, x.text)
	}
	r.keyOut = r.keyPos >= 0 && slices.Contains(r.out, r.keyPos)
	r.schema = arrow.NewSchema(fields, nil)
	r.quality = TableQuality{Table: def.Name, ByReason: map[string]int64{}, Examples: map[string][]Example{}}
	r.setAside = &SetAside{Table: def.Name}
	for _, j := range r.read {
		c := def.Columns[j]
		r.setAside.Columns = append(r.setAside.Columns, SetAsideColumn{Name: c.Name, Source: t.SourceName(c.Name), Kind: c.Kind})
	}
	r.setAside.values = make([]setAsideValues, len(r.read))
	return r, ctx.Err()
}

// Schema returns the normalised schema of the delivered batches. With
// Options.Dictionaries a batch's own schema has dictionary<int32, utf8> for
// the id and text columns that its file stores dictionary-encoded.
func (r *TableReader) Schema() *arrow.Schema { return r.schema }

// RowsHint returns how many rows to size buffers for up front: the rows that
// the footers of the table's files declare (an upper bound of the rows Next
// delivers), but at most maxRowsPerByte per byte of the files, so that a
// corrupt or hostile footer cannot make a small file allocate gigabytes
// before its rows are counted. A legal file can hold more rows per byte (long
// runs of one value); buffers then grow as its rows arrive.
func (r *TableReader) RowsHint() int64 { return r.src.rowsHint() }

// maxRowsPerByte bounds RowsHint: a row of a contract table takes about 20
// bytes in the generated extracts and several in any real one.
const maxRowsPerByte = 1

func (t *TableSource) rowsHint() int64 {
	var rows, size int64
	for _, f := range t.Files {
		rows += max(f.Rows, 0)
		size += max(f.Size, 0)
	}
	return min(rows, size*maxRowsPerByte)
}

// Quality returns the counts so far; they are complete once Next has
// returned io.EOF.
func (r *TableReader) Quality() TableQuality { return r.quality.clone() }

// SetAside returns the rows set aside so far (after io.EOF: all of them). The
// result does not change when the reader reads on.
func (r *TableReader) SetAside() *SetAside { return r.setAside.clone() }

// Next returns the next batch of valid rows, or io.EOF after the last one.
// The caller owns the batch and must Release it. A batch never has more
// than Options.BatchSize rows and never has zero rows. Errors reading a file
// wrap ErrUnusable and name the file; after an error Next keeps returning it.
//
// The files are decoded on a second goroutine, a few batches ahead of the
// validation here, so that decoding and validation use both cores; batches
// are still validated one at a time in file and row order.
//
// A panic in this package's code is recovered and returned as an error
// wrapping ErrInternal (not ErrUnusable): the file is not to blame.
func (r *TableReader) Next(ctx context.Context) (rec arrow.RecordBatch, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, err = nil, r.fail(internalPanic("reading "+r.currentFile(), p))
		}
	}()
	return r.next(ctx)
}

// currentFile names the file being read, for errors.
func (r *TableReader) currentFile() string {
	if r.fileIdx < len(r.src.Files) {
		return r.src.Files[r.fileIdx].Path
	}
	return "table " + r.src.Def.Name
}

func (r *TableReader) next(ctx context.Context) (arrow.RecordBatch, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.done {
		return nil, io.EOF
	}
	if r.dec == nil {
		r.dec = r.startDecoder(ctx)
	}
	for {
		var d decoded
		var ok bool
		if ctx.Err() == nil {
			select {
			case d, ok = <-r.dec.out:
			case <-ctx.Done():
			}
		}
		if err := ctx.Err(); err != nil {
			if d.rec != nil {
				d.rec.Release()
			}
			r.dec.stop()
			r.err = err
			return nil, err
		}
		switch {
		case !ok && r.dec.complete:
			r.dec.stop()
			r.done = true
			return nil, io.EOF
		case !ok: // the decoder's context ended before the last file did
			r.dec.stop()
			r.err = r.dec.ctx.Err()
			return nil, r.err
		case d.err != nil:
			return nil, r.fail(d.err)
		case d.end:
			r.quality.SHA256 = append(r.quality.SHA256, d.sha256)
			continue
		case d.rec == nil: // a file begins
			r.fileIdx, r.fileSchema, r.curRow = d.file, d.schema, 0
			r.deleted, r.delNext = d.deleted, 0
			f := r.src.Files[d.file]
			r.quality.Files = append(r.quality.Files, contract.FileQuality{Path: f.Path, Size: f.Size})
			continue
		}
		out, err := r.validate(d.rec)
		if err != nil {
			return nil, r.fail(fmt.Errorf("%s: %w", r.src.Files[r.fileIdx].Path, err))
		}
		if out != nil {
			return out, nil
		}
	}
}

func (r *TableReader) fail(err error) error {
	if r.dec != nil {
		r.dec.stop()
	}
	r.err = unusable(err)
	return r.err
}

// decoded is what the decoder hands over, in order: for each file, its start
// (rec nil, with the schema of its delivered batches), then its batches as
// read, then its end (end true, with its SHA-256 under Options.HashFiles); or
// an error, after which nothing follows.
type decoded struct {
	file    int
	schema  *arrow.Schema
	rec     arrow.RecordBatch // retained for the receiver, who releases it
	deleted []uint64          // with a file's start: its rows deleted by a deletion vector
	end     bool
	sha256  string
	err     error
}

// decodeAhead is how many decoded batches may wait for validation.
const decodeAhead = 4

// decoder reads the table's files on its own goroutine.
type decoder struct {
	ctx      context.Context // ends with the first Next's context, or at stop
	cancel   context.CancelFunc
	out      chan decoded
	complete bool // set before out is closed: every file was sent to the end
	exited   chan struct{}
}

func (r *TableReader) startDecoder(ctx context.Context) *decoder {
	ctx, cancel := context.WithCancel(ctx)
	d := &decoder{ctx: ctx, cancel: cancel, out: make(chan decoded, decodeAhead), exited: make(chan struct{})}
	go func() {
		defer close(d.exited)
		d.complete = r.decodeFilesRecovered(ctx, d.out)
		close(d.out)
	}()
	return d
}

// decodeFilesRecovered runs decodeFiles and sends a panic of this package's
// code as an error wrapping ErrInternal. (The calls into the Parquet library
// are guarded where they are made: their panics mean a corrupt file.)
func (r *TableReader) decodeFilesRecovered(ctx context.Context, out chan<- decoded) (complete bool) {
	defer func() {
		if p := recover(); p != nil {
			complete = false
			err := internalPanic("decoding table "+r.src.Def.Name, p)
			select {
			case out <- decoded{err: err}:
			case <-ctx.Done():
			}
		}
	}()
	return r.decodeFiles(ctx, out)
}

// stop ends the decoder goroutine and releases the batches it decoded that
// were not taken. Safe to call more than once.
func (d *decoder) stop() {
	d.cancel()
	for x := range d.out {
		if x.rec != nil {
			x.rec.Release()
		}
	}
	<-d.exited
}

// decodeFiles opens each file in turn and sends its batches, until the end,
// an error or ctx is done; it reports whether it reached the end. It only
// reads what Open set up.
func (r *TableReader) decodeFiles(ctx context.Context, out chan<- decoded) (complete bool) {
	send := func(d decoded) bool {
		select {
		case out <- d:
			return true
		case <-ctx.Done():
			if d.rec != nil {
				d.rec.Release()
			}
			return false
		}
	}
	for i := range r.src.Files {
		if r.opts.testHook != nil {
			r.opts.testHook("decode")
		}
		if !r.decodeFile(ctx, i, send) {
			return false
		}
	}
	return true
}

// decodeFile opens file i and sends its start, its batches and its end (with the
// SHA-256 of its bytes under Options.HashFiles), or an error; it reports whether it
// sent the end.
func (r *TableReader) decodeFile(ctx context.Context, i int, send func(decoded) bool) bool {
	f := r.src.Files[i]
	pf, schema, err := r.openFile(ctx, i)
	if err != nil {
		send(decoded{err: err})
		return false
	}
	defer pf.close()
	var hash *fileHash
	if r.opts.HashFiles {
		if r.hashBuf == nil {
			r.hashBuf = make([]byte, hashBufferSize)
		}
		hash = pf.startHash(ctx, r.hashBuf)
		defer hash.stop() // before pf.close: the hasher reads pf's handle
	}
	var deleted []uint64
	switch {
	case f.dv != nil:
		deleted, err = f.dv.load(r.src.fsys, r.src.dir, pf.rows)
	case f.ice != nil:
		deleted, err = f.ice.load(ctx, r.src.fsys, f.Path, pf.rows, r.mem)
	}
	if err != nil {
		send(decoded{err: fmt.Errorf("%s: %w", f.Path, err)})
		return false
	}
	ok := send(decoded{file: i, schema: schema, deleted: deleted})
	var rows int64
	for ok {
		var rec arrow.RecordBatch
		if rec, err = pf.next(); err != nil {
			break
		}
		rows += rec.NumRows()
		rec.Retain()
		ok = send(decoded{file: i, rec: rec})
	}
	switch {
	case !ok:
		return false
	case !errors.Is(err, io.EOF):
		send(decoded{err: err})
		return false
	case rows != pf.rows:
		send(decoded{err: Incomplete(fmt.Errorf("%s: read %d rows, footer says %d", f.Path, rows, pf.rows))})
		return false
	}
	end := decoded{file: i, end: true}
	if hash != nil {
		if end.sha256, err = hash.wait(); err != nil {
			send(decoded{err: err})
			return false
		}
	}
	if err := pf.checkUnchanged(r.src.fsys); err != nil {
		send(decoded{err: err})
		return false
	}
	return send(end)
}

// openFile opens file i, checks that its schema is still the one Discover
// saw, and returns it with the schema of its delivered batches.
func (r *TableReader) openFile(ctx context.Context, i int) (*parquetFile, *arrow.Schema, error) {
	f := r.src.Files[i]
	pf, err := openParquet(ctx, r.src.fsys, f.Path, r.mem, r.opts.batchSize(), r.opts.Dictionaries)
	if err != nil {
		return nil, nil, err
	}
	if f.info != nil {
		if change := fileChange(f.info, pf.info); change != "" {
			pf.close()
			return nil, nil, changedSinceDiscovered(f.Path, change)
		}
	}
	cols, err := r.src.classifyFile(f, pf)
	if err != nil {
		pf.close()
		return nil, nil, err
	}
	leaves := make([]int, 0, len(r.read))
	for _, j := range r.read {
		want := r.src.files[i][j]
		got := cols[j]
		if (got.leaf < 0) != (want.leaf < 0) || !arrow.TypeEqual(got.arrow, want.arrow) || got.local != want.local {
			pf.close()
			return nil, nil, Incomplete(fmt.Errorf("%s: file changed since it was discovered (column %s)", f.Path, r.src.SourceName(r.src.Def.Columns[j].Name)))
		}
		if got.leaf >= 0 { // a column this part lacks is filled with nulls in process
			leaves = append(leaves, got.leaf)
		}
	}
	if err := pf.startRecords(ctx, leaves); err != nil {
		pf.close()
		return nil, nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	schema := r.schema
	if r.opts.Dictionaries {
		fields := r.schema.Fields()
		for o, k := range r.out {
			if arrow.TypeEqual(cols[r.read[k]].arrow, typeDictText) {
				fields[o].Type = typeDictText
			}
		}
		schema = arrow.NewSchema(fields, nil)
	}
	return pf, schema, nil
}

// validate runs process on rec and releases rec, even when process panics.
func (r *TableReader) validate(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	defer rec.Release()
	return r.process(rec)
}

// process validates one batch read from the current file and returns its
// valid rows (nil when there are none).
func (r *TableReader) process(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	if r.opts.testHook != nil {
		r.opts.testHook("validate")
	}
	n := int(rec.NumRows())
	def := r.src.Def
	fileCols := r.src.files[r.fileIdx]
	// recCol is where each column read is in rec: -1 for one this part lacks.
	recCol := make([]int, len(r.read))
	inFile := 0
	for k, j := range r.read {
		recCol[k] = -1
		if fileCols[j].leaf >= 0 {
			recCol[k] = inFile
			inFile++
		}
	}
	if int(rec.NumCols()) != inFile {
		return nil, fmt.Errorf("read %d columns, want %d", rec.NumCols(), inFile)
	}
	norm := make([]arrow.Array, len(r.read))
	defer func() {
		for _, a := range norm {
			if a != nil {
				a.Release()
			}
		}
	}()
	for k, j := range r.read {
		if recCol[k] < 0 {
			if pv := fileCols[j].folder; pv != nil {
				// SPEC §2 (v2): "Hive partition folders (segment=gold/) supply a
				// contract column that the files lack."
				norm[k] = pv.constant(r.mem, n)
				continue
			}
			// SPEC §2 (v2): "a part without an optional column has nulls there".
			norm[k] = array.MakeArrayOfNull(r.mem, normalisedType(def.Columns[j].Kind), n)
			continue
		}
		src := rec.Column(recCol[k])
		if src.Len() != n {
			return nil, fmt.Errorf("column %s: %d values in a batch of %d rows", r.src.SourceName(def.Columns[j].Name), src.Len(), n)
		}
		if k == r.keyPos && !r.keyOut && isIntKey(src) {
			// A key that is only compared stays an integer; set-aside rows get its text.
			src.Retain()
			norm[k] = src
			continue
		}
		a, err := r.norm.normalise(def.Columns[j].Kind, fileCols[j], src)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", r.src.SourceName(def.Columns[j].Name), err)
		}
		norm[k] = a
	}
	// A column the part holds under a partition folder that names it too is read
	// from the file; a row that says otherwise means the layout is not what it
	// seems, and neither value can be trusted.
	for k, j := range r.read {
		if pv := fileCols[j].folder; pv != nil && recCol[k] >= 0 {
			if i, got := pv.disagreement(norm[k]); i >= 0 {
				want := strconv.Quote(pv.value)
				if pv.null {
					want = "null (" + hiveDefaultPartition + ")"
				}
				return nil, fmt.Errorf("row %d: column %s is %s but the partition folder %s says %s; a column in the file and its partition folder must agree",
					r.curRow+int64(i), r.src.SourceName(def.Columns[j].Name), got, pv.dir, want)
			}
		}
	}

	reasons := grow(r.reasons, n)
	r.reasons = reasons
	clear(reasons)
	// SPEC §2 (v2): a Delta table is read as its snapshot, "deletion vectors
	// applied": a deleted row is not in the table, so no rule sees it and it is
	// neither delivered nor set aside.
	deleted := r.markDeleted(reasons)
	// 1. missing required values, in contract order
	for k, j := range r.read {
		code := r.missing[k]
		if code == 0 {
			continue
		}
		a := norm[k]
		isID := def.Columns[j].Kind == contract.KindID && !isIntKey(a) // integer ids are never empty
		if a.NullN() == 0 && !isID {
			continue
		}
		var s textArray
		if isID {
			s = newTextArray(a)
		}
		// IsNull read from the bitmap, not by an interface call per row
		bitmap, off := a.NullBitmapBytes(), a.Data().Offset()
		if a.NullN() == 0 {
			bitmap = nil
		}
		for i := range n {
			if reasons[i] == 0 && ((len(bitmap) != 0 && bitutil.BitIsNotSet(bitmap, off+i)) || (isID && s.valueLen(i) == 0)) {
				reasons[i] = uint8(code)
			}
		}
	}
	// 2. timestamps out of range; 3. numbers not finite
	for k, j := range r.read {
		switch def.Columns[j].Kind {
		case contract.KindTime:
			a := norm[k].(*array.Timestamp)
			for i, v := range a.TimestampValues() {
				if reasons[i] == 0 && (v < contract.MinValidMicros || v >= contract.MaxValidMicros) && a.IsValid(i) {
					reasons[i] = r.codeTime
				}
			}
		}
	}
	for k, j := range r.read {
		if def.Columns[j].Kind == contract.KindNumber {
			a := norm[k].(*array.Float64)
			for i, v := range a.Float64Values() {
				if reasons[i] == 0 && (math.IsNaN(v) || math.IsInf(v, 0)) && a.IsValid(i) {
					reasons[i] = r.codeFinite
				}
			}
		}
	}
	// (v2) invalid text, after rule 3 and before rule 4
	for k, j := range r.read {
		c := def.Columns[j]
		if (c.Kind == contract.KindID || c.Kind == contract.KindText) && recCol[k] >= 0 && fileCols[j].class == srcString {
			markInvalidText(norm[k], reasons, r.codeText)
		}
	}
	// 4. score out of range
	if r.scorePos >= 0 {
		a := norm[r.scorePos].(*array.Float64)
		for i, v := range a.Float64Values() {
			if reasons[i] == 0 && a.IsValid(i) && (v < r.opts.ScoreMin || v > r.opts.ScoreMax) {
				reasons[i] = r.codeScore
			}
		}
	}
	// 5. redeemed before issued
	if r.issuedPos >= 0 && r.redeemedPos >= 0 {
		is := norm[r.issuedPos].(*array.Timestamp)
		rd := norm[r.redeemedPos].(*array.Timestamp)
		iv, rv := is.TimestampValues(), rd.TimestampValues()
		for i := range n {
			if reasons[i] == 0 && is.IsValid(i) && rd.IsValid(i) && rv[i] < iv[i] {
				reasons[i] = r.codeRedeemed
			}
		}
	}
	// 6. duplicate keys among the rows still valid, in read order
	// (A part without the key has only null keys; a key from a partition folder
	// is text.)
	if r.keyPos >= 0 && (recCol[r.keyPos] >= 0 || fileCols[r.read[r.keyPos]].folder != nil) {
		src, integer := norm[r.keyPos], false
		if recCol[r.keyPos] >= 0 {
			src, integer = rec.Column(recCol[r.keyPos]), fileCols[r.read[r.keyPos]].family() == familyInteger
		}
		kn := newTextArray(norm[r.keyPos])
		r.keyCol.load(src, kn, integer)
		r.keyCol.addRows(r.keys, reasons[:n], r.codeDup)
	}

	bad := 0
	for _, c := range reasons {
		if c != 0 {
			bad++
		}
	}
	bad -= deleted
	r.count(n-deleted, bad)
	r.quality.RowsDeleted += int64(deleted)
	if bad > 0 {
		r.setAsideRows(norm, reasons)
	}
	r.curRow += int64(n)
	if bad+deleted == n {
		return nil, nil
	}
	cols := make([]arrow.Array, len(r.out))
	if bad+deleted == 0 {
		for o, k := range r.out {
			cols[o] = norm[k]
		}
		return array.NewRecordBatch(r.fileSchema, cols, int64(n)), nil
	}
	defer func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	r.runs = keptRuns(r.runs[:0], reasons)
	for o, k := range r.out {
		cols[o] = r.filter(norm[k], r.runs, n-bad-deleted)
	}
	return array.NewRecordBatch(r.fileSchema, cols, int64(n-bad-deleted)), nil
}

// markDeleted sets the reason of the rows of the batch (rows r.curRow on of the
// current file) that the file's deletion vector deletes to codeDeleted, and
// returns their number.
func (r *TableReader) markDeleted(reasons []uint8) int {
	n, marked := uint64(len(reasons)), 0
	from := uint64(r.curRow)
	for r.delNext < len(r.deleted) && r.deleted[r.delNext] < from+n {
		if row := r.deleted[r.delNext]; row >= from {
			reasons[row-from] = r.codeDeleted
			marked++
		}
		r.delNext++
	}
	return marked
}

func (r *TableReader) count(n, bad int) {
	r.quality.RowsRead += int64(n)
	r.quality.RowsSetAside += int64(bad)
	fq := &r.quality.Files[len(r.quality.Files)-1]
	fq.RowsRead += int64(n)
	fq.RowsSetAside += int64(bad)
}

// setAsideRows records the rows with a reason, and the first examples.
func (r *TableReader) setAsideRows(norm []arrow.Array, reasons []uint8) {
	file := r.src.Files[r.fileIdx].Path
	s := r.setAside
	for i, code := range reasons {
		if code == 0 || code == r.codeDeleted {
			continue
		}
		reason := r.reasonText[code]
		r.quality.ByReason[reason]++
		rowNum := r.curRow + int64(i)
		s.addRow(reason, file, rowNum)
		var ex map[string]string
		if len(r.quality.Examples[reason]) < maxExamples {
			ex = make(map[string]string, len(norm))
		}
		for k, a := range norm {
			c := r.src.Def.Columns[r.read[k]]
			v := &s.values[k]
			valid := a.IsValid(i)
			v.valid = append(v.valid, valid)
			switch c.Kind {
			case contract.KindID, contract.KindText:
				str := ""
				if valid {
					str = strings.Clone(idText(a, i))
				}
				v.strs = append(v.strs, str)
				if ex != nil && valid {
					ex[c.Name] = strings.ToValidUTF8(str, "\uFFFD") // the quarantine keeps the bytes
				}
			case contract.KindTime:
				t := int64(a.(*array.Timestamp).Value(i))
				v.ints = append(v.ints, t)
				if ex != nil && valid {
					ex[c.Name] = formatMicros(t)
				}
			case contract.KindNumber:
				f := a.(*array.Float64).Value(i)
				v.nums = append(v.nums, f)
				if ex != nil && valid {
					ex[c.Name] = strconv.FormatFloat(f, 'g', -1, 64)
				}
			case contract.KindBool:
				b := a.(*array.Boolean).Value(i)
				v.bools = append(v.bools, b)
				if ex != nil && valid {
					ex[c.Name] = strconv.FormatBool(b)
				}
			}
		}
		if ex != nil {
			r.quality.Examples[reason] = append(r.quality.Examples[reason], Example{File: file, Row: rowNum, Values: ex})
		}
	}
}

// formatMicros renders µs since the epoch in RFC 3339, UTC.
func formatMicros(us int64) string {
	switch us {
	case math.MinInt64:
		return "-infinity"
	case math.MaxInt64:
		return "infinity"
	}
	return time.UnixMicro(us).UTC().Format(time.RFC3339Nano)
}

// filter returns the rows of a in the runs (see keptRuns); keep is their number.
func (r *TableReader) filter(a arrow.Array, runs []int32, keep int) arrow.Array {
	switch src := a.(type) {
	case *array.Dictionary:
		idx := src.Indices().(*array.Int32)
		indices := filterFixed(r.mem, idx, idx.Int32Values(), runs, keep)
		defer indices.Release()
		return array.NewDictionaryArray(src.DataType(), indices, src.Dictionary())
	case *array.Timestamp:
		return filterFixed(r.mem, src, src.TimestampValues(), runs, keep)
	case *array.Float64:
		return filterFixed(r.mem, src, src.Float64Values(), runs, keep)
	case *array.String:
		return filterString(r.mem, src, runs, keep)
	case *array.Boolean:
		b := array.NewBooleanBuilder(r.mem)
		defer b.Release()
		b.Reserve(keep)
		forRuns(runs, func(i, j int) {
			for x := i; x < j; x++ {
				if src.IsNull(x) {
					b.UnsafeAppendBoolToBitmap(false)
				} else {
					b.UnsafeAppend(src.Value(x))
				}
			}
		})
		return b.NewArray()
	}
	panic(fmt.Sprintf("readers: unexpected normalised array %T", a))
}

// filterFixed returns the rows of src (a fixed-width array whose
// values are vals) in the runs; keep is their number. Runs of kept rows
// are copied whole: nearly every row of a batch is kept.
func filterFixed[T arrow.FixedWidthType](mem memory.Allocator, src arrow.Array, vals []T, runs []int32, keep int) arrow.Array {
	values := memory.NewResizableBuffer(mem)
	defer values.Release()
	values.Resize(keep * int(unsafe.Sizeof(vals[0])))
	out := arrow.GetData[T](values.Bytes())
	k := 0
	forRuns(runs, func(i, j int) {
		copy(out[k:], vals[i:j])
		k += j - i
	})
	bitmap, nulls := keptValidity(mem, src, runs, keep)
	if bitmap != nil {
		defer bitmap.Release()
	}
	data := array.NewData(src.DataType(), keep, []*memory.Buffer{bitmap, values}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// filterString is filterFixed for text: each run of kept rows has its bytes copied
// whole and its offsets moved by one difference, instead of a value at a time.
func filterString(mem memory.Allocator, src *array.String, runs []int32, keep int) arrow.Array {
	offs, bytes := src.ValueOffsets(), src.ValueBytes()
	size := 0
	forRuns(runs, func(i, j int) { size += int(offs[j] - offs[i]) })
	offsets := memory.NewResizableBuffer(mem)
	defer offsets.Release()
	offsets.Resize((keep + 1) * arrow.Int32SizeBytes)
	outOffs := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
	values := memory.NewResizableBuffer(mem)
	defer values.Release()
	values.Resize(size)
	outBytes := values.Bytes()
	k, at := 0, int32(0)
	forRuns(runs, func(i, j int) {
		shift := at - offs[i]
		for x := i; x < j; x++ {
			outOffs[k] = offs[x] + shift
			k++
		}
		at += int32(copy(outBytes[at:], bytes[offs[i]-offs[0]:offs[j]-offs[0]]))
	})
	outOffs[keep] = at
	bitmap, nulls := keptValidity(mem, src, runs, keep)
	if bitmap != nil {
		defer bitmap.Release()
	}
	data := array.NewData(src.DataType(), keep, []*memory.Buffer{bitmap, offsets, values}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// keptRuns appends to runs the runs of rows whose reason is 0, in order: for each,
// its first row and the row after its last. A batch is scanned once for all its
// columns, eight reasons at a time across kept rows.
func keptRuns(runs []int32, reasons []uint8) []int32 {
	n := len(reasons)
	for i := 0; i < n; {
		if reasons[i] != 0 {
			i++
			continue
		}
		j := i + 1
		for j+8 <= n && binary.LittleEndian.Uint64(reasons[j:]) == 0 {
			j += 8
		}
		for j < n && reasons[j] == 0 {
			j++
		}
		runs = append(runs, int32(i), int32(j))
		i = j
	}
	return runs
}

// forRuns calls run(i, j) for each run i..j-1 of runs (see keptRuns), in order.
func forRuns(runs []int32, run func(i, j int)) {
	for k := 0; k+1 < len(runs); k += 2 {
		run(int(runs[k]), int(runs[k+1]))
	}
}

// keptValidity returns the validity bitmap of the kept rows of src and their nulls,
// or nil when src has no null.
func keptValidity(mem memory.Allocator, src arrow.Array, runs []int32, keep int) (*memory.Buffer, int) {
	if src.NullN() == 0 {
		return nil, 0
	}
	bitmap := memory.NewResizableBuffer(mem)
	bitmap.Resize(int(bitutil.BytesForBits(int64(keep))))
	bits := bitmap.Bytes()
	clear(bits)
	from, off := src.NullBitmapBytes(), src.Data().Offset()
	k := 0
	forRuns(runs, func(i, j int) {
		if len(from) == 0 { // no bitmap: all valid (IsValid)
			bitutil.SetBitsTo(bits, int64(k), int64(j-i), true)
		} else {
			bitutil.CopyBitmap(from, off+i, j-i, bits, k)
		}
		k += j - i
	})
	return bitmap, keep - bitutil.CountSetBits(bits, 0, keep)
}

// Close releases the open file and what the reader holds. It is safe to call
// more than once.
func (r *TableReader) Close() error {
	if r.dec != nil {
		r.dec.stop()
	}
	r.done = true
	return nil
}
