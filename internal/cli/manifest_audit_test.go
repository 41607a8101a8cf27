package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi"
	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/internal/workbookdump"
)

// The audit tests of issue 7: the manifest against independently hashed files,
// no-op reruns, refusals and restatements that never overwrite, verify, and
// byte-identical outputs across processes.

const auditLabel = "2026-Q3"

// auditManifest is the manifest as the test reads it, with encoding/json alone.
type auditManifest struct {
	Format  string `json:"format"`
	Program struct {
		Name      string `json:"name"`
		Version   string `json:"version"`
		Go        string `json:"go"`
		Libraries []struct {
			Path    string `json:"path"`
			Version string `json:"version"`
		} `json:"libraries"`
	} `json:"program"`
	Quarter    string `json:"quarter"`
	AsOf       string `json:"as_of"`
	Edition    int    `json:"edition"`
	Supersedes *struct {
		Edition  int    `json:"edition"`
		Manifest string `json:"manifest"`
		SHA256   string `json:"sha256"`
	} `json:"supersedes"`
	Config struct {
		SHA256 string `json:"sha256"`
		YAML   string `json:"yaml"`
	} `json:"config"`
	InputRoot string `json:"input_root"`
	Inputs    []struct {
		Table        string `json:"table"`
		Path         string `json:"path"`
		Size         int64  `json:"size"`
		SHA256       string `json:"sha256"`
		RowsRead     int64  `json:"rows_read"`
		RowsSetAside int64  `json:"rows_set_aside"`
	} `json:"inputs"`
	Outputs []struct {
		Path   string `json:"path"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	} `json:"outputs"`
}

func readAuditManifest(t *testing.T, path string) auditManifest {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m auditManifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func auditSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// auditExtract returns a fresh copy of a small generated extract set (with set-aside
// rows, so a quarantine is published).
func auditExtract(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "generated")
	if _, err := generate.Write(context.Background(), src, generate.Options{Customers: 300, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	return src
}

// auditMain runs a command in this process.
func auditMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := auditMain(t, args...)
	if code != 0 {
		t.Fatalf("recoverykpi %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// TestAuditManifestAgainstIndependentHashes checks every fact of the manifest against
// the files themselves, hashed here with crypto/sha256.
func TestAuditManifestAgainstIndependentHashes(t *testing.T) {
	in := auditExtract(t)
	out := filepath.Join(t.TempDir(), "out")
	mustRun(t, "run", "--input", in, "--output", out)
	manifestName := "manifest-" + auditLabel + ".json"
	m := readAuditManifest(t, filepath.Join(out, manifestName))

	if m.Format != "recoverykpi-manifest/1" || m.Program.Name != "recoverykpi" || m.Program.Version != recoverykpi.Version || m.Program.Go != runtime.Version() {
		t.Errorf("program: %+v, format %q; want recoverykpi %s, %s", m.Program, m.Format, recoverykpi.Version, runtime.Version())
	}
	if len(m.Program.Libraries) != 4 {
		t.Errorf("libraries: %+v, want the four libraries", m.Program.Libraries)
	}
	if m.Quarter != auditLabel || m.Edition != 1 || m.Supersedes != nil {
		t.Errorf("quarter %q edition %d supersedes %+v; want %s, 1, none", m.Quarter, m.Edition, m.Supersedes, auditLabel)
	}
	if m.InputRoot != in {
		t.Errorf("input_root %q, want %q as given", m.InputRoot, in)
	}
	if got := auditSum([]byte(m.Config.YAML)); got != m.Config.SHA256 {
		t.Errorf("config sha256 %s, the YAML hashes to %s", m.Config.SHA256, got)
	}
	// SPEC v2 §6: the recorded config holds no path (the input is input_root).
	if strings.Contains(m.Config.YAML, "input:") || strings.Contains(m.Config.YAML, "output:") || strings.Contains(m.Config.YAML, in) || strings.Contains(m.Config.YAML, out) {
		t.Errorf("the recorded config should hold neither the input nor the output folder:\n%s", m.Config.YAML)
	}

	// Inputs: exactly the Parquet files of the extract, each hashed here.
	var onDisk []string
	for p := range hashTree(t, in) {
		if strings.HasSuffix(p, ".parquet") {
			onDisk = append(onDisk, p)
		}
	}
	slices.Sort(onDisk)
	var listed []string
	var rowsRead, setAside int64
	for _, f := range m.Inputs {
		listed = append(listed, f.Path)
		b, err := os.ReadFile(filepath.Join(in, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if f.Size != int64(len(b)) || f.SHA256 != auditSum(b) {
			t.Errorf("input %s: manifest %d bytes %s, file %d bytes %s", f.Path, f.Size, f.SHA256, len(b), auditSum(b))
		}
		if f.Table == "" || !strings.HasPrefix(f.Path, f.Table) {
			t.Errorf("input %s: table %q", f.Path, f.Table)
		}
		rowsRead += f.RowsRead
		setAside += f.RowsSetAside
	}
	slices.Sort(listed)
	if !slices.Equal(listed, onDisk) {
		t.Errorf("inputs listed %v, Parquet files on disk %v", listed, onDisk)
	}

	// Rows agree with the scorecard's data quality.
	js, err := os.ReadFile(filepath.Join(out, "recovery-scorecard-"+auditLabel+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var sc struct {
		AsOf        string `json:"as_of"`
		DataQuality map[string]struct {
			RowsRead     int64 `json:"rows_read"`
			RowsSetAside int64 `json:"rows_set_aside"`
		} `json:"data_quality"`
	}
	if err := json.Unmarshal(js, &sc); err != nil {
		t.Fatal(err)
	}
	var wantRead, wantAside int64
	for _, q := range sc.DataQuality {
		wantRead += q.RowsRead
		wantAside += q.RowsSetAside
	}
	if rowsRead != wantRead || setAside != wantAside || setAside == 0 {
		t.Errorf("rows read/set aside %d/%d, data_quality says %d/%d (want some set aside)", rowsRead, setAside, wantRead, wantAside)
	}
	if m.AsOf != sc.AsOf {
		t.Errorf("as_of %s, scorecard %s", m.AsOf, sc.AsOf)
	}

	// Outputs: every file in the output folder but the manifest and the extract's
	// quarantine of SPEC §2 (replaced by each run, so no manifest lists it), each hashed here.
	tree := hashTree(t, out)
	if tree["quarantine/purchases.parquet"] == "" {
		t.Errorf("no quarantine/purchases.parquet in %v", tree)
	}
	delete(tree, "quarantine/purchases.parquet")
	if len(tree) != len(m.Outputs)+1 || tree[manifestName] == "" {
		t.Errorf("output folder %v, manifest lists %+v", tree, m.Outputs)
	}
	var outNames []string
	for _, o := range m.Outputs {
		outNames = append(outNames, o.Path)
		st, err := os.Stat(filepath.Join(out, filepath.FromSlash(o.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if tree[o.Path] != o.SHA256 || st.Size() != o.Size {
			t.Errorf("output %s: manifest %d bytes %s, file %d bytes %s", o.Path, o.Size, o.SHA256, st.Size(), tree[o.Path])
		}
	}
	want := []string{"recovery-scorecard-" + auditLabel + ".xlsx", "recovery-scorecard-" + auditLabel + ".json", "quarantine/" + auditLabel + "/purchases.parquet"}
	if !slices.Equal(outNames[:min(3, len(outNames))], want) {
		t.Errorf("outputs %v, want %v first (publishing order)", outNames, want)
	}

	// The Audit sheet shows the same facts.
	xb, err := os.ReadFile(filepath.Join(out, want[0]))
	if err != nil {
		t.Fatal(err)
	}
	dump, err := workbookdump.Dump(bytes.NewReader(xb), int64(len(xb)))
	if err != nil {
		t.Fatal(err)
	}
	audit := dump[strings.Index(dump, `A1 "Audit"`):]
	facts := []string{`"recoverykpi ` + m.Program.Version + `"`, `"` + m.Program.Go + `"`, `"` + m.Config.SHA256 + `"`, `"` + filepath.Base(in) + `"`, `"` + m.Quarter + `"`}
	for _, l := range m.Program.Libraries {
		facts = append(facts, `"`+l.Path+" "+l.Version+`"`)
	}
	for _, f := range m.Inputs {
		facts = append(facts, `"`+f.Path+`"`, `"`+f.SHA256+`"`)
	}
	for _, line := range strings.Split(strings.TrimRight(m.Config.YAML, "\n"), "\n") {
		facts = append(facts, strings.TrimSuffix(strings.TrimPrefix(strconvQuote(line), `"`), `"`))
	}
	for _, f := range facts {
		if !strings.Contains(audit, f) {
			t.Errorf("the Audit sheet does not show %s", f)
		}
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestAuditRerunsAndRestatements: a rerun with the same bytes is a no-op, one with
// other bytes refuses with exit 4, --restate publishes r2 then r3, and no published
// byte ever changes.
func TestAuditRerunsAndRestatements(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	mustRun(t, "run", "--output", out)
	first := hashTree(t, out)
	unchanged := func(before map[string]string) {
		t.Helper()
		now := hashTree(t, out)
		for p, h := range before {
			if now[p] != h {
				t.Errorf("published %s changed (or vanished)", p)
			}
		}
	}

	stdout := mustRun(t, "run", "--output", out)
	if !strings.Contains(stdout, "already published from the same inputs") {
		t.Errorf("rerun: %s", stdout)
	}
	if now := hashTree(t, out); len(now) != len(first) {
		t.Errorf("a no-op rerun wrote files: %v", now)
	}
	unchanged(first)

	// Another as_of changes the numbers.
	other := []string{"run", "--output", out, "--as-of", "2026-11-01T00:00:00Z"}
	code, _, stderr := auditMain(t, other...)
	if code != ExitConflict {
		t.Fatalf("changed rerun: exit %d, want %d: %s", code, ExitConflict, stderr)
	}
	for _, want := range []string{"recovery-scorecard-" + auditLabel + ".xlsx", "--restate", "r2", "manifest-" + auditLabel + "-r2.json", "nothing was written"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("refusal does not say %q: %s", want, stderr)
		}
	}
	unchanged(first)
	if now := hashTree(t, out); len(now) != len(first) {
		t.Errorf("a refused run wrote files")
	}

	stdout = mustRun(t, append(other, "--restate")...)
	if !strings.Contains(stdout, "edition r2") {
		t.Errorf("restate: %s", stdout)
	}
	unchanged(first)
	second := hashTree(t, out)
	r2 := readAuditManifest(t, filepath.Join(out, "manifest-"+auditLabel+"-r2.json"))
	if r2.Edition != 2 || r2.Supersedes == nil || r2.Supersedes.Edition != 1 || r2.Supersedes.Manifest != "manifest-"+auditLabel+".json" || r2.Supersedes.SHA256 != first["manifest-"+auditLabel+".json"] {
		t.Errorf("r2 manifest: edition %d supersedes %+v", r2.Edition, r2.Supersedes)
	}
	for _, name := range []string{"recovery-scorecard-" + auditLabel + "-r2.xlsx", "recovery-scorecard-" + auditLabel + "-r2.json", "quarantine/" + auditLabel + "-r2/purchases.parquet"} {
		if second[name] == "" {
			t.Errorf("r2: %s missing", name)
		}
	}

	// Identical to the latest edition: a no-op; also with --restate.
	for _, args := range [][]string{other, append(other, "--restate")} {
		if stdout := mustRun(t, args...); !strings.Contains(stdout, "already published") {
			t.Errorf("rerun of r2 (%v): %s", args, stdout)
		}
	}
	unchanged(second)

	// The first numbers again differ from r2, the latest edition.
	code, _, stderr = auditMain(t, "run", "--output", out)
	if code != ExitConflict || !strings.Contains(stderr, "recovery-scorecard-"+auditLabel+"-r2.xlsx") || !strings.Contains(stderr, "r3") {
		t.Errorf("rerun against r2: exit %d: %s", code, stderr)
	}
	mustRun(t, "run", "--output", out, "--restate")
	unchanged(second)
	r3 := readAuditManifest(t, filepath.Join(out, "manifest-"+auditLabel+"-r3.json"))
	if r3.Edition != 3 || r3.Supersedes == nil || r3.Supersedes.Edition != 2 || r3.Supersedes.SHA256 != second["manifest-"+auditLabel+"-r2.json"] {
		t.Errorf("r3 manifest: edition %d supersedes %+v", r3.Edition, r3.Supersedes)
	}
	third := hashTree(t, out)
	// r3 has the same numbers as edition 1: the same workbook and JSON bytes.
	for _, ext := range []string{".xlsx", ".json"} {
		if third["recovery-scorecard-"+auditLabel+"-r3"+ext] != first["recovery-scorecard-"+auditLabel+ext] {
			t.Errorf("r3%s differs from edition 1 although the run is the same", ext)
		}
	}
	// Each edition adds its workbook, JSON, manifest and quarantine copy; the extract's
	// quarantine/<table>.parquet of SPEC §2 is one file shared by all.
	if want := 3*(len(first)-1) + 1; len(third) != want {
		t.Errorf("%d files after three editions, want %d", len(third), want)
	}
	// Every edition verifies.
	for _, name := range []string{"manifest-" + auditLabel + ".json", "manifest-" + auditLabel + "-r2.json", "manifest-" + auditLabel + "-r3.json"} {
		if code, stdout, stderr := auditMain(t, "verify", filepath.Join(out, name)); code != 0 {
			t.Errorf("verify %s: exit %d\n%s%s", name, code, stdout, stderr)
		}
	}
	unchanged(third)
}

// TestAuditVerify runs verify on untouched inputs and after one byte, one added file
// and one removed file.
func TestAuditVerify(t *testing.T) {
	generated := auditExtract(t)
	cases := []struct {
		name   string
		change func(t *testing.T, in string) // nil: untouched
		want   []string                      // in the report
	}{
		{name: "untouched", want: []string{"OK: ", "inputs unchanged"}},
		{name: "one byte of a name", change: flipNameByte, want: []string{"input changed: customers.parquet", "output differs: recovery-scorecard-" + auditLabel + ".xlsx", "Audit!D"}},
		{name: "one byte in the middle", change: func(t *testing.T, in string) {
			p := filepath.Join(in, "complaints.parquet")
			b := readFile(t, p)
			b[len(b)/2] ^= 0x01
			writeFile(t, p, b)
		}, want: []string{"input changed: complaints.parquet"}},
		{name: "file added", change: func(t *testing.T, in string) {
			// A copy of a purchases part under a new partition: readable, and every
			// row a duplicate order, so the rerun fails the quality gate.
			src := firstPart(t, in, "purchases")
			dst := filepath.Join(in, "purchases", "year=2099", "part-00000.parquet")
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, dst, readFile(t, src))
		}, want: []string{"input added: purchases/year=2099/part-00000.parquet"}},
		{name: "file removed", change: func(t *testing.T, in string) {
			if err := os.Remove(filepath.Join(in, "offers.parquet")); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"input removed: offers.parquet", "output differs: recovery-scorecard-" + auditLabel + ".json",
			"kpis.offers_issued.value: published ", "now null"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "extract"), filepath.Join(dir, "out")
			copyTree(t, generated, in)
			mustRun(t, "run", "--input", in, "--output", out)
			manifest := filepath.Join(out, "manifest-"+auditLabel+".json")
			if tc.change != nil {
				tc.change(t, in)
			}
			inBefore, outBefore := hashTree(t, in), hashTree(t, out)
			code, stdout, stderr := auditMain(t, "verify", manifest)
			wantCode := ExitMismatch
			if tc.change == nil {
				wantCode = ExitOK
			}
			if code != wantCode {
				t.Errorf("exit %d, want %d", code, wantCode)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("report does not say %q", w)
				}
			}
			if tc.change != nil && !strings.Contains(stdout, "DIFFERENT:") {
				t.Errorf("report does not conclude DIFFERENT")
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
			if !mapsEqual(inBefore, hashTree(t, in)) || !mapsEqual(outBefore, hashTree(t, out)) {
				t.Errorf("verify wrote into the input or output folder")
			}
		})
	}
}

// flipNameByte changes one letter of a customer's name where it is stored literally
// in the (Snappy-compressed) customers file, so the file stays readable and only that
// name changes.
func flipNameByte(t *testing.T, in string) {
	p := filepath.Join(in, "customers.parquet")
	b := readFile(t, p)
	// The longest run of letters and spaces is a literal name in the dictionary page.
	best, bestLen := -1, 0
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && (b[j] >= 'a' && b[j] <= 'z' || b[j] >= 'A' && b[j] <= 'Z' || b[j] == ' ') {
			j++
		}
		if j-i > bestLen && b[i] >= 'A' && b[i] <= 'Z' {
			best, bestLen = i, j-i
		}
		i = j + 1
	}
	if bestLen < 6 {
		t.Fatalf("no literal name in %s", p)
	}
	b[best+1] ^= 0x20 // flip the case of the name's second letter
	writeFile(t, p, b)
}

func firstPart(t *testing.T, in, table string) string {
	t.Helper()
	var first string
	filepath.WalkDir(filepath.Join(in, table), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") && first == "" {
			first = p
		}
		return nil
	})
	if first == "" {
		t.Fatalf("no part file of %s", table)
	}
	return first
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestAuditCrossProcessDeterminism builds the binary with a version set by -ldflags
// and runs two separate `recoverykpi run` processes (with different GOMAXPROCS) into
// two output folders with the same config and input: the workbook, JSON, quarantine
// and manifest are byte-identical, no output names the output folder, and the
// binary verifies its own manifest.
func TestAuditCrossProcessDeterminism(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: skipped with -short")
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	dir := t.TempDir()
	bin := filepath.Join(dir, "recoverykpi")
	const version = "9.9.9-audit"
	build := exec.Command("go", "build", "-o", bin, "-ldflags", "-X github.com/recoverykpi/recoverykpi.Version="+version, "./cmd/recoverykpi")
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	run := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("recoverykpi %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		return string(b)
	}
	if v := run(nil, "version"); !strings.Contains(v, "recoverykpi "+version+" ") {
		t.Errorf("version: %q, want %s", v, version)
	}
	in := filepath.Join(dir, "extract")
	run(nil, "generate", "--output", in, "--customers", "400", "--seed", "5")
	cfg := filepath.Join(dir, "recovery.yaml")
	writeFile(t, cfg, []byte("company: Audit Test\ntimezone: Europe/Berlin\nfiscal_year_start_month: 4\ninput: extract\noutput: default-out\n"))
	out1, out2 := filepath.Join(dir, "out-one"), filepath.Join(dir, "elsewhere", "out-two")
	run([]string{"GOMAXPROCS=1"}, "run", "--config", cfg, "--output", out1)
	run([]string{"GOMAXPROCS=2"}, "run", "--config", cfg, "--output", out2)
	a, b := hashTree(t, out1), hashTree(t, out2)
	if !mapsEqual(a, b) {
		t.Errorf("outputs differ between processes:\n%v\n%v", a, b)
	}
	var label string
	for p := range a {
		if strings.HasPrefix(p, "manifest-") {
			label = strings.TrimSuffix(strings.TrimPrefix(p, "manifest-"), ".json")
		}
	}
	if label == "" || a["recovery-scorecard-"+label+".xlsx"] == "" || a["recovery-scorecard-"+label+".json"] == "" {
		t.Fatalf("outputs: %v", a)
	}
	for p := range a {
		content := readFile(t, filepath.Join(out2, filepath.FromSlash(p)))
		for _, leak := range []string{out1, out2, "default-out", "elsewhere"} {
			if bytes.Contains(content, []byte(leak)) {
				t.Errorf("%s contains the output path %q", p, leak)
			}
		}
	}
	m := readAuditManifest(t, filepath.Join(out2, "manifest-"+label+".json"))
	if m.Program.Version != version {
		t.Errorf("manifest version %q, want %s", m.Program.Version, version)
	}
	if report := run(nil, "verify", filepath.Join(out2, "manifest-"+label+".json")); !strings.Contains(report, "OK: ") {
		t.Errorf("verify: %s", report)
	}
}
