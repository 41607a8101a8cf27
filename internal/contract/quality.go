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
