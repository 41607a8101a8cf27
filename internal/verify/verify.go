// Package verify checks a published edition against its manifest: it rehashes the
// inputs the manifest lists, reruns the quarter in memory with the recorded config,
// as_of and edition, and compares every output byte for byte. For a JSON or workbook
// that differs it names the first values or cells that changed.
package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/recoverykpi/recoverykpi"
	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/internal/objstore"
	"github.com/recoverykpi/recoverykpi/internal/publish"
	"github.com/recoverykpi/recoverykpi/warehouse"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// maxJSONDiffs bounds the JSON values a verify report shows per file.
const maxJSONDiffs = 12

// Report is what verify found, for people: the run it checked, what matched and
// each difference.
type Report struct {
	manifest string
	m        *manifest.Manifest
	inputs   int // inputs checked
	outputs  int // outputs compared
	files    int // published files checked beside the manifest
	chain    int // superseded manifests checked

	manifestOnly bool // Published: no inputs read, no rerun
	diffs        []string
	notes        []string
}

func (r *Report) differ(format string, a ...any) {
	r.diffs = append(r.diffs, fmt.Sprintf(format, a...))
}

// detail adds a line under the last difference.
func (r *Report) detail(format string, a ...any) {
	r.diffs[len(r.diffs)-1] += "\n      " + fmt.Sprintf(format, a...)
}
func (r *Report) note(format string, a ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, a...))
}

// Write prints the report.
func (r *Report) Write(w io.Writer) {
	var b strings.Builder
	if m := r.m; m != nil {
		fmt.Fprintf(&b, "verify %s: quarter %s, edition %d, as_of %s, input root %s, recoverykpi %s\n",
			r.manifest, m.Quarter, m.Edition, m.AsOf.Format(time.RFC3339Nano), m.InputRoot, m.Version)
	}
	for _, n := range r.notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	for _, d := range r.diffs {
		fmt.Fprintf(&b, "  %s\n", d)
	}
	switch {
	case len(r.diffs) == 0 && r.manifestOnly:
		fmt.Fprintf(&b, "OK: %d published files beside the manifest as recorded; %d superseded manifest(s) as recorded (inputs not read, no rerun)\n", r.files, r.chain)
	case len(r.diffs) == 0:
		fmt.Fprintf(&b, "OK: %d inputs unchanged; %d outputs and the manifest identical byte for byte; %d published files and %d superseded manifest(s) as recorded\n", r.inputs, r.outputs, r.files, r.chain)
	default:
		fmt.Fprintf(&b, "DIFFERENT: %d difference(s) from the manifest\n", len(r.diffs))
	}
	io.WriteString(w, b.String())
}

// Manifest re-hashes the inputs a manifest lists, reruns its quarter with the
// recorded config, as_of and edition in memory, and compares every output byte for
// byte. It publishes nothing. The error wraps ErrMismatch when anything differs.
// input, when not empty, is read instead of the recorded input root.
//
// The files beside the manifest and the supersedes chain are checked too (see
// Published): a published file missing or altered, or a superseded manifest missing or
// altered, is a difference.
//
// A manifest with a warehouse member is rerun against the warehouse of warehouseDSN
// (the same dialect and schema; the DSN is never recorded): the statements must
// hash and return as recorded and the outputs must be the same bytes. A warehouse
// without snapshots (PostgreSQL) can only be verified this way while its data is
// unchanged: a changed row shows as a difference, never as the old numbers.
func Manifest(ctx context.Context, manifestPath, input, warehouseDSN string) (*Report, error) {
	raw, m, err := readManifest(manifestPath)
	if err != nil {
		return nil, err
	}
	rep := &Report{manifest: manifestPath, m: m}
	published := filepath.Dir(manifestPath)
	checkPublished(rep, m, published)
	checkChain(rep, m, published)

	// The program and the config.
	if m.Version != recoverykpi.Version {
		rep.differ("program version: published %s, now %s", m.Version, recoverykpi.Version)
	}
	checkConfigSum(rep, m)
	cfg, err := config.Parse(m.ConfigYAML, "")
	if err != nil {
		return rep, fmt.Errorf("recorded config: %w", err)
	}
	if m.GoVersion != runtime.Version() {
		rep.note("built with %s, this binary with %s", m.GoVersion, runtime.Version())
	}
	now := job.Libraries()
	for i, l := range m.Libraries {
		if i < len(now) && now[i] != l {
			rep.note("library %s %s, this binary has %s %s", l.Path, l.Version, now[i].Path, now[i].Version)
		}
	}

	if m.Warehouse != nil {
		return verifyWarehouse(ctx, rep, m, raw, cfg, input, warehouseDSN, published)
	}

	// The inputs, file by file.
	fsys, where, closeInput, err := verifyInput(ctx, m.InputRoot, input)
	if err != nil {
		rep.differ("input root %s: %v", where, err)
	}
	defer closeInput()
	listed := map[string]bool{}
	for _, in := range m.Inputs {
		listed[in.Path] = true
		rep.inputs++
		if fsys == nil {
			rep.differ("input removed: %s", in.Path)
			continue
		}
		size, sum, err := job.HashFile(ctx, fsys, in.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			rep.differ("input removed: %s (%d bytes, sha256 %s)", in.Path, in.Size, in.SHA256)
		case err != nil:
			rep.differ("input unreadable: %s: %v", in.Path, err)
		case sum != in.SHA256:
			rep.differ("input changed: %s: published %d bytes, sha256 %s; now %d bytes, sha256 %s", in.Path, in.Size, in.SHA256, size, sum)
		}
	}
	if fsys == nil {
		return rep, fmt.Errorf("%w: %d difference(s)", ErrMismatch, len(rep.diffs))
	}

	// The rerun, into a scratch folder that only a failed quality gate would write to.
	scratch, err := os.MkdirTemp("", "recoverykpi-verify-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(scratch)
	asOf := m.AsOf
	outs, runErr := rerunManifest(ctx, job.New(cfg, fsys, m.InputRoot, scratch, &asOf), m)
	if runErr == nil {
		for _, in := range outs.inputs {
			if !listed[in.Path] {
				rep.differ("input added: %s (%d bytes, sha256 %s, %d rows)", in.Path, in.Size, in.SHA256, in.RowsRead)
			}
		}
		compareOutputs(rep, m, raw, outs.files, published)
	}
	if runErr != nil {
		// Without the rerun's list of what it read, name every Parquet file under the
		// root that the manifest does not list: one of them may be why it failed.
		for _, p := range unlistedParquet(fsys, listed) {
			rep.differ("input added: %s (a Parquet file under the input root that the manifest does not list)", p)
		}
	}
	switch {
	case runErr != nil && len(rep.diffs) > 0:
		rep.differ("rerun failed: %v", runErr)
		return rep, fmt.Errorf("%w: %d difference(s); the rerun failed: %v", ErrMismatch, len(rep.diffs), runErr)
	case runErr != nil:
		return rep, fmt.Errorf("rerun %s: %w", m.Quarter, runErr)
	case len(rep.diffs) > 0:
		return rep, fmt.Errorf("%w: %d difference(s)", ErrMismatch, len(rep.diffs))
	}
	return rep, nil
}

// verifyWarehouse reruns a warehouse manifest's quarter against the warehouse and
// compares the statements and the outputs.
func verifyWarehouse(ctx context.Context, rep *Report, m *manifest.Manifest, raw []byte, cfg *config.Config, input, dsn, published string) (*Report, error) {
	w := m.Warehouse
	switch {
	case input != "":
		return rep, fmt.Errorf("%w: this manifest's tables were read from a warehouse (%s, schema %s): drop --input", config.ErrInvalid, w.Dialect, w.Schema)
	case dsn == "":
		return rep, fmt.Errorf("%w: this manifest's tables were read from a warehouse (%s, host %s, database %s, schema %s): set RECOVERYKPI_WAREHOUSE_DSN to rerun its statements",
			config.ErrInvalid, w.Dialect, w.Host, w.Database, w.Schema)
	}
	rep.note("warehouse %s, host %s, database %s, schema %s: %d statements recorded; without a snapshot to return to, the rerun reads the tables as they are now",
		w.Dialect, w.Host, w.Database, w.Schema, len(w.Statements))
	cfg.Warehouse = &config.Warehouse{Dialect: w.Dialect, Schema: w.Schema, DSN: dsn}
	scratch, err := os.MkdirTemp("", "recoverykpi-verify-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(scratch)
	// A run that took SPEC §3's default as_of from the warehouse sent the statements
	// that find it: the rerun sends them again (and its as_of must come out the same).
	asOf := &m.AsOf
	for _, st := range w.Statements {
		if st.Role == warehouse.RoleQualityAsOf {
			asOf = nil
		}
	}
	j, err := job.NewWarehouse(cfg, scratch, asOf)
	if err != nil {
		return rep, err
	}
	l, err := j.Load(ctx)
	if err != nil {
		return rep, fmt.Errorf("rerun %s: %w", m.Quarter, err)
	}
	defer l.Close()
	files, err := j.Rerun(ctx, l, m.Quarter, m.Edition, m.Supersedes)
	if err != nil {
		return rep, fmt.Errorf("rerun %s: %w", m.Quarter, err)
	}
	now, err := manifest.Unmarshal(files[len(files)-1].Data)
	if err != nil || now.Warehouse == nil {
		return rep, fmt.Errorf("internal: rerun %s: its manifest records no warehouse statements (%v)", m.Quarter, err)
	}
	byRole := map[string]manifest.Statement{}
	for _, st := range now.Warehouse.Statements {
		byRole[st.Role] = st
	}
	for _, st := range w.Statements {
		got, ok := byRole[st.Role]
		switch {
		case !ok:
			rep.differ("warehouse statement %s: not sent by the rerun", st.Role)
		case got.SHA256 != st.SHA256:
			rep.differ("warehouse statement %s: its SQL changed (published sha256 %s, now %s)", st.Role, st.SHA256, got.SHA256)
		case got.Rows != st.Rows:
			rep.differ("warehouse statement %s: published %d rows, now %d: the warehouse data changed", st.Role, st.Rows, got.Rows)
		}
	}
	compareOutputs(rep, m, raw, files, published)
	if len(rep.diffs) > 0 {
		return rep, fmt.Errorf("%w: %d difference(s)", ErrMismatch, len(rep.diffs))
	}
	return rep, nil
}

// Published checks a manifest alone, without reading the inputs or rerunning: every
// file it lists must be beside it with the recorded bytes, its recorded config must
// hash to the recorded SHA-256, and each manifest of the supersedes chain must be
// beside it with the SHA-256 its successor recorded. It reads nothing else and writes
// nothing. The error wraps ErrMismatch when anything differs.
func Published(manifestPath string) (*Report, error) {
	_, m, err := readManifest(manifestPath)
	if err != nil {
		return nil, err
	}
	rep := &Report{manifest: manifestPath, m: m, manifestOnly: true}
	published := filepath.Dir(manifestPath)
	checkConfigSum(rep, m)
	checkPublished(rep, m, published)
	checkChain(rep, m, published)
	if len(rep.diffs) > 0 {
		return rep, fmt.Errorf("%w: %d difference(s)", ErrMismatch, len(rep.diffs))
	}
	return rep, nil
}

// readManifest reads and decodes the manifest to check; a file that is not there or
// not a manifest is a usage error.
func readManifest(manifestPath string) ([]byte, *manifest.Manifest, error) {
	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: manifest: %v", job.ErrUsage, err)
	}
	m, err := manifest.Unmarshal(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", job.ErrUsage, manifestPath, err)
	}
	return raw, m, nil
}

// checkConfigSum checks that the recorded config hashes to the recorded SHA-256.
func checkConfigSum(rep *Report, m *manifest.Manifest) {
	if got := manifest.Sum(m.ConfigYAML); got != m.ConfigSHA256 {
		rep.differ("config: the recorded YAML hashes to %s, the manifest says %s (the manifest was edited)", got, m.ConfigSHA256)
	}
}

// verifyInput opens the extract set to check: input when given, else the recorded
// root ("embedded:sample" is the sample in this binary; an object-store URL is read
// with the credentials of the environment). The returned function closes it.
func verifyInput(ctx context.Context, root, input string) (fs.FS, string, func(), error) {
	dir := root
	if input != "" {
		dir = input
	} else if root == job.SampleRoot {
		return recoverykpi.Sample(), root, func() {}, nil
	}
	if objstore.IsURL(dir) {
		fsys, where, closer, err := job.OpenInput(ctx, dir)
		if err != nil {
			return nil, objstore.Root(dir), func() {}, err
		}
		return fsys, where, func() { _ = closer.Close() }, nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, dir, func() {}, err
	}
	if !st.IsDir() {
		return nil, dir, func() {}, errors.New("not a folder")
	}
	return os.DirFS(dir), dir, func() {}, nil
}

// unlistedParquet returns the *.parquet files under fsys that are not listed, skipping
// names that start with "_" or "." as discovery does.
func unlistedParquet(fsys fs.FS, listed map[string]bool) []string {
	var out []string
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if p != "." && (strings.HasPrefix(d.Name(), "_") || strings.HasPrefix(d.Name(), ".")) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".parquet") && !listed[p] {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// rerun is what verify's in-memory rerun produced.
type rerun struct {
	inputs []manifest.InputFile
	files  []publish.File // in publishing order, the manifest last
}

// rerunManifest loads the extract set and renders the manifest's quarter and edition.
func rerunManifest(ctx context.Context, j *job.Job, m *manifest.Manifest) (*rerun, error) {
	l, err := j.Load(ctx)
	if err != nil {
		return nil, err
	}
	files, err := j.Rerun(ctx, l, m.Quarter, m.Edition, m.Supersedes)
	if err != nil {
		return nil, err
	}
	return &rerun{inputs: l.Inputs(), files: files}, nil
}

// compareOutputs compares the rerun's files with the manifest's outputs and the
// manifest itself, and checks the published files beside the manifest.
func compareOutputs(rep *Report, m *manifest.Manifest, raw []byte, files []publish.File, published string) {
	recorded := map[string]manifest.OutputFile{}
	for _, o := range m.Outputs {
		recorded[o.Path] = o
	}
	produced := map[string]bool{}
	body, manifestFile := files[:len(files)-1], files[len(files)-1]
	for _, f := range body {
		produced[f.Name] = true
		rep.outputs++
		rec, ok := recorded[f.Name]
		sum := manifest.Sum(f.Data)
		switch {
		case !ok:
			rep.differ("output added: %s (%d bytes, sha256 %s): the rerun produces it, the manifest does not list it", f.Name, len(f.Data), sum)
		case sum != rec.SHA256:
			rep.differ("output differs: %s: published %d bytes, sha256 %s; now %d bytes, sha256 %s", f.Name, rec.Size, rec.SHA256, len(f.Data), sum)
			switch {
			case strings.HasSuffix(f.Name, ".json"):
				jsonDiffs(rep, filepath.Join(published, filepath.FromSlash(f.Name)), rec.SHA256, f.Data)
			case strings.HasSuffix(f.Name, ".xlsx"):
				workbookDiffs(rep, filepath.Join(published, filepath.FromSlash(f.Name)), rec.SHA256, f.Data)
			}
		}
	}
	for _, o := range m.Outputs {
		if !produced[o.Path] {
			rep.outputs++
			rep.differ("output removed: %s (%d bytes, sha256 %s): listed in the manifest, the rerun does not produce it", o.Path, o.Size, o.SHA256)
		}
	}
	if len(rep.diffs) == 0 && !bytes.Equal(manifestFile.Data, raw) {
		rep.differ("manifest differs: the rerun's %s is not byte-identical to %s", manifestFile.Name, rep.manifest)
	}
}

// checkPublished checks the files on disk beside the manifest: each one it lists must
// be there with the bytes it records. A missing file (deleted, or never published) and
// a file edited after publication are differences.
func checkPublished(rep *Report, m *manifest.Manifest, published string) {
	for _, o := range m.Outputs {
		rep.files++
		b, err := os.ReadFile(filepath.Join(published, filepath.FromSlash(o.Path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			rep.differ("published file missing: %s (%d bytes, sha256 %s) is listed in the manifest and is not beside it", o.Path, o.Size, o.SHA256)
		case err != nil:
			rep.differ("published file unreadable: %s: %v", o.Path, err)
		default:
			if got := manifest.Sum(b); got != o.SHA256 {
				rep.differ("published file altered: %s hashes to %s, the manifest recorded %s", o.Path, got, o.SHA256)
			}
		}
	}
}

// checkChain follows the supersedes chain from m down to the first edition: each
// superseded manifest must be beside m, hash to the SHA-256 its successor recorded and
// be the edition before it. A missing, unrecorded or altered predecessor is a
// difference.
func checkChain(rep *Report, m *manifest.Manifest, published string) {
	cur, name := m, filepath.Base(rep.manifest)
	for cur.Edition > 1 {
		s := cur.Supersedes
		if s == nil {
			rep.differ("supersedes: %s is edition %d and names no edition it supersedes", name, cur.Edition)
			return
		}
		rep.chain++
		if s.Edition != cur.Edition-1 {
			rep.differ("supersedes: %s (edition %d) names edition %d, want %d", name, cur.Edition, s.Edition, cur.Edition-1)
		}
		if s.Manifest == "" || s.Manifest != filepath.Base(s.Manifest) {
			rep.differ("supersedes: %s names no manifest file beside it (%q)", name, s.Manifest)
			return
		}
		b, err := os.ReadFile(filepath.Join(published, s.Manifest))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			rep.differ("superseded manifest missing: %s (edition %d, sha256 %s), named by %s, is not beside it", s.Manifest, s.Edition, s.SHA256, name)
			return
		case err != nil:
			rep.differ("superseded manifest unreadable: %s: %v", s.Manifest, err)
			return
		}
		got := manifest.Sum(b)
		switch {
		case s.SHA256 == "":
			rep.differ("supersedes: %s records no SHA-256 for %s, so it cannot be checked (it hashes to %s now)", name, s.Manifest, got)
		case got != s.SHA256:
			rep.differ("superseded manifest altered: %s hashes to %s, %s recorded %s", s.Manifest, got, name, s.SHA256)
		}
		prev, err := manifest.Unmarshal(b)
		if err != nil {
			rep.differ("superseded manifest %s: %v", s.Manifest, err)
			return
		}
		if prev.Quarter != m.Quarter || prev.Edition != s.Edition {
			rep.differ("superseded manifest %s is quarter %s edition %d, want quarter %s edition %d", s.Manifest, prev.Quarter, prev.Edition, m.Quarter, s.Edition)
			return
		}
		cur, name = prev, s.Manifest
	}
	if cur.Supersedes != nil {
		rep.differ("supersedes: %s is edition 1 and names an edition it supersedes", name)
	}
}

// jsonDiffs adds the first values in which the published scorecard JSON and the
// rerun's differ, in document order (the KPIs come first).
func jsonDiffs(rep *Report, path, recordedSum string, now []byte) {
	pub, err := os.ReadFile(path)
	if err != nil {
		rep.detail("(cannot show the values: %v)", err)
		return
	}
	if manifest.Sum(pub) != recordedSum {
		rep.detail("(the published %s is not the file the manifest lists; values below are from the file on disk)", filepath.Base(path))
	}
	a, errA := flattenJSON(pub)
	b, errB := flattenJSON(now)
	if err := errors.Join(errA, errB); err != nil {
		rep.detail("(cannot compare the values: %v)", err)
		return
	}
	leafDiffs(rep, a, b)
}

// leafDiffs adds the first values in which a (published) and b (now) differ, in a's
// order, then those only b has.
func leafDiffs(rep *Report, a, b []jsonLeaf) {
	nowVal := make(map[string]string, len(b))
	for _, l := range b {
		nowVal[l.path] = l.value
	}
	seen := make(map[string]bool, len(a))
	var lines []string
	for _, l := range a {
		seen[l.path] = true
		v, ok := nowVal[l.path]
		switch {
		case !ok:
			lines = append(lines, fmt.Sprintf("%s: published %s, now absent", l.path, l.value))
		case v != l.value:
			lines = append(lines, fmt.Sprintf("%s: published %s, now %s", l.path, l.value, v))
		}
	}
	for _, l := range b {
		if !seen[l.path] {
			lines = append(lines, fmt.Sprintf("%s: published absent, now %s", l.path, l.value))
		}
	}
	for i, line := range lines {
		if i == maxJSONDiffs {
			rep.detail("... and %d more values", len(lines)-i)
			break
		}
		rep.detail("%s", line)
	}
}
