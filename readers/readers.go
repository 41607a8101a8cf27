// Package readers reads the extract set of SPEC §2 (a folder of Parquet tables)
// and delivers each table as Arrow record batches with normalised types.
//
// Discover walks the input root, finds every table of the contract and checks
// each file's footer (the schema) before any row is read, so a missing table,
// a missing required column or a column of the wrong type stops the run early
// with an error wrapping ErrUnusable.
//
// TableSource.Open then streams one table: its part files in lexical path
// order, rows in file order, in batches of at most Options.BatchSize rows.
// Every row is validated (SPEC §2, "invalid rows"); the valid rows are
// delivered and the invalid ones are set aside with their reason, for the
// quarantine file and the data-quality counts.
//
// The normalised schema has one nullable field per contract column that is
// present in the files and requested, named by its contract name, in contract
// order:
//
//   - ids: utf8 text; integer ids become their decimal text, so 42 in one
//     table matches "42" in another;
//   - timestamps: timestamp[us, tz=UTC], an instant. Timestamps adjusted to
//     UTC and legacy INT96 values are instants already; timestamps not
//     adjusted to UTC are wall-clock times and DATE values are midnight, both
//     in Options.Location (see WallClock for gaps and overlaps);
//   - numbers: float64;
//   - text: utf8 text;
//   - booleans: bool.
//
// Ownership follows Arrow's convention: the caller of TableReader.Next owns
// the returned batch and must Release it; TableReader.Close releases what the
// reader holds.
package readers

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recoverykpi/recoverykpi/internal/bufpool"
)

// Kind is the normalised kind of a contract column.
type Kind int

// The kinds of contract columns (SPEC §2, "types accepted").
const (
	KindID Kind = iota
	KindTime
	KindNumber
	KindText
	KindBool
)

// String returns the kind as the error messages name it ("an id", ...).
func (k Kind) String() string {
	switch k {
	case KindID:
		return "an id"
	case KindTime:
		return "a timestamp"
	case KindNumber:
		return "a number"
	case KindText:
		return "text"
	case KindBool:
		return "a boolean"
	}
	return "an unknown kind"
}

// Column is one column of the contract.
type Column struct {
	Name     string
	Kind     Kind
	Required bool
}

// TableDef is one table of the contract.
type TableDef struct {
	Name    string
	Columns []Column // in SPEC §2 order
	// Key is the duplicate-key column ("" for departures and outreach).
	Key string
	// Required is true only for purchases: without it the extract set is unusable.
	Required bool
}

// Column returns the contract column called name and whether it exists.
func (d TableDef) Column(name string) (Column, bool) {
	for _, c := range d.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Contract returns the seven tables of SPEC §2 in this order: customers,
// purchases, complaints, departures, outreach, offers, surveys. Each call
// returns fresh slices that the caller may modify.
func Contract() []TableDef {
	id := func(n string, req bool) Column { return Column{Name: n, Kind: KindID, Required: req} }
	ts := func(n string, req bool) Column { return Column{Name: n, Kind: KindTime, Required: req} }
	num := func(n string, req bool) Column { return Column{Name: n, Kind: KindNumber, Required: req} }
	text := func(n string) Column { return Column{Name: n, Kind: KindText} }
	return []TableDef{
		{Name: "customers", Key: "customer_id", Columns: []Column{
			id("customer_id", true), text("segment"), text("name")}},
		{Name: "purchases", Key: "order_id", Required: true, Columns: []Column{
			id("customer_id", true), ts("purchased_at", true), num("amount", true), id("order_id", false)}},
		{Name: "complaints", Key: "complaint_id", Columns: []Column{
			id("customer_id", true), ts("reported_at", true), text("reason"), id("complaint_id", false)}},
		{Name: "departures", Columns: []Column{
			id("customer_id", true), ts("departed_at", true), text("reason")}},
		{Name: "outreach", Columns: []Column{
			id("customer_id", true), ts("contacted_at", true), text("channel")}},
		{Name: "offers", Key: "offer_id", Columns: []Column{
			id("customer_id", true), ts("issued_at", true), text("offer_type"), num("face_value", false),
			ts("redeemed_at", false), ts("expires_at", false), id("offer_id", false)}},
		{Name: "surveys", Key: "response_id", Columns: []Column{
			id("customer_id", true), ts("responded_at", true), num("score", true),
			{Name: "recovery_related", Kind: KindBool}, id("response_id", false)}},
	}
}

// Mapping is the config's override for one table.
type Mapping struct {
	// Path is the table's location relative to the input root, slash-separated.
	// A path ending in ".parquet" names a file (or, as Spark writes them, a
	// folder of part files); any other path names a folder. "" means the
	// default: <table>.parquet, else the folder <table>/.
	Path string
	// Columns maps a contract column name to the column's name in the files.
	Columns map[string]string
}

// Options configure Discover and the readers it returns.
type Options struct {
	// Location is the configured time zone: timestamps not adjusted to UTC
	// (wall-clock times) and DATE values (midnight) are local times here.
	// nil means UTC.
	Location *time.Location
	// Tables holds the per-table overrides, by contract table name.
	Tables map[string]Mapping
	// BatchSize is the number of rows per Arrow batch read from a file; 0
	// means 65536. A delivered batch has at most this many rows.
	BatchSize int64
	// ScoreMin and ScoreMax bound surveys.score ("score out of range").
	ScoreMin, ScoreMax float64
	// Allocator allocates every Arrow buffer; nil means a process-wide
	// bufpool.Allocator, which recycles the buffers of released batches.
	Allocator memory.Allocator
	// Dictionaries delivers the id and text columns that a file stores
	// dictionary-encoded as dictionary<int32, utf8> arrays, the file's own
	// dictionary and indices, instead of utf8: the text is neither copied per
	// row nor hashed per row downstream. A batch's schema then says so for
	// those columns; the values are the same.
	Dictionaries bool
}

const defaultBatchSize = 65536

// pool is the default allocator: decoding a table allocates buffers of the
// same sizes batch after batch, which it recycles.
var pool = bufpool.New()

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o Options) allocator() memory.Allocator {
	if o.Allocator == nil {
		return pool
	}
	return o.Allocator
}

func (o Options) batchSize() int64 {
	if o.BatchSize <= 0 {
		return defaultBatchSize
	}
	return o.BatchSize
}
