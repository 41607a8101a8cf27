package readers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/recoverykpi/recoverykpi/internal/bufpool"
	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// FileInfo is one part file of a table.
type FileInfo struct {
	Path string // slash path relative to the input root
	Size int64  // bytes
	Rows int64  // rows, as the footer declares them (set by Discover)

	info       fs.FileInfo     // the Stat of the handle whose footer Discover checked
	partitions []partition     // the Hive partition folders on Path, outermost first (a Delta file's partitionValues)
	dv         *deletionVector // the rows of a Delta table's file that are deleted; nil for none
	ice        *icebergFile    // an Iceberg table's data file: its delete files and field ids; nil for others
}

// Empty reports whether the file has no bytes at all: Hive's empty bucket,
// read as a part without rows or columns.
func (f FileInfo) Empty() bool { return f.Size == 0 }

// Extract is the extract set found by Discover: the tables present, each
// with its files and the columns they hold.
type Extract struct {
	tables []*TableSource
	absent []string // warnings of the tables found absent, in contract order
}

// Table returns the table called name, or nil when it is absent.
func (e *Extract) Table(name string) *TableSource {
	for _, t := range e.tables {
		if t.Def.Name == name {
			return t
		}
	}
	return nil
}

// Tables returns the present tables in the order of contract.Tables.
func (e *Extract) Tables() []*TableSource { return slices.Clone(e.tables) }

// TableSource is one present table: its contract, its part files in lexical
// path order, and the schema checked in Discover.
type TableSource struct {
	Def   contract.Table
	Files []FileInfo // lexical order of the full slash path

	fsys    fs.FS
	dir     string // the table folder; "" when the table is one file
	opts    Options
	mapping Mapping
	present []bool           // by contract column index
	files   [][]sourceColumn // by file, then contract column index (leaf -1 when absent)
	found   []string         // by contract column index: its name in the first file that has it
	warns   []string
	dbio    bool             // the folder holds Databricks commit markers
	delta   *deltaSnapshot   // the folder is a Delta table, read at this snapshot (delta.go)
	iceberg *icebergSnapshot // the folder is an Iceberg table, read at this snapshot (iceberg.go)
}

// Warnings returns what Discover accepted but a person should know, one sentence
// each: a column (or partition folder) matched to a contract column only when
// case is ignored; part files skipped by Databricks' commit markers (dbio.go).
func (t *TableSource) Warnings() []string { return slices.Clone(t.warns) }

// Warnings returns the warnings of every present table, in contract order, then
// those of tables read as absent (every part file skipped by Databricks' commit
// markers).
func (e *Extract) Warnings() []string {
	var out []string
	for _, t := range e.tables {
		out = append(out, t.warns...)
	}
	return append(out, e.absent...)
}

// Format names the table's layout as validate reports it: "single file" for
// <table>.parquet (or a mapped file), "plain parts" for a folder of part files,
// "delta (version N)" for a Delta Lake table read at its version N.
func (t *TableSource) Format() string {
	switch {
	case t.delta != nil:
		return fmt.Sprintf("delta (version %d)", t.delta.version)
	case t.iceberg != nil:
		return fmt.Sprintf("iceberg (format v%d, snapshot %d)", t.iceberg.formatVersion, t.iceberg.snapshotID)
	case t.dir == "":
		return "single file"
	case t.dbio:
		return "plain parts, Databricks commit markers"
	}
	return "plain parts"
}

// MetadataFile is a file that a table format's reader read besides the data files:
// a Delta Lake log's commits and checkpoint, its deletion vector files; an Iceberg
// table's metadata file, manifest list and manifests, and its delete files.
type MetadataFile struct {
	Path string // slash path relative to the input root
	Role string // e.g. "delta commit", "iceberg manifest", "iceberg position delete file"
}

// sortMetadataFiles sorts files by path and drops repeats.
func sortMetadataFiles(files []MetadataFile) []MetadataFile {
	slices.SortFunc(files, func(a, b MetadataFile) int { return strings.Compare(a.Path, b.Path) })
	return slices.CompactFunc(files, func(a, b MetadataFile) bool { return a.Path == b.Path })
}

// Snapshot describes the table format's snapshot the table was read at: the
// format ("delta" or "iceberg", "" for plain Parquet files), the Delta version or
// the Iceberg snapshot id, and Iceberg's format version (0 for Delta).
func (t *TableSource) Snapshot() (format string, version int64, formatVersion int) {
	switch {
	case t.delta != nil:
		return "delta", t.delta.version, 0
	case t.iceberg != nil:
		return "iceberg", t.iceberg.snapshotID, t.iceberg.formatVersion
	}
	return "", 0, 0
}

// MetadataFiles returns the files of the table format that were read besides the
// data files, in path order; nil for plain Parquet files.
func (t *TableSource) MetadataFiles() []MetadataFile {
	switch {
	case t.delta != nil:
		return slices.Clone(t.delta.aux)
	case t.iceberg != nil:
		return slices.Clone(t.iceberg.aux)
	}
	return nil
}

// PartitionColumns returns the keys of the Hive partition folders (key=value/)
// under the table folder, in order of first appearance, whether or not they
// supply a contract column (see Discover).
func (t *TableSource) PartitionColumns() []string { return partitionColumns(t.Files) }

// HasColumn reports whether the contract column name is present in the
// table's files (under its mapped name).
func (t *TableSource) HasColumn(name string) bool {
	for i, c := range t.Def.Columns {
		if c.Name == name {
			return t.present[i]
		}
	}
	return false
}

// SourceName returns the name that the contract column name has in the files:
// as found in the first file that has it (which may differ in case from the
// name looked for), else the config's mapping, else the contract name.
func (t *TableSource) SourceName(name string) string {
	for i, c := range t.Def.Columns {
		if c.Name == name && i < len(t.found) && t.found[i] != "" {
			return t.found[i]
		}
	}
	return t.lookupName(name)
}

// lookupName returns the name looked for in the files for the contract column
// name: the config's mapping, else the contract name.
func (t *TableSource) lookupName(name string) string {
	if s, ok := t.mapping.Columns[name]; ok && s != "" {
		return s
	}
	return name
}

// Discover finds every table of the extract set under fsys (the input root)
// and checks each file's schema from its footer before any data is read.
//
// A table is the file <table>.parquet or the folder <table>/ (or the
// Mapping's Path), whose files at any depth are its parts, in lexical order of
// their full slash path. A folder holding _delta_log/ is a Delta Lake table, whose
// parts are the data files of its newest version (deltaFiles, delta.go). In any
// other folder, names starting with "_" or "." (_SUCCESS, _temporary/,
// .part-0.parquet.crc) are skipped; every other file is a part
// whatever its name (Hive's 000000_0, Impala's .parq) and must hold the Parquet
// magic at its start and end, else it is an error naming it; a file of 0 bytes
// (Hive's empty bucket) is a part without rows. A folder without part files is
// an absent table, and one whose parts are all empty is an error wrapping
// ErrIncomplete.
//
// A Hive partition folder (segment=gold/, escaped as Hive escapes folder names,
// __HIVE_DEFAULT_PARTITION__ for null) on a part's path supplies the contract
// column of that name (its mapped name; case ignored with a warning) when the
// part lacks it, typed as the contract's kind says (see typePartition); once a
// part takes a column from a folder, every part with rows must hold it or sit
// under such a folder. A part that holds the column under a folder naming it
// too is read from the file, and a row that disagrees with the folder is an
// error. Folders naming no contract column (dt=2026-09-30/) add nothing.
//
// Every contract column present in a file must have a type of SPEC §2, even
// an optional one that no caller reads; every required column must be in
// every file; an optional column may be missing from some part files (its
// values are null in their rows), but the files that hold it must agree on its
// type family. A column is looked for under its mapped or contract name, else
// under a name that differs only in case (with a warning, see Warnings); two
// such names in one file are an error. Any such problem, an unreadable or
// non-Parquet file or a missing purchases table is an error wrapping
// ErrUnusable. A mapping naming an
// unknown table or column is an error that does not.
//
// A panic in this package's code is returned as an error wrapping ErrInternal.
func Discover(ctx context.Context, fsys fs.FS, opts Options) (_ *Extract, err error) {
	defer recoverInternal(&err, "discovering the extract set")
	for name, m := range opts.Tables {
		def, ok := contract.LookupTable(name)
		if !ok {
			return nil, fmt.Errorf("mapping names unknown table %q", name)
		}
		for c := range m.Columns {
			if _, ok := def.Column(c); !ok {
				return nil, fmt.Errorf("mapping of table %s names unknown column %q", name, c)
			}
		}
	}
	if opts.Allocator == nil {
		opts.Allocator = bufpool.New()
	}
	ex := &Extract{}
	for _, def := range contract.Tables() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := opts.Tables[def.Name]
		files, dir, warns, snap, err := findFiles(ctx, fsys, def.Name, m.Path)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, unusable(err)
		}
		if len(files) == 0 {
			ex.absent = append(ex.absent, warns...)
			if def.Required {
				if snap.delta != nil || snap.iceberg != nil {
					return nil, Incomplete(fmt.Errorf("missing required table %s (%s/ is a table whose current snapshot has no data files)", def.Name, dir))
				}
				if len(warns) > 0 {
					return nil, Incomplete(fmt.Errorf("missing required table %s (%s/ holds no committed part files: %s)", def.Name, dir, strings.Join(warns, "; ")))
				}
				if dir != "" {
					return nil, Incomplete(fmt.Errorf("missing required table %s (%s/ holds no part files; names starting with _ or . are skipped)", def.Name, dir))
				}
				where := m.Path
				if where == "" {
					where = def.Name + ".parquet or " + def.Name + "/"
				}
				return nil, Incomplete(fmt.Errorf("missing required table %s (looked for %s)", def.Name, where))
			}
			continue
		}
		t := &TableSource{Def: def, Files: files, fsys: fsys, dir: dir, opts: opts, mapping: m, warns: warns, dbio: warns != nil, delta: snap.delta, iceberg: snap.iceberg}
		if err := t.checkSchemas(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err() // cancelled, not unusable
			}
			return nil, unusable(err)
		}
		ex.tables = append(ex.tables, t)
	}
	return ex, nil
}

// findFiles lists a table's part files. p is the mapped path ("" = default). dir
// is the table folder found, "" when the table is a single file or nothing was found;
// warns say which files Databricks' commit markers made it skip; snap is the
// snapshot of a Delta or Iceberg table, whose data files are the parts
// (deltaFiles, icebergFiles).
func findFiles(ctx context.Context, fsys fs.FS, table, p string) (_ []FileInfo, dir string, warns []string, snap tableSnapshot, _ error) {
	var candidates []string
	if p == "" {
		candidates = []string{table + ".parquet", table}
	} else {
		clean := strings.TrimSuffix(path.Clean(strings.TrimPrefix(p, "./")), "/")
		if !fs.ValidPath(clean) {
			return nil, "", nil, tableSnapshot{}, fmt.Errorf("table %s: invalid path %q", table, p)
		}
		candidates = []string{clean}
	}
	for _, c := range candidates {
		st, err := fs.Stat(fsys, c)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", nil, tableSnapshot{}, fmt.Errorf("table %s: %w", table, err)
		}
		if !st.IsDir() {
			if err := regular(c, st); err != nil {
				return nil, "", nil, tableSnapshot{}, fmt.Errorf("table %s: %w", table, err)
			}
			return []FileInfo{{Path: c, Size: st.Size()}}, "", nil, tableSnapshot{}, nil
		}
		if isDeltaTable(fsys, c) {
			files, snap, err := deltaFiles(ctx, fsys, table, c)
			return files, c, nil, tableSnapshot{delta: snap}, err
		}
		if isIcebergTable(fsys, c) {
			files, snap, err := icebergFiles(ctx, fsys, table, c)
			return files, c, nil, tableSnapshot{iceberg: snap}, err
		}
		files, warns, err := walkParts(fsys, table, c)
		return files, c, warns, tableSnapshot{}, err
	}
	return nil, "", nil, tableSnapshot{}, nil
}

// tableSnapshot is the snapshot a table folder is read at when it holds a table
// format's metadata; both nil for plain part files.
type tableSnapshot struct {
	delta   *deltaSnapshot
	iceberg *icebergSnapshot
}

// icebergFiles returns the data files of the Iceberg table in the folder dir at
// its current snapshot (iceberg.go), checked against the sizes its manifests
// record.
func icebergFiles(ctx context.Context, fsys fs.FS, table, dir string) ([]FileInfo, *icebergSnapshot, error) {
	files, snap, err := readIcebergSnapshot(ctx, fsys, table, dir)
	if err != nil {
		return nil, nil, err
	}
	for i, f := range files {
		info, err := fs.Stat(fsys, f.Path)
		if err != nil {
			return nil, nil, fmt.Errorf("table %s: data file %s of Iceberg snapshot %d: %w", table, f.Path, snap.snapshotID, err)
		}
		if err := regular(f.Path, info); err != nil {
			return nil, nil, fmt.Errorf("table %s: %w", table, err)
		}
		if f.Size > 0 && info.Size() != f.Size {
			return nil, nil, Incomplete(fmt.Errorf("table %s: data file %s of Iceberg snapshot %d has %d bytes, its manifest says %d", table, f.Path, snap.snapshotID, info.Size(), f.Size))
		}
		files[i].Size = info.Size()
	}
	return files, snap, nil
}

// deltaFiles returns the data files of the Delta table in the folder dir at its
// newest version, in lexical order of their path, each with the partition values
// of its add action as its partitions (in the order of metaData.partitionColumns)
// and its deletion vector. A data file of the snapshot that is missing (removed
// by hand, or a VACUUM with too short a retention) is an error naming it.
func deltaFiles(ctx context.Context, fsys fs.FS, table, dir string) ([]FileInfo, *deltaSnapshot, error) {
	snap, err := readDeltaSnapshot(ctx, fsys, table, dir)
	if err != nil {
		return nil, nil, err
	}
	out := make([]FileInfo, 0, len(snap.files))
	for _, f := range snap.files {
		info, err := fs.Stat(fsys, f.path)
		if err != nil {
			return nil, nil, fmt.Errorf("table %s: data file %s of Delta version %d: %w", table, f.path, snap.version, err)
		}
		if err := regular(f.path, info); err != nil {
			return nil, nil, fmt.Errorf("table %s: %w", table, err)
		}
		if f.size > 0 && info.Size() != f.size {
			// Not the file the log added: rewritten in place, or still being copied.
			return nil, nil, Incomplete(fmt.Errorf("table %s: data file %s of Delta version %d has %d bytes, the log says %d", table, f.path, snap.version, info.Size(), f.size))
		}
		var parts []partition
		for _, k := range snap.partitions {
			v, ok := f.partitionValues[k]
			if !ok {
				return nil, nil, fmt.Errorf("table %s: data file %s of Delta version %d has no value for partition column %s", table, f.path, snap.version, k)
			}
			// PROTOCOL.md, "Partition Value Serialization": "An empty string for
			// any type translates to a null partition value."
			pt := partition{key: k, null: v == nil || *v == "", dir: fmt.Sprintf("%s (Delta partition value %s)", f.path, k)}
			if v != nil {
				pt.value = *v
			}
			parts = append(parts, pt)
		}
		out = append(out, FileInfo{Path: f.path, Size: info.Size(), partitions: parts, dv: f.dv})
	}
	return out, snap, nil
}

// walkParts lists the part files under the table folder dir, and the warnings
// of the files that Databricks' commit markers made it skip (dbio.go).
func walkParts(fsys fs.FS, table, dir string) ([]FileInfo, []string, error) {
	if err := refuseTableFormat(fsys, table, dir); err != nil {
		return nil, nil, err
	}
	var out []FileInfo
	markers := dbioMarkers{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("table %s: read %s: %w", table, p, err)
		}
		if p != dir && (strings.HasPrefix(d.Name(), "_") || strings.HasPrefix(d.Name(), ".")) {
			if d.IsDir() {
				return fs.SkipDir
			}
			if isDBIOMarker(d.Name()) && d.Type().IsRegular() {
				return markers.add(fsys, table, p, d.Name())
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		// Every other file is a part, whatever its name (Hive's 000000_0, Trino's
		// 20260101_..._<uuid>, Impala's .parq): openParquet refuses one that does not
		// hold the Parquet magic rather than let a table read as absent.
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("table %s: %s: %w", table, p, err)
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			// A link is followed to what it names; a link to a folder is not walked.
			if info, err = fs.Stat(fsys, p); err != nil {
				return fmt.Errorf("table %s: %s: %w", table, p, err)
			}
			if info.IsDir() {
				return nil
			}
		}
		// Refused rather than skipped: a part file that cannot be read is not an
		// absent part, and opening a named pipe would wait forever.
		if err := regular(p, info); err != nil {
			return fmt.Errorf("table %s: %w", table, err)
		}
		parts, err := partitionsOf(dir, p)
		if err != nil {
			return fmt.Errorf("table %s: %w", table, err)
		}
		out = append(out, FileInfo{Path: p, Size: info.Size(), partitions: parts})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(out, func(a, b FileInfo) int { return strings.Compare(a.Path, b.Path) })
	kept, warns, err := markers.filter(table, out)
	if err == nil && len(markers) > 0 && warns == nil {
		warns = []string{} // not nil: the folder holds markers (TableSource.Format)
	}
	return kept, warns, err
}

// checkSchemas reads every file's footer and fills t.present and t.files.
func (t *TableSource) checkSchemas(ctx context.Context) error {
	t.files = make([][]sourceColumn, len(t.Files))
	for i, f := range t.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		cols, pf, err := t.fileColumns(ctx, f)
		if err != nil {
			return err
		}
		t.files[i] = cols
		// The footer checked is of the file opened, whatever the path named when
		// it was listed; the decoder must open this same file.
		t.Files[i].Rows, t.Files[i].Size, t.Files[i].info = pf.rows, pf.size, pf.info
	}
	// A column is present when any part has it; SPEC §2 (v2): "Part files of one
	// table may differ by optional columns (schema evolution): a part without an
	// optional column has nulls there. They may not disagree on a column's kind."
	// (A part without a required column was refused by classifyFile.)
	t.present = make([]bool, len(t.Def.Columns))
	t.found = make([]string, len(t.Def.Columns))
	first := make([]int, len(t.Def.Columns)) // by contract column: the first file that has it
	for j, c := range t.Def.Columns {
		first[j] = -1
		for i := range t.files {
			b := t.files[i][j]
			if (b.leaf >= 0 || b.folder != nil) && !t.present[j] {
				// Its name in the first file that has it, or the folder key.
				t.present[j], t.found[j] = true, b.name
			}
			if b.leaf < 0 {
				continue // (a folder's value is typed as the contract says: no family to disagree)
			}
			if first[j] < 0 {
				first[j] = i
				continue
			}
			if a := t.files[first[j]][j]; a.family() != b.family() {
				return fmt.Errorf("table %s: part files disagree: column %s is %s (%s) in %s but %s (%s) in %s",
					t.Def.Name, t.SourceName(c.Name), a.family(), a.desc, t.Files[first[j]].Path, b.family(), b.desc, t.Files[i].Path)
			}
		}
	}
	if err := t.checkPartitionColumns(); err != nil {
		return err
	}
	// One warning per column and name found, naming the first file it came from.
	seen := map[string]bool{}
	for i, cols := range t.files {
		for _, sc := range cols {
			if sc.warning != "" && !seen[sc.warning] {
				seen[sc.warning] = true
				t.warns = append(t.warns, fmt.Sprintf("table %s: %s, first in %s", t.Def.Name, sc.warning, t.Files[i].Path))
			}
		}
	}
	return nil
}

// fileColumns opens one file's footer, classifies its contract columns and
// returns them with the file, closed, for its row count and Stat.
func (t *TableSource) fileColumns(ctx context.Context, f FileInfo) ([]sourceColumn, *parquetFile, error) {
	pf, err := openParquet(ctx, t.fsys, f.Path, t.opts.Allocator, 0, t.opts.Dictionaries)
	if err != nil {
		return nil, nil, err
	}
	defer pf.close()
	cols, err := t.classifyFile(f, pf)
	return cols, pf, err
}

// classifyFile finds and classifies the contract columns in one file. Each
// column's entry has the name it was found under (name, "" when absent) and
// the warning its match gave ("" for none). A contract column the file lacks
// is taken from a Hive partition folder on the file's path named like it
// (under its mapped name, case ignored with a warning like a column's); a
// column the file holds under such a folder too is read from the file and
// checked against the folder row by row (TableReader.process). An empty file
// (0 bytes) has no columns: a required one is not missing from it.
func (t *TableSource) classifyFile(f FileInfo, pf *parquetFile) ([]sourceColumn, error) {
	cols := make([]sourceColumn, len(t.Def.Columns))
	names := pf.columnNames()
	if f.ice != nil && !pf.empty && pf.rows != f.ice.records {
		return nil, Incomplete(fmt.Errorf("%s: table %s: the footer says %d rows, the Iceberg manifest %d", f.Path, t.Def.Name, pf.rows, f.ice.records))
	}
	var keys []string
	for _, pt := range f.partitions {
		keys = append(keys, pt.key)
	}
	var wall *WallClock
	for j, c := range t.Def.Columns {
		want := t.lookupName(c.Name)
		var name, warning string
		var err error
		if f.ice != nil {
			// Iceberg: matched by name in the current schema, then by field id in
			// the file, which may have it under an older name.
			var cur string
			if cur, warning, err = matchColumn(f.ice.snap.names, want); err != nil {
				return nil, fmt.Errorf("%s: table %s: column %s: %w", f.Path, t.Def.Name, want, err)
			}
			if cur != "" {
				name = f.ice.snap.fileColumnName(pf, cur)
				if name == "" && !pf.empty && f.ice.snap.identity[f.ice.snap.fields[cur]] {
					// A file written without its identity partition column (a table
					// migrated from Hive, add_files): its value is only in the
					// manifest's partition tuple, which is not read.
					return nil, fmt.Errorf("%s: table %s: column %s is not in the data file; Iceberg keeps its values only in the partition data (a table migrated from Hive?), which is not read", f.Path, t.Def.Name, cur)
				}
			}
		} else if name, warning, err = matchColumn(names, want); err != nil {
			return nil, fmt.Errorf("%s: table %s: column %s: %w", f.Path, t.Def.Name, want, err)
		}
		var folder *partitionValue
		key, keyWarning, err := matchColumn(keys, want)
		if err != nil {
			return nil, fmt.Errorf("%s: table %s: partition column %s: %w", f.Path, t.Def.Name, want, err)
		}
		if key != "" {
			if wall == nil {
				wall = NewWallClock(t.opts.location())
			}
			pt := f.partitions[slices.Index(keys, key)]
			pv, err := typePartition(c.Kind, pt, wall)
			if err != nil {
				return nil, fmt.Errorf("%s: table %s: column %s: %w", f.Path, t.Def.Name, want, err)
			}
			folder = &pv
		}
		if found, bad := pf.unreadable[name]; bad && name != "" {
			return nil, fmt.Errorf("%s: table %s: column %s: want %s, found %s", f.Path, t.Def.Name, name, c.Kind, found)
		}
		node, dt, leaf, ok := pf.column(name)
		if !ok {
			switch {
			case folder != nil:
				if keyWarning != "" {
					keyWarning = fmt.Sprintf("column %s is read from partition folders %s=… (the names differ only in case)", want, key)
				}
				cols[j] = sourceColumn{leaf: -1, folder: folder, kind: c.Kind, arrow: normalisedType(c.Kind),
					desc: "partition folder", name: key, warning: keyWarning}
				continue
			case c.Required && !pf.empty:
				return nil, fmt.Errorf("%s: table %s: missing required column %s", f.Path, t.Def.Name, want)
			}
			cols[j] = sourceColumn{leaf: -1}
			continue
		}
		sc, err := classify(c.Kind, node, dt)
		if err != nil {
			return nil, fmt.Errorf("%s: table %s: column %s: %w", f.Path, t.Def.Name, name, err)
		}
		sc.leaf = leaf
		sc.name, sc.warning = name, warning
		sc.folder = folder
		cols[j] = sc
	}
	return cols, nil
}

// checkPartitionColumns checks, once every file is classified, that a contract
// column some part takes from a partition folder is supplied to every part
// that has rows, by its file or by a folder: a part outside the partition
// folders of a partitioned table would otherwise read as nulls there, without
// a word. It also refuses a table whose parts are all empty (0 bytes): with no
// schema at all it cannot be told from files still being written.
func (t *TableSource) checkPartitionColumns() error {
	allEmpty := true
	for _, f := range t.Files {
		allEmpty = allEmpty && f.Empty()
	}
	if allEmpty {
		return Incomplete(fmt.Errorf("table %s: every file of the table is empty (0 bytes), so it has no schema (still being written?): %s", t.Def.Name, t.Files[0].Path))
	}
	for j, c := range t.Def.Columns {
		from := -1 // the first file that takes it from a folder
		for i := range t.files {
			if t.files[i][j].leaf < 0 && t.files[i][j].folder != nil {
				from = i
				break
			}
		}
		if from < 0 {
			continue
		}
		for i, f := range t.Files {
			if b := t.files[i][j]; b.leaf < 0 && b.folder == nil && !f.Empty() {
				return fmt.Errorf("table %s: column %s comes from partition folders (%s) but %s is in no %s=… folder and does not hold the column",
					t.Def.Name, t.lookupName(c.Name), t.files[from][j].folder.dir, f.Path, t.files[from][j].name)
			}
		}
	}
	return nil
}

// matchColumn finds the column want among a file's top-level column names.
// SPEC §2 (v2): "A column whose name matches a contract column only when case
// is ignored is matched, with a warning in the log and on the Audit sheet; two
// such candidates are an error." A column named exactly want is taken, with a
// warning naming any other that differs from it only in case. It returns ""
// when no column matches.
func matchColumn(names []string, want string) (name, warning string, err error) {
	exact := false
	var folded []string
	for _, n := range names {
		switch {
		case n == want:
			exact = true
		case strings.EqualFold(n, want):
			folded = append(folded, n)
		}
	}
	switch {
	case exact && len(folded) > 0:
		return want, fmt.Sprintf("column %s is read; %s, which differs from it only in case, is not", want, strings.Join(folded, " and ")), nil
	case exact:
		return want, "", nil
	case len(folded) == 1:
		return folded[0], fmt.Sprintf("column %s is read from %s (the names differ only in case)", want, folded[0]), nil
	case len(folded) > 1:
		return "", "", fmt.Errorf("several columns differ from it only in case: %s", strings.Join(folded, " and "))
	}
	return "", "", nil
}

// refuseTableFormat stops a table folder that looks like a table format's but
// could not be read as one: a metadata/ folder with *.metadata.json files none of
// which is named by a version number (isIcebergTable). Its part files include
// removed files, rows hidden by delete files, and files of uncommitted writes, so
// reading them as plain Parquet would misread the table without a word (SPEC §2: a
// table format that cannot be applied exactly is refused, naming it).
func refuseTableFormat(fsys fs.FS, table, dir string) error {
	entries, err := fs.ReadDir(fsys, path.Join(dir, icebergMetadataDir))
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".metadata.json") {
			return fmt.Errorf("%w: table %s: %s/ looks like an Iceberg table (%s/metadata/%s), but no metadata file is named by its version (v<N>.metadata.json or <N>-<uuid>.metadata.json), so its current snapshot is unknown; export the table as plain Parquet files", ErrUnusable, table, dir, dir, e.Name())
		}
	}
	return nil
}
