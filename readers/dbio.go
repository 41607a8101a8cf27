package readers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Databricks' transactional commit (DBIO) writes, in each folder it writes part
// files to, an empty _started_<id> when a write begins and _committed_<id> when
// it commits: a JSON object whose "added" lists the part files the write
// committed and whose "removed" lists those it replaced (an overwrite). Each
// part file carries its write's id in its name (part-00000-tid-<id>-<uuid>-c000
// .snappy.parquet). Databricks' own readers ignore the files of a write that did
// not commit; plain Parquet readers do not, which is how the leftovers of an
// aborted job are read as data.
const (
	dbioStarted   = "_started_"
	dbioCommitted = "_committed_"
)

// dbioTID finds the write id in a part file's name.
var dbioTID = regexp.MustCompile(`(?:^|[-_.])tid-([0-9]+)-`)

// dbioFolder is what one folder's markers say.
type dbioFolder struct {
	started   map[string]bool
	committed map[string]*dbioCommit // by id
}

// dbioCommit is a _committed_<id> file.
type dbioCommit struct {
	Added   *[]string `json:"added"`
	Removed []string  `json:"removed"`

	added map[string]bool
	file  string // its path, for messages
}

// isDBIOMarker reports whether name is a _started_ or _committed_ marker.
func isDBIOMarker(name string) bool {
	return strings.HasPrefix(name, dbioStarted) || strings.HasPrefix(name, dbioCommitted)
}

// dbioMarkers collects the markers of a table's folders as the walk meets them.
type dbioMarkers map[string]*dbioFolder // by folder

// add records the marker file p (name is its base name) found under the table.
func (m dbioMarkers) add(fsys fs.FS, table, p, name string) error {
	dir := path.Dir(p)
	f := m[dir]
	if f == nil {
		f = &dbioFolder{started: map[string]bool{}, committed: map[string]*dbioCommit{}}
		m[dir] = f
	}
	if id, ok := strings.CutPrefix(name, dbioStarted); ok {
		f.started[id] = true
		return nil
	}
	id := strings.TrimPrefix(name, dbioCommitted)
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return fmt.Errorf("table %s: Databricks commit marker %s: %w", table, p, err)
	}
	var c dbioCommit
	dec := json.NewDecoder(bytes.NewReader(b))
	// A write's id is a number; a marker of another id (VACUUM's _committed_vacuum<n>)
	// names no part file's write, so only its "removed" list can matter, and it may
	// lack "added".
	write := strings.Trim(id, "0123456789") == "" && id != ""
	if err := dec.Decode(&c); err != nil || (c.Added == nil && write) || dec.More() {
		why := "no \"added\" list"
		if err != nil {
			why = err.Error()
		}
		return fmt.Errorf("table %s: %s/ holds Databricks commit markers, but %s is not the JSON object {\"added\": [...], \"removed\": [...]} they hold (%s): which part files are committed cannot be told; export the table again or remove the markers once the folder holds only committed files",
			table, dir, p, why)
	}
	c.added = map[string]bool{}
	if c.Added != nil {
		for _, a := range *c.Added {
			c.added[a] = true
		}
	}
	c.file = p
	f.committed[id] = &c
	return nil
}

// filter keeps the part files that the markers say are committed and returns
// one warning per write whose files it skipped. A part file is skipped when its
// folder's committed writes list it as removed, when its write committed
// without listing it (a failed task's attempt), or when its write started and
// never committed (an aborted or unfinished job). A part file whose write id
// has no marker in its folder, in a table that has markers, is an error: the
// protocol does not say whether it is data.
func (m dbioMarkers) filter(table string, files []FileInfo) ([]FileInfo, []string, error) {
	if len(m) == 0 {
		return files, nil, nil
	}
	type skip struct {
		why   string
		files []string
	}
	skips := map[string]*skip{} // by why
	var kept []FileInfo
	for _, f := range files {
		dir, name := path.Split(f.Path)
		dir = strings.TrimSuffix(dir, "/")
		why := ""
		folder := m[dir]
		if folder != nil {
			for _, id := range slices.Sorted(maps.Keys(folder.committed)) {
				if slices.Contains(folder.committed[id].Removed, name) {
					why = fmt.Sprintf("removed by the committed Databricks write %s (%s)", id, folder.committed[id].file)
					break
				}
			}
		}
		if sub := dbioTID.FindStringSubmatch(name); why == "" && sub != nil {
			id := sub[1]
			switch {
			case folder != nil && folder.committed[id] != nil:
				if !folder.committed[id].added[name] {
					why = fmt.Sprintf("of the Databricks write %s but not listed as added by %s (a failed task's attempt)", id, folder.committed[id].file)
				}
			case folder != nil && folder.started[id]:
				why = fmt.Sprintf("of the Databricks write %s, which started (%s/%s%s) and never committed (no %s%s): an aborted or unfinished job", id, dir, dbioStarted, id, dbioCommitted, id)
			default:
				return nil, nil, fmt.Errorf("table %s: %s/ holds Databricks commit markers (_started_<id>, _committed_<id>), but %s is of the write %s, which has no marker in %s/: whether it is committed cannot be told; export the table again or remove the markers once the folder holds only committed files",
					table, firstMarkerFolder(m), f.Path, id, dir)
			}
		}
		if why == "" {
			kept = append(kept, f)
			continue
		}
		s := skips[why]
		if s == nil {
			s = &skip{why: why}
			skips[why] = s
		}
		s.files = append(s.files, f.Path)
	}
	var warns []string
	for _, why := range slices.Sorted(maps.Keys(skips)) {
		s := skips[why]
		list := s.files
		more := ""
		if len(list) > 3 {
			list, more = list[:3], fmt.Sprintf(" and %d more", len(s.files)-3)
		}
		warns = append(warns, fmt.Sprintf("table %s: skipped %d part file(s) %s: %s%s", table, len(s.files), why, strings.Join(list, ", "), more))
	}
	return kept, warns, nil
}

// firstMarkerFolder names the first folder, in lexical order, that holds markers.
func firstMarkerFolder(m dbioMarkers) string { return slices.Sorted(maps.Keys(m))[0] }
