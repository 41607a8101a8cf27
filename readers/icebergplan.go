package readers

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/iceberg-go"
)

// Planning an Iceberg table's current snapshot: its table metadata (parsed
// here), its manifest list and manifests (read by iceberg-go's root package),
// and which delete files apply to which data file (the spec's "Scan Planning",
// as Java's DeleteFileIndex and iceberg-go's table package do it).
//
// This is not iceberg-go's table package because importing that package costs
// every run of the program, Iceberg or not, about 0.1 s at start-up: it brings
// in Substrait's function catalogue, which is parsed from YAML when the program
// starts (81 ms and 32 MB in GODEBUG=inittrace=1). TestIcebergPlanAsIcebergGo
// checks this planning against iceberg-go's Scan().PlanFiles on the test tables.
//
// One difference, on purpose: iceberg-go leaves out an equality delete file
// whose column bounds show it cannot delete a row of the data file; here it is
// applied, and deletes nothing. The rows read are the same.

// icebergMetadata is what the reader takes from a table metadata file.
type icebergMetadata struct {
	version    int
	location   string
	schema     *iceberg.Schema // the current schema
	specs      map[int]iceberg.PartitionSpec
	snapshotID int64  // the current snapshot
	list       string // its manifest list; "" when there is no snapshot
}

// icebergMetadataJSON is the table metadata file's JSON (format versions 1 to 3).
type icebergMetadataJSON struct {
	FormatVersion     *int                  `json:"format-version"`
	Location          string                `json:"location"`
	Schema            json.RawMessage       `json:"schema"`
	Schemas           []json.RawMessage     `json:"schemas"`
	CurrentSchemaID   *int                  `json:"current-schema-id"`
	PartitionSpec     json.RawMessage       `json:"partition-spec"`
	PartitionSpecs    []json.RawMessage     `json:"partition-specs"`
	CurrentSnapshotID *int64                `json:"current-snapshot-id"`
	Snapshots         []icebergSnapshotJSON `json:"snapshots"`
}

// icebergSnapshotJSON is a snapshot in the table metadata file.
type icebergSnapshotJSON struct {
	SnapshotID   int64  `json:"snapshot-id"`
	ManifestList string `json:"manifest-list"`
}

// readIcebergMetadata reads and parses the metadata file, gzip-compressed when its
// name says so.
func readIcebergMetadata(r io.Reader, name string) (*icebergMetadata, error) {
	if strings.HasSuffix(name, ".gz.metadata.json") || strings.HasSuffix(name, ".metadata.json.gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return parseIcebergMetadata(data)
}

// parseIcebergMetadata parses a table metadata file's JSON.
func parseIcebergMetadata(data []byte) (*icebergMetadata, error) {
	var j icebergMetadataJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, err
	}
	if j.FormatVersion == nil {
		return nil, errors.New("invalid or missing format-version")
	}
	m := &icebergMetadata{version: *j.FormatVersion, location: j.Location, specs: map[int]iceberg.PartitionSpec{}}
	if m.version < 1 || m.version > 3 {
		return m, nil // refused by checkIcebergTable, naming the version
	}
	if m.location == "" {
		return nil, errors.New("no table location")
	}

	// The current schema: the one of current-schema-id among schemas, or (format v1)
	// schema.
	schemas := j.Schemas
	if len(schemas) == 0 && len(j.Schema) > 0 {
		schemas = []json.RawMessage{j.Schema}
	}
	for _, raw := range schemas {
		var sc iceberg.Schema
		if err := json.Unmarshal(raw, &sc); err != nil {
			return nil, fmt.Errorf("schema: %w", err)
		}
		if j.CurrentSchemaID == nil || sc.ID == *j.CurrentSchemaID {
			m.schema = &sc
			if j.CurrentSchemaID == nil {
				break
			}
		}
	}
	if m.schema == nil {
		if j.CurrentSchemaID != nil {
			return nil, fmt.Errorf("the current schema (id %d) is not among its schemas", *j.CurrentSchemaID)
		}
		return nil, errors.New("no schema")
	}

	// The partition specs: partition-specs, or (format v1) partition-spec, the
	// fields of spec 0.
	for _, raw := range j.PartitionSpecs {
		var spec iceberg.PartitionSpec
		if err := json.Unmarshal(raw, &spec); err != nil {
			return nil, fmt.Errorf("partition spec: %w", err)
		}
		m.specs[spec.ID()] = spec
	}
	if len(j.PartitionSpecs) == 0 && len(j.PartitionSpec) > 0 {
		var spec iceberg.PartitionSpec
		raw := append(append([]byte(`{"spec-id":0,"fields":`), j.PartitionSpec...), '}')
		if err := json.Unmarshal(raw, &spec); err != nil {
			return nil, fmt.Errorf("partition spec: %w", err)
		}
		m.specs[0] = spec
	}

	// The current snapshot (-1 or absent: none, a table never written).
	if j.CurrentSnapshotID == nil || *j.CurrentSnapshotID == -1 {
		return m, nil
	}
	id := *j.CurrentSnapshotID
	i := slices.IndexFunc(j.Snapshots, func(s icebergSnapshotJSON) bool { return s.SnapshotID == id })
	if i < 0 {
		return nil, fmt.Errorf("the current snapshot %d is not among its snapshots", id)
	}
	s := j.Snapshots[i]
	if s.ManifestList == "" {
		return nil, fmt.Errorf("snapshot %d has no manifest list (format v1 snapshots listing their manifests directly are not read)", id)
	}
	m.snapshotID, m.list = id, s.ManifestList
	return m, nil
}

// icebergTask is a data file of the snapshot with the delete files that apply to it.
type icebergTask struct {
	file       iceberg.DataFile
	positions  []iceberg.DataFile // position delete files
	vectors    []iceberg.DataFile // deletion vectors (at most one)
	equalities []iceberg.DataFile // equality delete files
}

// readManifests reads the entries of the manifests (at most four at a time: on
// object storage each is a request), in the order of the list; deleted entries
// are left out.
func readManifests(fsys *icebergFS, manifests []iceberg.ManifestFile) ([][]iceberg.ManifestEntry, error) {
	out := make([][]iceberg.ManifestEntry, len(manifests))
	errs := make([]error, len(manifests))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, m := range manifests {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			defer func() {
				if r := recover(); r != nil {
					errs[i] = fmt.Errorf("%v", r)
				}
			}()
			for e, err := range m.Entries(fsys, true) {
				if err != nil {
					errs[i] = err
					return
				}
				out[i] = append(out[i], e)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("manifest %s: %w", manifests[i].FilePath(), err)
		}
	}
	return out, nil
}

// planIceberg returns the snapshot's data files, in the order of its manifests,
// each with the delete files that apply to it:
//   - a deletion vector that names the data file, of a sequence number not below
//     the data file's; then no position delete file applies;
//   - otherwise the position delete files of a sequence number not below the data
//     file's that name it (referenced_data_file, or equal file_path bounds), or that
//     are of its partition spec and partition and whose file_path bounds admit it;
//   - the equality delete files of a greater sequence number that are of an
//     unpartitioned spec, or of the data file's spec and partition.
func planIceberg(fsys *icebergFS, meta *icebergMetadata, manifests []iceberg.ManifestFile) ([]icebergTask, error) {
	// A delete manifest older than every data file deletes nothing.
	minSeq := int64(-1)
	for _, m := range manifests {
		if m.ManifestContent() == iceberg.ManifestContentData && (minSeq < 0 || m.MinSequenceNum() < minSeq) {
			minSeq = m.MinSequenceNum()
		}
	}
	minSeq = max(minSeq, 0)
	var dataManifests, deleteManifests []iceberg.ManifestFile
	for _, m := range manifests {
		switch {
		case m.ManifestContent() == iceberg.ManifestContentData:
			dataManifests = append(dataManifests, m)
		case m.SequenceNum() >= minSeq:
			deleteManifests = append(deleteManifests, m)
		}
	}

	deleteEntries, err := readManifests(fsys, deleteManifests)
	if err != nil {
		return nil, err
	}
	idx := icebergDeleteIndex{byPath: map[string][]iceberg.ManifestEntry{}, byPartition: map[string][]iceberg.ManifestEntry{},
		vectors: map[string]iceberg.ManifestEntry{}, eqByPartition: map[string][]iceberg.ManifestEntry{}}
	for _, entries := range deleteEntries {
		for _, e := range entries {
			if err := idx.add(meta, e); err != nil {
				return nil, err
			}
		}
	}
	idx.sort()

	dataEntries, err := readManifests(fsys, dataManifests)
	if err != nil {
		return nil, err
	}
	var tasks []icebergTask
	for _, entries := range dataEntries {
		for _, e := range entries {
			df := e.DataFile()
			if df.ContentType() != iceberg.EntryContentData {
				return nil, fmt.Errorf("data manifest entry %s holds %s", df.FilePath(), df.ContentType())
			}
			tasks = append(tasks, idx.forDataFile(e))
		}
	}
	return tasks, nil
}

// icebergDeleteIndex holds a snapshot's delete files by what they apply to; each
// list is in ascending order of sequence number.
type icebergDeleteIndex struct {
	byPath        map[string][]iceberg.ManifestEntry // position deletes naming one data file
	byPartition   map[string][]iceberg.ManifestEntry // other position deletes, by spec and partition
	vectors       map[string]iceberg.ManifestEntry   // deletion vectors by the data file they name
	eqGlobal      []iceberg.ManifestEntry            // equality deletes of unpartitioned specs
	eqByPartition map[string][]iceberg.ManifestEntry // other equality deletes, by spec and partition
}

func (x *icebergDeleteIndex) add(meta *icebergMetadata, e iceberg.ManifestEntry) error {
	df := e.DataFile()
	switch df.ContentType() {
	case iceberg.EntryContentPosDeletes:
		if df.FileFormat() == iceberg.PuffinFile {
			ref := df.ReferencedDataFile()
			if ref == nil {
				return fmt.Errorf("deletion vector %s names no data file", df.FilePath())
			}
			if _, dup := x.vectors[*ref]; dup {
				return fmt.Errorf("two deletion vectors for data file %s", *ref)
			}
			x.vectors[*ref] = e
			return nil
		}
		if p := referencedDataFile(df); p != "" {
			x.byPath[p] = append(x.byPath[p], e)
			return nil
		}
		key := icebergPartitionKey(df.SpecID(), df.Partition())
		x.byPartition[key] = append(x.byPartition[key], e)
	case iceberg.EntryContentEqDeletes:
		spec, ok := meta.specs[int(df.SpecID())]
		if !ok {
			return fmt.Errorf("equality delete file %s is of partition spec %d, which the metadata lacks", df.FilePath(), df.SpecID())
		}
		if spec.IsUnpartitioned() {
			x.eqGlobal = append(x.eqGlobal, e)
			return nil
		}
		key := icebergPartitionKey(df.SpecID(), df.Partition())
		x.eqByPartition[key] = append(x.eqByPartition[key], e)
	default:
		return fmt.Errorf("delete manifest entry %s holds %s", df.FilePath(), df.ContentType())
	}
	return nil
}

func (x *icebergDeleteIndex) sort() {
	bySeq := func(a, b iceberg.ManifestEntry) int { return cmp.Compare(a.SequenceNum(), b.SequenceNum()) }
	for _, l := range x.byPath {
		slices.SortStableFunc(l, bySeq)
	}
	for _, l := range x.byPartition {
		slices.SortStableFunc(l, bySeq)
	}
	slices.SortStableFunc(x.eqGlobal, bySeq)
	for _, l := range x.eqByPartition {
		slices.SortStableFunc(l, bySeq)
	}
}

func (x *icebergDeleteIndex) forDataFile(e iceberg.ManifestEntry) icebergTask {
	df := e.DataFile()
	seq := e.SequenceNum()
	t := icebergTask{file: df}
	key := icebergPartitionKey(df.SpecID(), df.Partition())
	// from returns the entries (ascending sequence numbers) from the first for
	// which ok holds.
	from := func(l []iceberg.ManifestEntry, ok func(int64) bool) []iceberg.ManifestEntry {
		return l[sort.Search(len(l), func(i int) bool { return ok(l[i].SequenceNum()) }):]
	}
	atLeast := func(s int64) bool { return s >= seq }
	if v, ok := x.vectors[df.FilePath()]; ok && (v.SequenceNum() < 0 || seq <= v.SequenceNum()) {
		// An unknown sequence number (-1) on either side applies: leaving the
		// deletion vector out would bring deleted rows back.
		t.vectors = []iceberg.DataFile{v.DataFile()}
	} else {
		for _, d := range from(x.byPartition[key], atLeast) {
			if filePathMayMatch(d.DataFile(), df.FilePath()) {
				t.positions = append(t.positions, d.DataFile())
			}
		}
		for _, d := range from(x.byPath[df.FilePath()], atLeast) {
			t.positions = append(t.positions, d.DataFile())
		}
	}
	after := func(s int64) bool { return s > seq }
	for _, d := range from(x.eqGlobal, after) {
		t.equalities = append(t.equalities, d.DataFile())
	}
	if len(x.eqByPartition) > 0 && len(df.Partition()) > 0 {
		for _, d := range from(x.eqByPartition[key], after) {
			t.equalities = append(t.equalities, d.DataFile())
		}
	}
	return t
}

// referencedDataFile returns the data file a position delete file names alone:
// its referenced_data_file, or the value of file_path when its lower and upper
// bounds are equal; "" when it may name several.
func referencedDataFile(df iceberg.DataFile) string {
	if ref := df.ReferencedDataFile(); ref != nil && *ref != "" {
		return *ref
	}
	lower, upper := df.LowerBoundValues()[positionDeleteFilePath], df.UpperBoundValues()[positionDeleteFilePath]
	if len(lower) == 0 || !bytes.Equal(lower, upper) {
		return ""
	}
	return string(lower)
}

// filePathMayMatch reports whether the position delete file's statistics of
// file_path admit the data file's path; missing statistics admit it.
func filePathMayMatch(d iceberg.DataFile, path string) bool {
	if d.Count() == 0 {
		return false
	}
	if vc, ok := d.ValueCounts()[positionDeleteFilePath]; ok {
		if nc, ok := d.NullValueCounts()[positionDeleteFilePath]; ok && nc == vc {
			return false
		}
	}
	if lower := d.LowerBoundValues()[positionDeleteFilePath]; lower != nil && bytes.Compare(lower, []byte(path)) > 0 {
		return false
	}
	if upper := d.UpperBoundValues()[positionDeleteFilePath]; upper != nil && bytes.Compare(upper, []byte(path)) < 0 {
		return false
	}
	return true
}

// icebergPartitionKey is a key equal for two files of the same partition spec and
// partition values (after their transforms), whatever Go type the manifest's Avro
// decoding gave an integer or a byte string.
func icebergPartitionKey(spec int32, partition map[int]any) string {
	ids := make([]int, 0, len(partition))
	for id := range partition {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(spec)))
	for _, id := range ids {
		b.WriteString("|")
		b.WriteString(strconv.Itoa(id))
		b.WriteString("=")
		switch v := partition[id].(type) {
		case nil:
			b.WriteString("null")
		case int:
			fmt.Fprintf(&b, "i%d", v)
		case int32:
			fmt.Fprintf(&b, "i%d", v)
		case int64:
			fmt.Fprintf(&b, "i%d", v)
		case string:
			b.WriteString("s" + strconv.Quote(v))
		case []byte:
			b.WriteString("s" + strconv.Quote(string(v)))
		default:
			fmt.Fprintf(&b, "%T:%v", v, v)
		}
	}
	return b.String()
}
