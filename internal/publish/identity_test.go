package publish

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// edition is what a test run renders: an edition identity and the bytes that do not
// change a number (input root, Go version, the workbook's Audit sheet).
type edition struct {
	asOf     time.Time
	config   string
	version  string
	goVer    string
	root     string
	inputSum string
	workbook string // bytes of the workbook
	json     string // bytes of the scorecard JSON
}

func baseEdition() edition {
	return edition{asOf: time.Date(2026, 11, 15, 18, 0, 0, 0, time.UTC), config: "company: ACME\n", version: "1.0.0", goVer: "go1.26.0",
		root: "s", inputSum: strings.Repeat("a", 64), workbook: "xlsx s", json: "{numbers}"}
}

func (e edition) render() Render {
	return func(ed int, sup *manifest.Supersedes) ([]File, error) {
		l := "2026-Q3" + EditionSuffix(ed)
		outs := []File{
			{Name: WorkbookName(l), Data: []byte(e.workbook)},
			{Name: "recovery-scorecard-" + l + ".json", Data: []byte(e.json)},
		}
		m := &manifest.Manifest{
			Provenance: manifest.Provenance{Version: e.version, GoVersion: e.goVer, ConfigYAML: []byte(e.config), ConfigSHA256: manifest.Sum([]byte(e.config)),
				InputRoot: e.root, Inputs: []manifest.InputFile{{Table: "purchases", Path: "purchases.parquet", Size: 10, SHA256: e.inputSum}}},
			Quarter: "2026-Q3", AsOf: e.asOf, Edition: ed, Supersedes: sup,
		}
		for _, o := range outs {
			m.Outputs = append(m.Outputs, manifest.OutputFile{Path: o.Name, Size: int64(len(o.Data)), SHA256: manifest.Sum(o.Data)})
		}
		b, err := manifest.Marshal(m)
		if err != nil {
			return nil, err
		}
		return append(outs, File{Name: manifest.FileName(l), Data: b}), nil
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEditionIdentity(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	base := baseEdition()
	if _, err := Edition(ctx, dir, "2026-Q3", false, base.render(), nil); err != nil {
		t.Fatal(err)
	}
	published := snapshot(t, dir)

	// The same identity, other bytes that change no number: a no-op.
	same := base
	same.root, same.goVer, same.workbook = "/abs/s", "go1.26.1", "xlsx /abs/s"
	res, err := Edition(ctx, dir, "2026-Q3", false, same.render(), nil)
	if err != nil || !res.Noop || len(res.Published) != 0 {
		t.Fatalf("same identity: %+v, %v; want a no-op", res, err)
	}
	// With --restate too: there is nothing to restate.
	if res, err := Edition(ctx, dir, "2026-Q3", true, same.render(), nil); err != nil || !res.Noop || res.Edition != 1 {
		t.Fatalf("same identity, restate: %+v, %v; want a no-op", res, err)
	}
	if now := snapshot(t, dir); !maps.Equal(now, published) {
		t.Fatalf("a no-op changed the output folder: %v", slices.Sorted(maps.Keys(now)))
	}

	// A deleted file of the edition is added back when this run's bytes are the ones
	// the manifest lists.
	jsonPath := filepath.Join(dir, "recovery-scorecard-2026-Q3.json")
	if err := os.Remove(jsonPath); err != nil {
		t.Fatal(err)
	}
	res, err = Edition(ctx, dir, "2026-Q3", false, same.render(), nil)
	if err != nil || res.Noop || !slices.Equal(res.Published, []string{jsonPath}) {
		t.Fatalf("missing JSON: %+v, %v; want it published again", res, err)
	}

	cases := []struct {
		name   string
		change func(*edition)
		want   []string
	}{
		{"as_of", func(e *edition) { e.asOf = e.asOf.Add(time.Hour) }, []string{"as_of differs: published 2026-11-15T18:00:00Z, now 2026-11-15T19:00:00Z"}},
		{"version", func(e *edition) { e.version = "1.1.0" }, []string{"program version differs: published 1.0.0, now 1.1.0"}},
		{"config", func(e *edition) { e.config = "company: ACME Ltd\n" }, []string{`config differs: company: published "ACME", now "ACME Ltd"`}},
		{"input", func(e *edition) { e.inputSum = strings.Repeat("b", 64) }, []string{"input changed: purchases.parquet: published 10 bytes, sha256 aaaa"}},
		{"numbers with the same identity", func(e *edition) { e.json = "{other numbers}" },
			[]string{"recovery-scorecard-2026-Q3.json differs although the inputs, recorded config, as_of and program version are the same"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := base
			tc.change(&e)
			// The JSON changes with the numbers; the identity says why.
			if tc.name != "numbers with the same identity" {
				e.json = "{numbers of " + tc.name + "}"
			}
			_, err := Edition(ctx, dir, "2026-Q3", false, e.render(), nil)
			if !errors.Is(err, ErrOutputExists) {
				t.Fatalf("got %v, want ErrOutputExists", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the refusal does not say %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "verify") {
				t.Errorf("the refusal sends the user to verify:\n%v", err)
			}
		})
	}
	if now := snapshot(t, dir); !maps.Equal(now, published) {
		t.Errorf("a refusal changed the output folder")
	}

	// A real difference with --restate publishes r2.
	e := base
	e.asOf, e.json = e.asOf.Add(time.Hour), "{later}"
	res, err = Edition(ctx, dir, "2026-Q3", true, e.render(), nil)
	if err != nil || res.Edition != 2 || res.Noop {
		t.Fatalf("restate: %+v, %v; want edition 2", res, err)
	}
}

// TestConflictWithoutManifest: a first edition whose manifest was never written has
// nothing to compare with, and the refusal says so.
func TestConflictWithoutManifest(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, WorkbookName("2026-Q3")), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Edition(context.Background(), dir, "2026-Q3", false, baseEdition().render(), nil)
	if !errors.Is(err, ErrOutputExists) || !strings.Contains(err.Error(), "edition 2026-Q3 has no manifest") {
		t.Fatalf("got %v", err)
	}
}
