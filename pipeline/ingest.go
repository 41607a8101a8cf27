package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/recoverykpi/recoverykpi/internal/intern"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// Source is one table's valid rows as Arrow record batches in the normalised schema
// of package readers: ids and text as String (or a dictionary of String), timestamps as
// Timestamp(µs, UTC), numbers as Float64, flags as Boolean. Next returns io.EOF at the
// end; the caller releases each batch.
//
// A Source that also has a RowsHint() int64 method (the rows it expects to deliver)
// lets the engine size its columns once instead of growing them.
type Source interface {
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close() error
}

// rowsHinter is the optional method of a Source that tells its rows.
type rowsHinter interface{ RowsHint() int64 }

// Extract is the engine's view of an extract set.
type Extract interface {
	// Has reports whether the table is present.
	Has(table string) bool
	// HasColumn reports whether a present table has the contract column.
	HasColumn(table, column string) bool
	// Open reads the present columns among columns of a present table.
	Open(ctx context.Context, table string, columns []string) (Source, error)
}

// none marks an absent timestamp in the int64 µs columns.
const none = math.MaxInt64

// dict assigns dense ids to strings in first-seen order. Its strings are in an
// intern.Table: millions of customer ids cost the garbage collector nothing.
type dict struct{ t intern.Table }

func newDict() *dict { return &dict{} }

// id returns the id of s, adding a copy of s when new (s may alias an Arrow buffer
// that is about to be released).
func (d *dict) id(s string) int32 {
	v, _ := d.t.ID(s)
	return v
}

// ids sets ids[k] to the id of string k of an Arrow string array's offsets and
// bytes (intern.Table.IDs), adding the new ones.
func (d *dict) ids(offsets []int32, data []byte, ids []int32) { d.t.IDs(offsets, data, ids) }

// value returns the string of id.
func (d *dict) value(id int32) string { return d.t.Value(id) }

// len returns the number of ids.
func (d *dict) len() int { return d.t.Len() }

// ranks returns, per id, its position in byte order of the values.
func (d *dict) ranks() []int32 {
	order := make([]int32, d.len())
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(d.value(a), d.value(b)) }) // values are distinct
	rank := make([]int32, d.len())
	for pos, id := range order {
		rank[id] = int32(pos)
	}
	return rank
}

// textArena keeps strings end to end in one byte slice: millions of customer names
// cost the garbage collector nothing, and adding one copies it, nothing more.
type textArena struct {
	b    []byte
	ends []int64
}

// add appends a copy of s and returns its index.
func (a *textArena) add(s string) int32 {
	a.b = append(a.b, s...)
	a.ends = append(a.ends, int64(len(a.b)))
	return int32(len(a.ends) - 1)
}

// value returns a copy of string i.
func (a *textArena) value(i int32) string {
	lo := int64(0)
	if i > 0 {
		lo = a.ends[i-1]
	}
	return string(a.b[lo:a.ends[i]])
}

// rows is one table's valid rows as typed columns. Which columns are filled depends
// on the table.
type rows struct {
	cust     []int32 // dense customer index
	t        []int64 // the table's event time, µs
	amount   []float64
	text     []int32   // reason / offer_type / channel id
	face     []float64 // offers.face_value, 0 when null
	redeemed []int64   // offers.redeemed_at, none when null
	expires  []int64   // offers.expires_at, none when null
	score    []float64
	related  []bool

	// sealed are the full read-order blocks before the columns above, in read order
	// (room); sealedRows counts their rows.
	sealed     []rows
	sealedRows int
}

func (r *rows) len() int { return len(r.t) }

// blockRows is the size of a read-order block of a table kept only grouped.
const blockRows = 1 << 20

// room makes room for n more rows in r's columns, keeping the columns a table kept
// only grouped has (purchases: amount; complaints, departures, outreach: text). Such
// a table is read in blocks of at most blockRows rows instead of one array per
// column: reading never copies a column to grow it, and group drops each block once
// it is scattered. When the columns are full they are sealed, and a new block
// (twice the rows so far, at least 4,096 and at most blockRows, unless n is more)
// takes their place.
func (r *rows) room(n int, amount, text bool) {
	if cap(r.t)-len(r.t) >= n {
		return
	}
	if len(r.t) > 0 {
		r.sealedRows += len(r.t)
		r.sealed = append(r.sealed, rows{cust: r.cust, t: r.t, amount: r.amount, text: r.text})
	}
	size := max(n, min(blockRows, max(2*r.sealedRows, 1<<12)))
	r.cust, r.t, r.amount, r.text = make([]int32, 0, size), make([]int64, 0, size), nil, nil
	if amount {
		r.amount = make([]float64, 0, size)
	}
	if text {
		r.text = make([]int32, 0, size)
	}
}

// readBlocks returns r's rows as blocks in read order: the sealed blocks, then r's
// columns; blocks without rows are left out.
func (r *rows) readBlocks() []rows {
	blocks := make([]rows, 0, len(r.sealed)+1)
	for _, b := range r.sealed {
		if b.len() > 0 {
			blocks = append(blocks, b)
		}
	}
	if r.len() > 0 {
		cur := *r
		cur.sealed, cur.sealedRows = nil, 0
		blocks = append(blocks, cur)
	}
	return blocks
}

// bytes returns the size of the arrays of r's columns (not of its sealed blocks).
func (r *rows) bytes() int {
	return 4*cap(r.cust) + 8*cap(r.t) + 8*cap(r.amount) + 4*cap(r.text) + 8*cap(r.face) +
		8*cap(r.redeemed) + 8*cap(r.expires) + 8*cap(r.score) + cap(r.related)
}

// data is the whole extract set in columnar form.
type data struct {
	customers *dict
	segment   []int32   // per customer: segment id, -1 when unassigned
	name      []int32   // per customer: index in names, -1 when none
	names     textArena // customer names

	segments   *dict
	reasons    *dict
	offerTypes *dict
	channels   *dict // outreach channels

	present map[string]bool
	related bool // surveys has recovery_related

	// Rows in read order while reading. Once read, purchases, complaints, departures
	// and outreach live only grouped by customer (byCust); offers are kept in both
	// forms (the offer KPIs sum face values in read order), surveys in read order only.
	purchases, complaints, departures, outreach, offers, surveys rows
	byCust                                                       grouped
	grouping                                                     sync.WaitGroup  // the tables being grouped
	groupStarted                                                 map[string]bool // by table

	maxT int64 // latest instant of the as_of columns, math.MinInt64 when none
	// maxTable and maxColumn name the column holding maxT (its first, in read order).
	maxTable, maxColumn string

	// The last customer_id dictionary seen and its dense ids: a batch's dictionary
	// usually extends the previous batch's (one dictionary per row group, growing), so
	// only its new entries are looked up.
	idDict *array.String
	idMap  []int32
	idBuf  []int32 // reused by customerIDs
}

// tableColumns are the contract columns the engine reads, by table.
var tableColumns = map[string][]string{
	contract.Customers:  {contract.CustomerID, contract.Segment, contract.Name},
	contract.Purchases:  {contract.CustomerID, contract.PurchasedAt, contract.Amount},
	contract.Complaints: {contract.CustomerID, contract.ReportedAt, contract.Reason},
	contract.Departures: {contract.CustomerID, contract.DepartedAt, contract.Reason},
	contract.Outreach:   {contract.CustomerID, contract.ContactedAt, contract.Channel},
	contract.Offers:     {contract.CustomerID, contract.IssuedAt, contract.OfferType, contract.FaceValue, contract.RedeemedAt, contract.ExpiresAt},
	contract.Surveys:    {contract.CustomerID, contract.RespondedAt, contract.Score, contract.RecoveryRelated},
}

// newData returns empty columns and dictionaries. The engine compares reasons by
// rank, so both default reasons have ids up front.
func newData() *data {
	d := &data{
		customers: newDict(), segments: newDict(), reasons: newDict(), offerTypes: newDict(), channels: newDict(),
		present: map[string]bool{}, maxT: math.MinInt64,
	}
	d.reasons.id(contract.Lapsed)
	d.reasons.id(contract.Unspecified)
	return d
}

// ingest reads every present table into columns. Customers are indexed first, so the
// dense index follows the customers table, then first appearance in the other tables.
func ingest(ctx context.Context, ex Extract) (*data, error) {
	d := newData()
	if !ex.Has(contract.Purchases) {
		return nil, fmt.Errorf("%w: table purchases is missing", ErrNoData)
	}
	for _, table := range contract.TableNames() {
		if !ex.Has(table) {
			continue
		}
		d.present[table] = true
		var cols []string
		for _, c := range tableColumns[table] {
			if ex.HasColumn(table, c) {
				cols = append(cols, c)
			}
		}
		if table == contract.Surveys {
			d.related = ex.HasColumn(table, contract.RecoveryRelated)
		}
		src, err := ex.Open(ctx, table, cols)
		if err != nil {
			return nil, err
		}
		err = d.readTable(ctx, table, src)
		if cerr := src.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			d.grouping.Wait()
			return nil, err
		}
		d.startGroup(table)
	}
	d.finishGroups()
	return d, nil
}

// readTable reads a table to the end. The batches are added to the columns on a second
// goroutine, in read order, so that reading the next batch (decoding, validation)
// overlaps with adding this one.
func (d *data) readTable(ctx context.Context, table string, src Source) error {
	defer d.forgetDict()
	batches := make(chan arrow.RecordBatch, 2)
	added := make(chan error, 1)
	var failed atomic.Bool
	go func() {
		// Sized here, while the first batches are decoded.
		hint := 0
		if h, ok := src.(rowsHinter); ok {
			hint = int(h.RowsHint())
			d.reserve(table, hint)
		}
		var err error
		for rec := range batches {
			if hint > 0 && table == contract.Customers {
				d.reserveText(rec, hint)
				hint = 0
			}
			if err == nil {
				if err = d.addBatch(table, rec); err != nil {
					failed.Store(true)
				}
			}
			rec.Release()
		}
		added <- err
	}()
	var err error
	for !failed.Load() {
		var rec arrow.RecordBatch
		rec, err = src.Next(ctx)
		if errors.Is(err, io.EOF) {
			err = nil
			break
		}
		if err != nil {
			break
		}
		batches <- rec
	}
	close(batches)
	if aerr := <-added; aerr != nil {
		return aerr
	}
	return err
}

// reserve sizes the columns of a table for n more rows. A table kept only grouped
// gets its first block (room), at most blockRows rows.
func (d *data) reserve(table string, n int) {
	switch table {
	case contract.Customers:
		d.customers.t.Reserve(n, 0)
		d.segment = grow(d.segment, n)
		d.name = grow(d.name, n)
	case contract.Purchases:
		d.purchases.room(min(n, blockRows), true, false)
	case contract.Complaints:
		d.complaints.room(min(n, blockRows), false, true)
	case contract.Departures:
		d.departures.room(min(n, blockRows), false, true)
	case contract.Outreach:
		d.outreach.room(min(n, blockRows), false, true)
	}
}

// reserveText sizes the customer id table's and the name arena's bytes for rows
// rows like the first batch of the customers table, rec: adding the ids and names
// then never copies them to grow.
func (d *data) reserveText(rec arrow.RecordBatch, rows int) {
	perRow := func(name string) int {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 || rec.NumRows() == 0 {
			return 0
		}
		v, err := newTextValues(contract.Customers, name, rec.Column(idx[0]))
		if err != nil || v.s.Len() == 0 {
			return 0
		}
		// An eighth more than the batch's mean, for longer values further on.
		return len(v.s.ValueBytes()) * 9 / 8 / v.s.Len()
	}
	d.customers.t.Reserve(0, rows*perRow(contract.CustomerID))
	if n := perRow(contract.Name); n > 0 {
		d.names.b = grow(d.names.b, rows*n)
		d.names.ends = grow(d.names.ends, rows)
	}
}

// grow returns s with room for n more elements. Unlike slices.Grow it does not
// clear the new room: a large new array then comes from memory the runtime knows
// to be zero, and its pages are first touched as rows are appended, on the
// goroutine that appends them, rather than all at once up front.
func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	out := make([]T, len(s), len(s)+n)
	copy(out, s)
	return out
}

// forgetDict drops the cached customer_id dictionary.
func (d *data) forgetDict() {
	if d.idDict != nil {
		d.idDict.Release()
	}
	d.idDict, d.idMap = nil, nil
}

func (d *data) addBatch(table string, rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	col := func(name string) arrow.Array {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil
		}
		return rec.Column(idx[0])
	}
	ids, err := d.customerIDs(table, col(contract.CustomerID), n)
	if err != nil {
		return err
	}
	defer func() { d.idBuf = ids }()
	switch table {
	case contract.Customers:
		seg, err := textColumn(table, contract.Segment, col(contract.Segment), n, d.segments, "")
		if err != nil {
			return err
		}
		var names textValues
		if a := col(contract.Name); a != nil {
			if names, err = newTextValues(table, contract.Name, a); err != nil {
				return err
			}
		}
		for i, c := range ids {
			for int(c) >= len(d.segment) {
				d.segment = append(d.segment, -1)
				d.name = append(d.name, -1)
			}
			if seg != nil {
				d.segment[c] = seg[i]
			}
			if names.a != nil && names.a.IsValid(i) {
				d.name[c] = d.names.add(names.value(i))
			}
		}
		return nil
	case contract.Purchases:
		r := &d.purchases
		r.room(n, true, false)
		r.cust = append(r.cust, ids...)
		if err := d.appendTimes(&r.t, table, contract.PurchasedAt, col(contract.PurchasedAt), n, true); err != nil {
			return err
		}
		return appendNumbers(&r.amount, table, contract.Amount, col(contract.Amount), n)
	case contract.Complaints, contract.Departures:
		r := &d.complaints
		tcol := contract.ReportedAt
		if table == contract.Departures {
			r, tcol = &d.departures, contract.DepartedAt
		}
		r.room(n, false, true)
		r.cust = append(r.cust, ids...)
		if err := d.appendTimes(&r.t, table, tcol, col(tcol), n, true); err != nil {
			return err
		}
		reasons, err := textColumn(table, contract.Reason, col(contract.Reason), n, d.reasons, contract.Unspecified)
		if err != nil {
			return err
		}
		r.text = append(r.text, reasons...)
		return nil
	case contract.Outreach:
		r := &d.outreach
		r.room(n, false, true)
		r.cust = append(r.cust, ids...)
		if err := d.appendTimes(&r.t, table, contract.ContactedAt, col(contract.ContactedAt), n, true); err != nil {
			return err
		}
		channels, err := textColumn(table, contract.Channel, col(contract.Channel), n, d.channels, contract.Unspecified)
		if err != nil {
			return err
		}
		r.text = append(r.text, channels...)
		return nil
	case contract.Offers:
		r := &d.offers
		r.cust = append(r.cust, ids...)
		if err := d.appendTimes(&r.t, table, contract.IssuedAt, col(contract.IssuedAt), n, true); err != nil {
			return err
		}
		if err := d.appendTimes(&r.redeemed, table, contract.RedeemedAt, col(contract.RedeemedAt), n, true); err != nil {
			return err
		}
		if err := d.appendTimes(&r.expires, table, contract.ExpiresAt, col(contract.ExpiresAt), n, false); err != nil {
			return err
		}
		types, err := textColumn(table, contract.OfferType, col(contract.OfferType), n, d.offerTypes, contract.Unspecified)
		if err != nil {
			return err
		}
		r.text = append(r.text, types...)
		return appendNumbers(&r.face, table, contract.FaceValue, col(contract.FaceValue), n)
	case contract.Surveys:
		r := &d.surveys
		r.cust = append(r.cust, ids...)
		if err := d.appendTimes(&r.t, table, contract.RespondedAt, col(contract.RespondedAt), n, true); err != nil {
			return err
		}
		if err := appendNumbers(&r.score, table, contract.Score, col(contract.Score), n); err != nil {
			return err
		}
		rel := col(contract.RecoveryRelated)
		if rel == nil {
			for range n {
				r.related = append(r.related, true)
			}
			return nil
		}
		b, ok := rel.(*array.Boolean)
		if !ok {
			return typeError(table, contract.RecoveryRelated, rel)
		}
		for i := range n {
			r.related = append(r.related, b.IsValid(i) && b.Value(i))
		}
		return nil
	}
	return fmt.Errorf("unknown table %s", table)
}

// customerIDs maps a batch's customer_id column to the dense index. A dictionary
// column is mapped once per dictionary entry: entries that extend the previous
// batch's dictionary are the only ones looked up. The result is valid until the next
// call.
func (d *data) customerIDs(table string, a arrow.Array, n int) ([]int32, error) {
	out := d.idBuf[:0]
	if cap(out) < n {
		out = make([]int32, 0, n)
	}
	out = out[:n]
	switch c := a.(type) {
	case *array.String:
		d.customers.ids(c.ValueOffsets()[:n+1], c.ValueBytes(), out)
	case *array.Dictionary:
		dv, ok := c.Dictionary().(*array.String)
		if !ok {
			return nil, typeError(table, contract.CustomerID, a)
		}
		m := d.dictIDs(dv)
		switch idx := c.Indices().(type) {
		case *array.Int32:
			for i, j := range idx.Int32Values() {
				out[i] = m[j]
			}
		default:
			for i := range n {
				out[i] = m[c.GetValueIndex(i)]
			}
		}
	default:
		return nil, typeError(table, contract.CustomerID, a)
	}
	return out, nil
}

// dictIDs returns the dense id of each entry of a customer_id dictionary.
func (d *data) dictIDs(dv *array.String) []int32 {
	keep := 0
	if prev := d.idDict; prev != nil && isPrefix(prev, dv) {
		keep = prev.Len()
	}
	m := slices.Grow(d.idMap[:keep], dv.Len()-keep)[:dv.Len()]
	offs := dv.ValueOffsets()
	d.customers.ids(offs[keep:], dv.ValueBytes()[offs[keep]-offs[0]:], m[keep:])
	d.forgetDict()
	dv.Retain()
	d.idDict, d.idMap = dv, m
	return m
}

// isPrefix reports whether the values of a are the first values of b.
func isPrefix(a, b *array.String) bool {
	n := a.Len()
	if b.Len() < n {
		return false
	}
	ao, bo := a.ValueOffsets()[:n+1], b.ValueOffsets()[:n+1]
	if ao[0] == bo[0] {
		// The usual case (both from 0): the offsets compared as bytes, at
		// memory speed; a dictionary grows batch by batch to millions of entries.
		if !bytes.Equal(arrow.Int32Traits.CastToBytes(ao), arrow.Int32Traits.CastToBytes(bo)) {
			return false
		}
	} else {
		for i := 1; i <= n; i++ {
			if ao[i]-ao[0] != bo[i]-bo[0] {
				return false
			}
		}
	}
	size := ao[n] - ao[0]
	return bytes.Equal(a.ValueBytes()[:size], b.ValueBytes()[:size])
}

// textValues reads a text column: String or a dictionary of String.
type textValues struct {
	a   arrow.Array
	s   *array.String // the values, or the dictionary's values
	idx *array.Dictionary
}

func newTextValues(table, name string, a arrow.Array) (textValues, error) {
	switch c := a.(type) {
	case *array.String:
		return textValues{a: a, s: c}, nil
	case *array.Dictionary:
		if s, ok := c.Dictionary().(*array.String); ok {
			return textValues{a: a, s: s, idx: c}, nil
		}
	}
	return textValues{}, typeError(table, name, a)
}

// value is the text of row i (not null).
func (t textValues) value(i int) string {
	if t.idx != nil {
		return t.s.Value(t.idx.GetValueIndex(i))
	}
	return t.s.Value(i)
}

// textColumn maps a text column to ids of dict; null or empty text becomes def ("" =
// -1, used for the unassigned segment). A nil column is all default.
func textColumn(table, name string, a arrow.Array, n int, d *dict, def string) ([]int32, error) {
	out := make([]int32, n)
	defID := int32(-1)
	if def != "" {
		defID = d.id(def)
	}
	switch c := a.(type) {
	case nil:
		for i := range out {
			out[i] = defID
		}
	case *array.String:
		for i := range n {
			if c.IsNull(i) || c.ValueLen(i) == 0 {
				out[i] = defID
			} else {
				out[i] = d.id(c.Value(i))
			}
		}
	case *array.Dictionary:
		dv, ok := c.Dictionary().(*array.String)
		if !ok {
			return nil, typeError(table, name, a)
		}
		m := make([]int32, dv.Len())
		for j := range m {
			if dv.IsNull(j) || dv.ValueLen(j) == 0 {
				m[j] = defID
			} else {
				m[j] = d.id(dv.Value(j))
			}
		}
		for i := range n {
			if c.IsNull(i) {
				out[i] = defID
			} else {
				out[i] = m[c.GetValueIndex(i)]
			}
		}
	default:
		return nil, typeError(table, name, a)
	}
	return out, nil
}

// appendTimes appends a timestamp column (µs); nulls become none. When asOf is set the
// column takes part in the default as_of.
func (d *data) appendTimes(dst *[]int64, table, name string, a arrow.Array, n int, asOf bool) error {
	if a == nil {
		for range n {
			*dst = append(*dst, none)
		}
		return nil
	}
	c, ok := a.(*array.Timestamp)
	if !ok || c.DataType().(*arrow.TimestampType).Unit != arrow.Microsecond {
		return typeError(table, name, a)
	}
	vals := c.Values()[:n]
	m := int64(math.MinInt64)
	if c.NullN() == 0 { // the usual case: copied whole
		*dst = append(*dst, arrow.Int64Traits.CastFromBytes(arrow.TimestampTraits.CastToBytes(vals))...)
		for _, v := range vals {
			m = max(m, int64(v))
		}
	} else {
		for i, v := range vals {
			if c.IsNull(i) {
				*dst = append(*dst, none)
				continue
			}
			*dst = append(*dst, int64(v))
			m = max(m, int64(v))
		}
	}
	if asOf && m > d.maxT {
		d.maxT, d.maxTable, d.maxColumn = m, table, name
	}
	return nil
}

// appendNumbers appends a Float64 column; nulls become 0 (only optional columns can
// be null, and a null face value adds nothing to a sum).
func appendNumbers(dst *[]float64, table, name string, a arrow.Array, n int) error {
	if a == nil {
		for range n {
			*dst = append(*dst, 0)
		}
		return nil
	}
	c, ok := a.(*array.Float64)
	if !ok {
		return typeError(table, name, a)
	}
	vals := c.Float64Values()[:n]
	if c.NullN() == 0 {
		*dst = append(*dst, vals...)
		return nil
	}
	for i, v := range vals {
		if c.IsNull(i) {
			*dst = append(*dst, 0)
		} else {
			*dst = append(*dst, v)
		}
	}
	return nil
}

func typeError(table, column string, a arrow.Array) error {
	return fmt.Errorf("%s: column %s: unexpected normalised type %s", table, column, a.DataType())
}
