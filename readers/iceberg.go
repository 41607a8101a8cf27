package readers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/iceberg-go"
	icebergio "github.com/apache/iceberg-go/io"
)

// An Apache Iceberg table is a folder holding metadata/: its table metadata
// files (v<N>.metadata.json as the Hadoop catalog and Spark's file-system catalog
// write them, or <N>-<uuid>.metadata.json as catalogs write them), each naming its
// snapshots, the manifest lists and manifests of those, and through them the data
// and delete files. SPEC §2 (v2): "A table folder holding ... an Apache Iceberg
// table (metadata/) is read as that table's current snapshot: removed files,
// deletion vectors and delete files applied. A table format the program cannot
// apply exactly is refused with an error naming it, never read as plain part
// files."
//
// The metadata file is parsed and the current snapshot's files planned in
// icebergplan.go (iceberg-go reads the manifest list and the manifests): each
// data file with the delete files that apply to it by sequence number and
// partition. The data files are then read by this package like any part file;
// the rows their position deletes, deletion vectors and equality deletes remove
// are not in the table (icebergdeletes.go).
//
// The metadata file read is the one version-hint.text names when there is one,
// else the one with the highest version number; two metadata files of that number
// (a commit that lost a race, or two writers) are refused rather than guessed.
//
// The table's files are named in the metadata by absolute location (file:///…,
// s3://bucket/…). The table's own location (metadata "location") is mapped to the
// table folder as found, so a table copied or archived elsewhere reads the same;
// a file outside that location is refused, naming it.
//
// Columns are matched by field id: the contract column is matched by name
// against the current schema, then found in each data file by its field id, so a
// column renamed after a file was written is read under its old name there. A
// data file without field ids is matched by name.

// icebergMetadataDir is the folder of an Iceberg table's metadata.
const icebergMetadataDir = "metadata"

// icebergSnapshot is the current snapshot of an Iceberg table.
type icebergSnapshot struct {
	snapshotID    int64 // 0 for a table without a snapshot (no data yet)
	formatVersion int
	metadata      string         // slash path of the metadata file read, relative to the input root
	aux           []MetadataFile // the metadata files read (metadata file, manifest list, manifests) and the delete files applied
	deleteFiles   int            // position delete files, deletion vectors and equality delete files applied
	equality      int            // of which equality delete files
	// fields maps a current column name to its field id.
	fields map[string]int
	io     *icebergFS // the table's files, as iceberg-go opens them
	names  []string   // the current top-level column names, in schema order
	// identity holds the field ids that an identity partition field of some
	// partition spec takes its value from.
	identity map[int]bool
}

// icebergFile is what an Iceberg table's snapshot says of one of its data files.
type icebergFile struct {
	location string // the file's location as the metadata names it
	records  int64  // record_count in its manifest entry
	snap     *icebergSnapshot
	deletes  []icebergDelete
}

// icebergDelete is one delete file that applies to a data file.
type icebergDelete struct {
	kind     string // "position", "deletion vector" or "equality"
	path     string // slash path relative to the input root
	location string // as the metadata names it
	fields   []int  // equality: the field ids compared
	file     iceberg.DataFile
}

// isIcebergTable reports whether the table folder dir holds Iceberg metadata.
func isIcebergTable(fsys fs.FS, dir string) bool {
	entries, err := fs.ReadDir(fsys, path.Join(dir, icebergMetadataDir))
	if err != nil {
		return false
	}
	for _, e := range entries {
		if _, ok := icebergMetadataVersion(e.Name()); ok {
			return true
		}
	}
	return false
}

// icebergMetadataVersion returns the version number of a metadata file name:
// v<N>.metadata.json or <N>-<uuid>.metadata.json, optionally compressed
// (v<N>.gz.metadata.json, <…>.metadata.json.gz).
func icebergMetadataVersion(name string) (int64, bool) {
	base, ok := strings.CutSuffix(name, ".metadata.json")
	if !ok {
		if base, ok = strings.CutSuffix(name, ".metadata.json.gz"); !ok {
			return 0, false
		}
	}
	base = strings.TrimSuffix(base, ".gz")
	var digits string
	if rest, ok := strings.CutPrefix(base, "v"); ok && allDigits(rest) {
		digits = rest
	} else if i := strings.IndexByte(base, '-'); i > 0 && allDigits(base[:i]) {
		digits = base[:i]
	} else {
		return 0, false
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	return v, err == nil
}

// currentIcebergMetadata returns the slash path of the table's current metadata
// file.
func currentIcebergMetadata(fsys fs.FS, dir string) (string, error) {
	mdir := path.Join(dir, icebergMetadataDir)
	entries, err := fs.ReadDir(fsys, mdir)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", mdir, err)
	}
	byVersion := map[int64][]string{}
	best := int64(-1)
	for _, e := range entries {
		v, ok := icebergMetadataVersion(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		byVersion[v] = append(byVersion[v], e.Name())
		best = max(best, v)
	}
	if hint, err := fs.ReadFile(fsys, path.Join(mdir, "version-hint.text")); err == nil {
		s := strings.TrimSpace(string(hint))
		v, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil || len(byVersion[v]) == 0 {
			return "", fmt.Errorf("%s/version-hint.text says %q, and no metadata file has that version", mdir, s)
		}
		best = v
	}
	names := byVersion[best]
	switch {
	case best < 0:
		return "", fmt.Errorf("%s holds no metadata file", mdir)
	case len(names) > 1:
		slices.Sort(names)
		return "", fmt.Errorf("%s holds %d metadata files of version %d (%s): which one is current is known only to the table's catalog", mdir, len(names), best, strings.Join(names, ", "))
	}
	return path.Join(mdir, names[0]), nil
}

// readIcebergSnapshot reads the current snapshot of the Iceberg table in the
// folder dir and returns its data files in lexical order of their path. Anything
// it cannot apply exactly is an error naming the table and what stopped it (the
// caller wraps it in ErrUnusable).
func readIcebergSnapshot(ctx context.Context, fsys fs.FS, tableName, dir string) (_ []FileInfo, _ *icebergSnapshot, err error) {
	where := fmt.Sprintf("table %s: Iceberg table %s/", tableName, dir)
	mpath, err := currentIcebergMetadata(fsys, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	defer func() {
		// iceberg-go is an outside library: a panic in it is a corrupt table, not ours.
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: reading its metadata %s failed: %v", where, mpath, r)
		}
	}()
	tio := &icebergFS{fsys: fsys, dir: dir}
	f, err := fsys.Open(mpath)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	meta, err := readIcebergMetadata(f, mpath)
	f.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: metadata %s: %w", where, mpath, err)
	}
	snap := &icebergSnapshot{formatVersion: meta.version, metadata: mpath, aux: []MetadataFile{{Path: mpath, Role: "iceberg metadata"}}, fields: map[string]int{}, io: tio}
	where = fmt.Sprintf("%s (metadata %s", where, path.Base(mpath))
	if err := checkIcebergTable(meta); err != nil {
		return nil, nil, fmt.Errorf("%s): %w", where, err)
	}
	if tio.location, err = parseLocation(meta.location); err != nil {
		return nil, nil, fmt.Errorf("%s): table location %q: %w", where, meta.location, err)
	}
	snap.identity = map[int]bool{}
	for _, spec := range meta.specs {
		for _, pf := range spec.Fields() {
			if _, ok := pf.Transform.(iceberg.IdentityTransform); ok {
				for _, id := range pf.SourceIDs {
					snap.identity[id] = true
				}
			}
		}
	}
	for _, f := range meta.schema.Fields() {
		snap.fields[f.Name] = f.ID
		snap.names = append(snap.names, f.Name)
	}
	if meta.list == "" {
		return nil, snap, nil // a table created but never written: no rows
	}
	snap.snapshotID = meta.snapshotID
	where = fmt.Sprintf("%s, snapshot %d)", where, meta.snapshotID)
	if rel, ok := tio.relative(meta.list); ok {
		snap.aux = append(snap.aux, MetadataFile{Path: rel, Role: "iceberg manifest list"})
	}
	manifests, err := readManifestList(tio, meta.list)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: manifest list %s: %w", where, meta.list, err)
	}
	for _, m := range manifests {
		if rel, ok := tio.relative(m.FilePath()); ok {
			snap.aux = append(snap.aux, MetadataFile{Path: rel, Role: "iceberg manifest"})
		}
	}
	tasks, err := planIceberg(tio, meta, manifests)
	if tio.outside != "" { // (the error opening it, if any, says less)
		return nil, nil, fmt.Errorf("%s: file %s is outside the table's location %s", where, tio.outside, meta.location)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	byPath := map[string]int{}
	var files []FileInfo
	deletes := map[string]bool{}
	for _, t := range tasks {
		df := t.file
		if df.FileFormat() != iceberg.ParquetFile {
			return nil, nil, fmt.Errorf("%s: data file %s is %s: only Parquet data files are read", where, df.FilePath(), df.FileFormat())
		}
		rel, ok := tio.relative(df.FilePath())
		if !ok {
			return nil, nil, fmt.Errorf("%s: data file %s is outside the table's location %s", where, df.FilePath(), meta.location)
		}
		if _, seen := byPath[rel]; seen {
			return nil, nil, fmt.Errorf("%s: data file %s is listed twice", where, df.FilePath())
		}
		ice := &icebergFile{location: df.FilePath(), records: df.Count(), snap: snap}
		add := func(kind string, d iceberg.DataFile) error {
			drel, ok := tio.relative(d.FilePath())
			if !ok {
				return fmt.Errorf("%s: %s delete file %s is outside the table's location %s", where, kind, d.FilePath(), meta.location)
			}
			if kind != "deletion vector" && d.FileFormat() != iceberg.ParquetFile {
				return fmt.Errorf("%s: %s delete file %s is %s: only Parquet delete files are read", where, kind, d.FilePath(), d.FileFormat())
			}
			ice.deletes = append(ice.deletes, icebergDelete{kind: kind, path: drel, location: d.FilePath(), fields: d.EqualityFieldIDs(), file: d})
			if !deletes[drel] {
				deletes[drel] = true
				snap.aux = append(snap.aux, MetadataFile{Path: drel, Role: icebergRole(kind)})
				snap.deleteFiles++
				if kind == "equality" {
					snap.equality++
				}
			}
			return nil
		}
		for _, d := range t.positions {
			if err := add("position", d); err != nil {
				return nil, nil, err
			}
		}
		for _, d := range t.vectors {
			if err := add("deletion vector", d); err != nil {
				return nil, nil, err
			}
		}
		for _, d := range t.equalities {
			if err := add("equality", d); err != nil {
				return nil, nil, err
			}
		}
		byPath[rel] = len(files)
		files = append(files, FileInfo{Path: rel, Size: df.FileSizeBytes(), ice: ice})
	}
	slices.SortFunc(files, func(a, b FileInfo) int { return strings.Compare(a.Path, b.Path) })
	snap.aux = sortMetadataFiles(snap.aux)
	return files, snap, nil
}

// checkIcebergTable refuses what the reader does not apply exactly.
func checkIcebergTable(meta *icebergMetadata) error {
	if v := meta.version; v < 1 || v > 3 {
		return fmt.Errorf("format version %d is not supported (1 to 3 are)", v)
	}
	for _, f := range meta.schema.Fields() {
		if f.InitialDefault != nil {
			// v3: files written before the column was added read it as this
			// default, not as null; the reader fills absent columns with nulls.
			return fmt.Errorf("column %s has an initial default value (format v3 default values), which is not applied", f.Name)
		}
	}
	return nil
}

// readManifestList reads the snapshot's manifest list.
func readManifestList(tio *icebergFS, loc string) (_ []iceberg.ManifestFile, err error) {
	f, err := tio.Open(loc)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return iceberg.ReadManifestList(f)
}

// icebergFS is the file system iceberg-go reads the table through: the input's
// file system, with the table's location mapped to the table folder.
type icebergFS struct {
	fsys     fs.FS
	dir      string
	location *url.URL // the table's location; nil before the metadata is read

	mu      sync.Mutex // iceberg-go opens manifests from several goroutines
	outside string     // the first location asked for outside the table's, if any
}

// parseLocation parses an Iceberg location: a URL (file:, s3:, s3a:, gs:, abfss:,
// …) or an absolute path. (The user part of abfss://container@account/ is the
// container, not a credential.)
func parseLocation(loc string) (*url.URL, error) {
	u, err := url.Parse(loc)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(u.Scheme) {
	case "":
		if !strings.HasPrefix(u.Path, "/") {
			return nil, errors.New("neither a URL nor an absolute path")
		}
		u.Scheme = "file"
	case "s3a", "s3n":
		u.Scheme = "s3"
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Path = path.Clean("/" + u.Path)
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// relative maps a location named in the metadata to a slash path relative to the
// input root: under the table's location, it is under the table folder.
func (i *icebergFS) relative(loc string) (string, bool) {
	if i.location == nil {
		return "", false
	}
	u, err := parseLocation(loc)
	if err != nil || u.Scheme != i.location.Scheme || u.Host != i.location.Host || u.User.String() != i.location.User.String() {
		return "", false
	}
	rest, ok := strings.CutPrefix(u.Path, i.location.Path)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/") && i.location.Path != "/") {
		return "", false
	}
	rel := path.Join(i.dir, strings.TrimPrefix(rest, "/"))
	if !fs.ValidPath(rel) || rel == i.dir {
		return "", false
	}
	return rel, true
}

// Open opens a file named by a location of the metadata, or (the metadata file
// itself) by its slash path.
func (i *icebergFS) Open(name string) (icebergio.File, error) {
	p := name
	if !fs.ValidPath(name) || strings.Contains(name, ":") {
		rel, ok := i.relative(name)
		if !ok {
			i.mu.Lock()
			if i.outside == "" {
				i.outside = name
			}
			i.mu.Unlock()
			return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("outside the table's location: %w", fs.ErrNotExist)}
		}
		p = rel
	}
	f, err := i.fsys.Open(p)
	if err != nil {
		return nil, err
	}
	rf, ok := f.(icebergio.File)
	if !ok {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: p, Err: errors.New("the input's files do not allow random access")}
	}
	return rf, nil
}

// Remove is refused: the reader never changes a table.
func (i *icebergFS) Remove(name string) error {
	return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrPermission}
}

// fileColumnName returns the name in the data file pf of the current column
// cur: the top-level column with its field id, "" when the file has none (a
// column added after the file was written); in a file without field ids, the
// column called cur.
func (s *icebergSnapshot) fileColumnName(pf *parquetFile, cur string) string {
	if pf.empty {
		return ""
	}
	id, ok := s.fields[cur]
	root := pf.rdr.MetaData().Schema.Root()
	withIDs := false
	for i := range root.NumFields() {
		fid := root.Field(i).FieldID()
		withIDs = withIDs || fid >= 0
		if ok && fid >= 0 && int(fid) == id {
			return root.Field(i).Name()
		}
	}
	if withIDs || root.FieldIndexByName(cur) < 0 {
		return ""
	}
	return cur
}

// icebergRole is a delete file's role among a table's metadata files.
func icebergRole(kind string) string {
	if kind == "deletion vector" {
		return "iceberg deletion vector"
	}
	return "iceberg " + kind + " delete file"
}
