package readers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// A Delta Lake table is a folder holding _delta_log/: its commits
// (<version>.json, one action a line) and checkpoints (<version>.checkpoint.parquet,
// or <version>.checkpoint.<part>.<parts>.parquet in several parts), each checkpoint
// the state of the table at its version. SPEC §2 (v2): "A table folder holding a
// Delta Lake table (_delta_log/) ... is read as that table's current snapshot:
// removed files, deletion vectors and delete files applied. A table format the
// program cannot apply exactly is refused with an error naming it, never read as
// plain part files."
//
// The snapshot is the newest version in the log. It is replayed from the newest
// complete checkpoint found by listing _delta_log/ (the one _last_checkpoint points
// to, unless that hint is stale), then every later commit in version order; without
// a checkpoint, from commit 0. The data files are the live add actions (an add of a
// path and deletion vector that a later remove of the same path and deletion vector
// does not take back), read in lexical order of their path. The rows a file's
// deletion vector names are not in the table (deletionvector.go).

// deltaLogDir is the folder of a Delta table's log.
const deltaLogDir = "_delta_log"

// deltaReaderFeatures are the reader features of protocol version 3 that are
// applied exactly. columnMapping is applied only in mode "none" (see
// checkProtocol); every other reader feature is refused, naming it.
var deltaReaderFeatures = []string{
	"deletionVectors",      // applied: the rows named are not read
	"timestampNtz",         // TIMESTAMP without time zone: a wall-clock time, as any Parquet file's
	"vacuumProtocolCheck",  // concerns VACUUM only
	"columnMapping",        // only with delta.columnMapping.mode none
	"checkpointProtection", // concerns writers that clean the log only
}

// deltaSnapshot is the state of a Delta table at its newest version.
type deltaSnapshot struct {
	version    int64
	files      []deltaFile    // in lexical order of their path
	partitions []string       // metaData.partitionColumns
	deleted    int64          // rows hidden by deletion vectors (their cardinality)
	withDVs    int            // files with a deletion vector
	aux        []MetadataFile // the log files replayed (checkpoint parts, commits) and the deletion vector files
}

// deltaFile is one live data file of the snapshot.
type deltaFile struct {
	path            string             // slash path relative to the input root
	size            int64              // as the add action says
	partitionValues map[string]*string // null: a null partition value
	dv              *deletionVector
}

// deltaAction is one line of a commit, or one row of a checkpoint. Fields of
// actions the snapshot does not need (commitInfo, txn, cdc, domainMetadata) are
// not decoded.
type deltaAction struct {
	Add      *deltaAdd      `json:"add"`
	Remove   *deltaRemove   `json:"remove"`
	MetaData *deltaMetaData `json:"metaData"`
	Protocol *deltaProtocol `json:"protocol"`
}

type deltaAdd struct {
	Path            string          `json:"path"`
	PartitionValues deltaStringMap  `json:"partitionValues"`
	Size            int64           `json:"size"`
	DeletionVector  *deletionVector `json:"deletionVector"`
}

type deltaRemove struct {
	Path           string          `json:"path"`
	DeletionVector *deletionVector `json:"deletionVector"`
}

type deltaMetaData struct {
	Format struct {
		Provider string `json:"provider"`
	} `json:"format"`
	SchemaString     string         `json:"schemaString"`
	PartitionColumns []string       `json:"partitionColumns"`
	Configuration    deltaStringMap `json:"configuration"`
}

type deltaProtocol struct {
	MinReaderVersion int      `json:"minReaderVersion"`
	ReaderFeatures   []string `json:"readerFeatures"`
}

// deltaStringMap is a map<string,string> of the log: a JSON object in a commit, a
// list of {key, value} in a checkpoint read through Arrow's JSON encoding.
type deltaStringMap map[string]*string

func (m *deltaStringMap) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*m = nil
		return nil
	}
	var obj map[string]*string
	if err := json.Unmarshal(b, &obj); err == nil {
		*m = obj
		return nil
	}
	var pairs []struct {
		Key   string  `json:"key"`
		Value *string `json:"value"`
	}
	if err := json.Unmarshal(b, &pairs); err != nil {
		return fmt.Errorf("want a map of strings: %w", err)
	}
	*m = make(deltaStringMap, len(pairs))
	for _, p := range pairs {
		(*m)[p.Key] = p.Value
	}
	return nil
}

// isDeltaTable reports whether the table folder dir holds a Delta log.
func isDeltaTable(fsys fs.FS, dir string) bool {
	st, err := fs.Stat(fsys, path.Join(dir, deltaLogDir))
	return err == nil && st.IsDir()
}

// deltaLog is the listing of a _delta_log/ folder.
type deltaLog struct {
	commits     map[int64]string         // version -> file name
	checkpoints map[int64]map[int]string // version -> part (1-based; 1 for a single file) -> name
	parts       map[int64]int            // version -> number of parts its names declare
	mismatched  map[int64]bool           // parts declaring different totals
	uuidNamed   map[int64]string         // V2 checkpoints (<version>.checkpoint.<uuid>.<ext>)
	latest      int64                    // the newest version; -1 for none
}

// listDeltaLog lists the commits and checkpoints of the log folder logDir.
func listDeltaLog(fsys fs.FS, logDir string) (*deltaLog, error) {
	entries, err := fs.ReadDir(fsys, logDir)
	if err != nil {
		return nil, err
	}
	l := &deltaLog{commits: map[int64]string{}, checkpoints: map[int64]map[int]string{}, parts: map[int64]int{},
		mismatched: map[int64]bool{}, uuidNamed: map[int64]string{}, latest: -1}
	for _, e := range entries {
		name := e.Name()
		if len(name) < 21 || name[20] != '.' || !allDigits(name[:20]) || e.IsDir() {
			continue // _last_checkpoint, *.crc, _commits/, _staged_commits/, compacted logs
		}
		v, err := strconv.ParseInt(name[:20], 10, 64)
		if err != nil {
			continue
		}
		rest := name[21:]
		switch {
		case rest == "json":
			l.commits[v] = name
		case rest == "checkpoint.parquet":
			l.addCheckpoint(v, 1, 1, name)
		case strings.HasPrefix(rest, "checkpoint.") && strings.HasSuffix(rest, ".parquet"):
			mid := strings.TrimSuffix(strings.TrimPrefix(rest, "checkpoint."), ".parquet")
			a, b, ok := strings.Cut(mid, ".")
			if ok && len(a) == 10 && len(b) == 10 && allDigits(a) && allDigits(b) {
				part, _ := strconv.Atoi(a)
				parts, _ := strconv.Atoi(b)
				l.addCheckpoint(v, part, parts, name)
				continue
			}
			l.uuidNamed[v] = name
		case strings.HasPrefix(rest, "checkpoint.") && strings.HasSuffix(rest, ".json"):
			l.uuidNamed[v] = name
		default:
			continue // <v>.<v2>.compacted.json and others: the commits alone are the log
		}
		l.latest = max(l.latest, v)
	}
	return l, nil
}

func (l *deltaLog) addCheckpoint(v int64, part, parts int, name string) {
	if l.checkpoints[v] == nil {
		l.checkpoints[v] = map[int]string{}
		l.parts[v] = parts
	}
	if l.parts[v] != parts {
		l.mismatched[v] = true
	}
	l.checkpoints[v][part] = name
}

// complete reports whether the checkpoint of version v has every part.
func (l *deltaLog) complete(v int64) bool {
	ps, ok := l.checkpoints[v]
	if !ok || l.mismatched[v] || l.parts[v] < 1 || len(ps) != l.parts[v] {
		return false
	}
	for i := 1; i <= l.parts[v]; i++ {
		if ps[i] == "" {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// readDeltaSnapshot replays the log of the Delta table in the folder dir (a slash
// path under fsys) to its newest version. A log it cannot replay, or a table whose
// protocol asks for a reader feature it does not apply, is an error naming the
// table and what stopped it (the caller wraps it in ErrUnusable).
func readDeltaSnapshot(ctx context.Context, fsys fs.FS, table, dir string) (*deltaSnapshot, error) {
	logDir := path.Join(dir, deltaLogDir)
	where := fmt.Sprintf("table %s: Delta Lake table %s/", table, dir)
	l, err := listDeltaLog(fsys, logDir)
	if err != nil {
		return nil, fmt.Errorf("%s: read %s: %w", where, logDir, err)
	}
	if l.latest < 0 {
		return nil, Incomplete(fmt.Errorf("%s: %s/ holds no commit (<version>.json) or checkpoint: a table still being created?", where, logDir))
	}
	// The newest complete checkpoint from which every later commit is present.
	start := int64(-1)
	var cps []int64
	for v := range l.checkpoints {
		cps = append(cps, v)
	}
	slices.Sort(cps)
	for _, v := range slices.Backward(cps) {
		if l.complete(v) && commitsFrom(l, v+1) {
			start = v
			break
		}
	}
	if start < 0 {
		if !commitsFrom(l, 0) {
			if v, ok := l.uuidNamed[l.latest]; ok {
				return nil, fmt.Errorf("%s: its log needs the V2 checkpoint %s/%s (reader feature v2Checkpoint), which is not supported; export the table as plain Parquet files", where, logDir, v)
			}
			return nil, fmt.Errorf("%s: the log cannot be replayed to version %d: no complete checkpoint is followed by every later commit, and commit %d (%020d.json) is missing", where, l.latest, firstMissing(l, 0), firstMissing(l, 0))
		}
	}
	snap := &deltaSnapshot{version: l.latest}
	type key struct{ path, dv string }
	live := map[key]*deltaAdd{}
	var meta *deltaMetaData
	var proto *deltaProtocol
	apply := func(a deltaAction) {
		switch {
		case a.Add != nil:
			live[key{a.Add.Path, a.Add.DeletionVector.uniqueID()}] = a.Add
		case a.Remove != nil:
			delete(live, key{a.Remove.Path, a.Remove.DeletionVector.uniqueID()})
		case a.MetaData != nil:
			meta = a.MetaData
		case a.Protocol != nil:
			proto = a.Protocol
		}
	}
	if start >= 0 {
		for i := 1; i <= l.parts[start]; i++ {
			p := path.Join(logDir, l.checkpoints[start][i])
			snap.aux = append(snap.aux, MetadataFile{Path: p, Role: "delta checkpoint"})
			if err := readDeltaCheckpoint(ctx, fsys, p, func(a deltaAction) error {
				if a.Remove != nil {
					return nil // a checkpoint's removes are tombstones for VACUUM
				}
				apply(a)
				return nil
			}); err != nil {
				return nil, fmt.Errorf("%s: checkpoint %s: %w", where, p, err)
			}
		}
	}
	for v := start + 1; v <= l.latest; v++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := path.Join(logDir, l.commits[v])
		snap.aux = append(snap.aux, MetadataFile{Path: p, Role: "delta commit"})
		if err := readDeltaCommit(fsys, p, func(a deltaAction) error { apply(a); return nil }); err != nil {
			return nil, fmt.Errorf("%s: commit %s: %w", where, p, err)
		}
	}
	if proto == nil || meta == nil {
		what := "protocol"
		if proto != nil {
			what = "metaData"
		}
		return nil, fmt.Errorf("%s: the log up to version %d has no %s action", where, l.latest, what)
	}
	if err := checkDeltaProtocol(proto, meta); err != nil {
		return nil, fmt.Errorf("%s (version %d): %w; export the table as plain Parquet files", where, l.latest, err)
	}
	if meta.Format.Provider != "" && !strings.EqualFold(meta.Format.Provider, "parquet") {
		return nil, fmt.Errorf("%s (version %d): data files of format %q are not supported", where, l.latest, meta.Format.Provider)
	}
	snap.partitions = meta.PartitionColumns
	seen := map[string]bool{}
	for k, a := range live {
		rel, err := deltaDataPath(a.Path)
		if err != nil {
			return nil, fmt.Errorf("%s (version %d): data file %q: %w", where, l.latest, k.path, err)
		}
		p := path.Join(dir, rel)
		if seen[p] {
			return nil, fmt.Errorf("%s (version %d): data file %s is added twice with different deletion vectors: the log is inconsistent", where, l.latest, p)
		}
		seen[p] = true
		if a.DeletionVector != nil {
			snap.withDVs++
			snap.deleted += a.DeletionVector.Cardinality
			if a.DeletionVector.StorageType == "u" {
				if rel, err := a.DeletionVector.relPath(); err == nil {
					snap.aux = append(snap.aux, MetadataFile{Path: path.Join(dir, rel), Role: "delta deletion vector"})
				}
			}
		}
		snap.files = append(snap.files, deltaFile{path: p, size: a.Size, partitionValues: a.PartitionValues, dv: a.DeletionVector})
	}
	slices.SortFunc(snap.files, func(a, b deltaFile) int { return strings.Compare(a.path, b.path) })
	snap.aux = sortMetadataFiles(snap.aux)
	return snap, nil
}

// commitsFrom reports whether every commit from version v to the newest is in the log.
func commitsFrom(l *deltaLog, v int64) bool { return firstMissing(l, v) > l.latest }

func firstMissing(l *deltaLog, v int64) int64 {
	for ; v <= l.latest; v++ {
		if _, ok := l.commits[v]; !ok {
			return v
		}
	}
	return v
}

// deltaDataPath turns an add action's path (a URI relative to the table folder)
// into a slash path relative to it. An absolute URI (a file outside the table
// folder, as shallow clones write) is refused.
func deltaDataPath(p string) (string, error) {
	u, err := url.Parse(p)
	if err != nil {
		return "", fmt.Errorf("not a relative URI: %w", err)
	}
	if u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "/") {
		return "", errors.New("an absolute path outside the table folder is not supported")
	}
	rel := path.Clean(u.Path)
	if !fs.ValidPath(rel) || rel == "." || strings.HasPrefix(rel, "../") {
		return "", errors.New("not a path inside the table folder")
	}
	return rel, nil
}

// checkDeltaProtocol refuses a table whose protocol asks for a reader feature
// that is not applied exactly (deltaReaderFeatures), naming the feature.
func checkDeltaProtocol(p *deltaProtocol, m *deltaMetaData) error {
	mode := ""
	if v := m.Configuration["delta.columnMapping.mode"]; v != nil {
		mode = *v
	}
	switch {
	case p.MinReaderVersion > 3:
		return fmt.Errorf("reader version %d is not supported (up to 3)", p.MinReaderVersion)
	case p.MinReaderVersion == 3:
		for _, f := range p.ReaderFeatures {
			if !slices.Contains(deltaReaderFeatures, f) {
				return fmt.Errorf("reader feature %s is not supported", f)
			}
		}
	}
	if mode != "" && mode != "none" && p.MinReaderVersion >= 2 {
		return fmt.Errorf("reader feature columnMapping (delta.columnMapping.mode %s) is not supported", mode)
	}
	return nil
}

// readDeltaCommit calls fn with each action of the commit file p, in order.
func readDeltaCommit(fsys fs.FS, p string, fn func(deltaAction) error) error {
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return err
	}
	for n, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var a deltaAction
		if err := json.Unmarshal(line, &a); err != nil {
			return fmt.Errorf("line %d: %w", n+1, err)
		}
		if err := a.check(); err != nil {
			return fmt.Errorf("line %d: %w", n+1, err)
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// check refuses an action without what replay needs.
func (a deltaAction) check() error {
	switch {
	case a.Add != nil && a.Add.Path == "":
		return errors.New("add action without a path")
	case a.Remove != nil && a.Remove.Path == "":
		return errors.New("remove action without a path")
	}
	return nil
}

// deltaCheckpointColumns are the top-level columns of a checkpoint that replay reads.
var deltaCheckpointColumns = []string{"add", "remove", "metaData", "protocol"}

// readDeltaCheckpoint calls fn with each action of the checkpoint Parquet file p.
// The rows are read with arrow-go and turned into the actions' JSON by Arrow's
// own encoding, so that a commit and a checkpoint decode through one type.
func readDeltaCheckpoint(ctx context.Context, fsys fs.FS, p string, fn func(deltaAction) error) (err error) {
	f, err := openFile(ctx, fsys, p)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	src, _, err := readerAtSeeker(f, info)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupt checkpoint (parquet reader panicked: %v)", r)
		}
	}()
	pr, err := file.NewParquetReader(src, file.WithReadProps(parquet.NewReaderProperties(memory.DefaultAllocator)))
	if err != nil {
		return err
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	var leaves []int
	for _, fld := range fr.Manifest.Fields {
		if slices.Contains(deltaCheckpointColumns, fld.Field.Name) {
			leaves = appendLeaves(leaves, fld)
		}
	}
	if len(leaves) == 0 {
		return errors.New("no add, remove, metaData or protocol column")
	}
	rr, err := fr.GetRecordReader(ctx, leaves, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	var buf bytes.Buffer
	for {
		rec, err := rr.Read()
		if errors.Is(err, io.EOF) || (err == nil && rec == nil) {
			return nil
		}
		if err != nil {
			return err
		}
		buf.Reset()
		if err := array.RecordToJSON(rec, &buf); err != nil {
			return err
		}
		dec := json.NewDecoder(&buf)
		for {
			var a deltaAction
			if err := dec.Decode(&a); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return err
			}
			if err := a.check(); err != nil {
				return err
			}
			if err := fn(a); err != nil {
				return err
			}
		}
	}
}

// appendLeaves appends the leaf column indices of the field f.
func appendLeaves(out []int, f pqarrow.SchemaField) []int {
	if len(f.Children) == 0 {
		return append(out, f.ColIndex)
	}
	for _, c := range f.Children {
		out = appendLeaves(out, c)
	}
	return out
}
