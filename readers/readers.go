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
)

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
	// Allocator allocates every Arrow buffer. nil means a bufpool.Allocator
	// of the Extract's own, shared by its tables, which recycles the buffers
	// of released batches: decoding a table allocates buffers of the same
	// sizes batch after batch.
	Allocator memory.Allocator
	// Dictionaries delivers the id and text columns that a file stores
	// dictionary-encoded as dictionary<int32, utf8> arrays, the file's own
	// dictionary and indices, instead of utf8: the text is neither copied per
	// row nor hashed per row downstream. A batch's schema then says so for
	// those columns; the values are the same.
	Dictionaries bool
	// HashFiles computes the SHA-256 of each file as the reader reads it, from
	// the handle the decoder parses (TableQuality.SHA256), on a goroutine
	// beside the decoding.
	HashFiles bool

	// testHook, when set, is called with "validate" before each batch is
	// validated and with "decode" before the decoder goroutine opens each
	// file. Tests use it to inject a panic into the package's own code.
	testHook func(stage string)
}

const defaultBatchSize = 65536

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o Options) batchSize() int64 {
	if o.BatchSize <= 0 {
		return defaultBatchSize
	}
	return o.BatchSize
}
