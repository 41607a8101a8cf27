package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Manifest is the record of one published edition of a quarter (SPEC §6,
// manifest-<label>.json): what the run read, with which config and program, and what
// it published. It holds everything `recoverykpi verify` needs to rerun the quarter:
// the resolved config, the input root, the quarter, as_of and the edition.
//
// Nothing in a manifest depends on the wall clock or on the output folder, so the
// same inputs, config and program version give the same manifest bytes wherever the
// outputs are written.
type Manifest struct {
	Provenance             // program, config, input root and inputs
	Quarter    string      // label, e.g. 2026-Q3
	AsOf       time.Time   // the moment the data describes, UTC
	Edition    int         // 1 for the first publication, 2.. for restatements
	Supersedes *Supersedes // the edition this one restates; nil for edition 1
	Outputs    []OutputFile
}

// Supersedes names the edition a restatement replaces, by its manifest.
type Supersedes struct {
	Edition  int
	Manifest string // file name of that edition's manifest
	SHA256   string // hex SHA-256 of that manifest; "" when it was not found
}

// OutputFile is one published file of an edition (the manifest itself excluded).
type OutputFile struct {
	Path   string // slash path relative to the output folder
	Size   int64
	SHA256 string
}

// Provenance is what went into a run: the facts of the workbook's Audit sheet and of
// the manifest.
type Provenance struct {
	Version      string // program version
	GoVersion    string
	Libraries    []Library
	ConfigYAML   []byte // the resolved config
	ConfigSHA256 string
	InputRoot    string // as given by the user ("embedded sample" for the built-in set)
	Inputs       []InputFile
	// Tables are the tables read as a table format's snapshot (Delta Lake,
	// Iceberg), in table order; plain Parquet tables are not listed.
	Tables []TableFormat
	// Warnings are what reading the extract set accepted but a person should
	// know (a column matched only when case is ignored, part files skipped by
	// Databricks' commit markers), one sentence each, in table order. The Audit
	// sheet lists them; the manifest does not record them (a rerun on the same
	// inputs gives the same ones).
	Warnings []string
	// Warehouse is the SQL warehouse the tables were read and the per-customer work
	// done in (run --warehouse); nil for an extract set (Inputs).
	Warehouse *Warehouse
}

// Warehouse records a warehouse source: where (never a credential), which snapshot
// when the warehouse has one, and each statement sent with the SHA-256 of its exact
// text and the rows it returned.
type Warehouse struct {
	Dialect, Host, Database, Schema string
	// Snapshot identifies what the statements read, as far as the warehouse tells:
	// for PostgreSQL the transaction snapshot (pg_current_snapshot), which names no
	// history to return to, so a verify can only check the data while it is
	// unchanged.
	Snapshot   string
	Statements []Statement
}

// Statement is one SQL statement sent to the warehouse.
type Statement struct {
	Role   string // quality (or quality_as_of), quarantine_<table>, offers, surveys, customers
	SHA256 string // of the exact text sent
	Rows   int64  // rows it returned
}

// Library is a module the program is built on, with its version.
type Library struct{ Path, Version string }

// InputFile is one file of the extract set.
type InputFile struct {
	Table        string
	Path         string // slash path relative to the input root
	Size         int64
	SHA256       string
	RowsRead     int64
	RowsSetAside int64
	// Role is "" for a data file; for a file of a table format's metadata that was
	// read to find the data files and their deleted rows, what it is (e.g. "delta
	// commit", "iceberg manifest", "iceberg position delete file").
	Role string
}

// TableFormat is the snapshot a table was read at.
type TableFormat struct {
	Table         string
	Format        string // "delta" or "iceberg"
	Version       int64  // the Delta table version, or the Iceberg snapshot id
	FormatVersion int    // Iceberg's format version (1 to 3); 0 for Delta
}

// Sum returns the hex SHA-256 of b, the form in which a manifest records every file.
func Sum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
