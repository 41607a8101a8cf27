package recoverykpi_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/recoverykpi/recoverykpi"

// imports returns, for each package folder of the module, the imports of its non-test
// Go files.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") && p != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			if !slices.Contains(out[dir], path) {
				out[dir] = append(out[dir], path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportRules holds the rules of ARCHITECTURE.md: data flows one way, readers →
// pipeline → writers, wired by internal/job; only cmd starts the command line; the
// contract is a leaf; each outside library stays behind its package.
func TestImportRules(t *testing.T) {
	all := imports(t)
	if len(all) < 10 {
		t.Fatalf("found only %d packages: is the test run from the module root?", len(all))
	}
	in := func(dir string, prefixes ...string) bool {
		for _, p := range prefixes {
			if dir == p || strings.HasPrefix(dir, p+"/") {
				return true
			}
		}
		return false
	}
	application := []string{"internal/cli", "internal/job", "internal/publish", "internal/schedule", "internal/verify"}
	forbidden := map[string][]string{
		"readers":           append([]string{"pipeline", "writers"}, application...),
		"pipeline":          append([]string{"readers", "writers"}, application...),
		"writers":           append([]string{"readers"}, application...),
		"internal/contract": {"."},
		"config":            append([]string{"readers", "pipeline", "writers", "warehouse"}, application...),
		"warehouse":         append([]string{"readers", "writers"}, application...),
	}
	for dir, imps := range all {
		for _, im := range imps {
			if !strings.HasPrefix(im, module) {
				continue
			}
			target := strings.TrimPrefix(strings.TrimPrefix(im, module), "/")
			if target == "" {
				target = "."
			}
			if target == "internal/cli" && dir != "cmd/recoverykpi" {
				t.Errorf("%s imports internal/cli: only cmd/recoverykpi may", dir)
			}
			for from, bad := range forbidden {
				if !in(dir, from) {
					continue
				}
				if from == "internal/contract" || in(target, bad...) && !(from == "writers" && in(target, "writers")) {
					t.Errorf("%s imports %s: %s may not", dir, target, from)
				}
			}
		}
	}
	// Each outside library behind its package (test files excepted).
	libraries := map[string][]string{
		"github.com/go-co-op/gocron":             {"internal/schedule"},
		"github.com/jackc/pgx":                   {"internal/schedule", "warehouse/postgres", "internal/pgtest"},
		"github.com/xuri/excelize":               {"writers/excel", "internal/workbookdump"},
		"github.com/parquet-go/parquet-go":       {"writers/quarantine", "generate", "internal/pgtest"},
		"go.yaml.in/yaml":                        {"config"},
		"github.com/klauspost/compress":          {"writers/excel"},
		"github.com/pierrec/lz4":                 {"readers"},
		"github.com/apache/thrift":               {"readers"},
		"github.com/apache/arrow-go/v18/parquet": {"readers", "bench/scan", "internal/tools/duckdbfixtures", "internal/icebergtest"},
		"gocloud.dev":                            {"internal/objstore"},
		"github.com/aws/":                        {"internal/objstore"},
		"github.com/Azure/":                      {"internal/objstore"},
		"cloud.google.com/":                      {"internal/objstore"},
		"github.com/apache/iceberg-go":           {"readers", "internal/icebergtest"},
		"github.com/duckdb/duckdb-go":            {"warehouse/duckdb"},
	}
	for dir, imps := range all {
		for _, im := range imps {
			// iceberg-go's table package parses Substrait's function catalogue when
			// the program starts: 0.1 s of every run (readers/icebergplan.go).
			if im == "github.com/apache/iceberg-go/table" && dir != "internal/icebergtest" {
				t.Errorf("%s imports %s, whose package initialisation costs every run 0.1 s: plan in readers/icebergplan.go", dir, im)
			}
			for lib, owners := range libraries {
				if strings.HasPrefix(im, lib) && !slices.Contains(owners, dir) {
					t.Errorf("%s imports %s: only %s may", dir, im, strings.Join(owners, ", "))
				}
			}
		}
	}
}
