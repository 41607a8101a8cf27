package readers

// TableQuality counts what one TableReader read and set aside. It is complete
// once Next has returned io.EOF.
type TableQuality struct {
	Table        string
	RowsRead     int64            // every row of every file
	RowsSetAside int64            // rows set aside for any reason
	ByReason     map[string]int64 // reason text -> rows
	Files        []FileQuality    // per file, in read order
	// Examples holds the first maxExamples set-aside rows per reason, for a
	// validate report.
	Examples map[string][]Example
}

// FileQuality counts one part file.
type FileQuality struct {
	Path                   string // slash path relative to the input root
	Size                   int64
	RowsRead, RowsSetAside int64
}

// Example is one set-aside row.
type Example struct {
	File string // slash path relative to the input root
	Row  int64  // 0-based row number in that file
	// Values maps each contract column read to its normalised value as text:
	// ids and text as they are, timestamps in RFC 3339 (UTC), numbers in
	// Go's shortest 'g' format, booleans as true/false. A null value has no
	// entry.
	Values map[string]string
}

// maxExamples is the number of examples kept per reason.
const maxExamples = 5

func (q TableQuality) clone() TableQuality {
	c := q
	c.ByReason = make(map[string]int64, len(q.ByReason))
	for k, v := range q.ByReason {
		c.ByReason[k] = v
	}
	c.Files = append([]FileQuality(nil), q.Files...)
	c.Examples = make(map[string][]Example, len(q.Examples))
	for k, v := range q.Examples {
		c.Examples[k] = append([]Example(nil), v...)
	}
	return c
}
