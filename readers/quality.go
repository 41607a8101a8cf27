package readers

import (
	"maps"
	"slices"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// TableQuality counts what one TableReader read and set aside. It is complete
// once Next has returned io.EOF. It is contract.TableQuality (see Contract)
// with the counts by reason in a map and examples for a validate report.
type TableQuality struct {
	Table        string
	RowsRead     int64                  // every row of every file (of a Delta table: not deleted by a deletion vector)
	RowsSetAside int64                  // rows set aside for any reason
	RowsDeleted  int64                  // rows of a Delta table's files that deletion vectors delete: not in the table, not read
	ByReason     map[string]int64       // reason text -> rows
	Files        []contract.FileQuality // per file, in read order
	// SHA256 holds, for each file of Files that was read to its end, the hex
	// SHA-256 of the bytes parsed ("" without Options.HashFiles).
	SHA256 []string
	// Examples holds the first maxExamples set-aside rows per reason, for a
	// validate report.
	Examples map[string][]Example
}

// Contract returns the counts as the scorecard and the audit record carry
// them: the reasons sorted, without the examples.
func (q TableQuality) Contract() contract.TableQuality {
	out := contract.TableQuality{Table: q.Table, RowsRead: q.RowsRead, RowsSetAside: q.RowsSetAside,
		Files: slices.Clone(q.Files)}
	for _, r := range slices.Sorted(maps.Keys(q.ByReason)) {
		out.ByReason = append(out.ByReason, contract.ReasonCount{Reason: r, Rows: q.ByReason[r]})
	}
	return out
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
	c.ByReason = maps.Clone(q.ByReason)
	c.Files = slices.Clone(q.Files)
	c.SHA256 = slices.Clone(q.SHA256)
	c.Examples = make(map[string][]Example, len(q.Examples))
	for k, v := range q.Examples {
		c.Examples[k] = slices.Clone(v)
	}
	return c
}
