package contract

// TableQuality counts the rows read and set aside for one table (SPEC §2, "invalid
// rows"; SPEC §6 `data_quality`). The readers fill it; the scorecard and the audit
// record carry it.
type TableQuality struct {
	Table        string
	RowsRead     int64         // every row of every file
	RowsSetAside int64         // rows set aside for any reason
	ByReason     []ReasonCount // sorted by reason
	Files        []FileQuality // per file, in read order
}

// ReasonCount is the number of rows set aside for one reason.
type ReasonCount struct {
	Reason string
	Rows   int64
}

// FileQuality counts one input file.
type FileQuality struct {
	Path         string // slash path relative to the input root
	Size         int64
	RowsRead     int64
	RowsSetAside int64
}

// The reasons a row is set aside for (SPEC §2, "Invalid rows"), as data_quality and the
// quarantine name them; rule 1's is MissingReason of its column.
const (
	ReasonTimestampRange = "timestamp out of range"
	ReasonNotFinite      = "not a finite number"
	ReasonInvalidText    = "invalid text"
	ReasonScoreRange     = "score out of range"
	ReasonRedeemedBefore = "redeemed before issued"
	ReasonDuplicateKey   = "duplicate key"
)

// MissingReason is rule 1's reason for a required column: "missing <column>".
func MissingReason(column string) string { return "missing " + column }

// Valid timestamps (SPEC §2 rule 2: "a timestamp before 1970-01-01 or from 2200-01-01
// on" is out of range) are the µs since the Unix epoch in [MinValidMicros,
// MaxValidMicros).
const (
	MinValidMicros = 0
	MaxValidMicros = 7258118400 * 1_000_000 // 2200-01-01T00:00:00Z, exclusive
)
