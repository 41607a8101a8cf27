package verify

import (
	"bytes"
	"os"
	"strings"

	"github.com/recoverykpi/recoverykpi/internal/workbookdump"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// workbookDiffs adds the first cells in which the published workbook and the rerun's
// differ, as Sheet!Cell: published value, now value (values as workbookdump.Dump writes them).
func workbookDiffs(rep *Report, path, recordedSum string, now []byte) {
	pub, err := os.ReadFile(path)
	if err != nil {
		rep.detail("(cannot show the cells: %v)", err)
		return
	}
	if manifest.Sum(pub) != recordedSum {
		rep.detail("(the published workbook is not the file the manifest lists; cells below are from the file on disk)")
	}
	a, errA := workbookCells(pub)
	b, errB := workbookCells(now)
	if errA != nil || errB != nil {
		rep.detail("(cannot compare the cells: %v)", firstErr(errA, errB))
		return
	}
	leafDiffs(rep, a, b)
}

// workbookCells lists the cells of a workbook's dump in sheet order, keyed
// Sheet!Cell.
func workbookCells(b []byte) ([]jsonLeaf, error) {
	dump, err := workbookdump.Dump(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	var out []jsonLeaf
	sheet := ""
	for _, line := range strings.Split(dump, "\n") {
		if rest, ok := strings.CutPrefix(line, "== sheet "); ok {
			sheet, _, _ = strings.Cut(rest, " (")
			continue
		}
		ref, value, ok := strings.Cut(line, " ")
		if sheet == "" || !ok || !isCellRef(ref) {
			continue
		}
		out = append(out, jsonLeaf{path: sheet + "!" + ref, value: value})
	}
	return out, nil
}

func isCellRef(s string) bool {
	i := 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	return i > 0 && j > i && j == len(s)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
