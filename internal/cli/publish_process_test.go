package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentRunsOneEdition starts two `recoverykpi run` processes publishing the
// embedded sample into the same output folder at the same time, 20 times: both exit
// 0 every time (whichever is second waits for the publishing lock, then finds the edition
// published with the same bytes) and the folder holds exactly one complete edition,
// with no temporary or lock file left.
func TestConcurrentRunsOneEdition(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: skipped with -short")
	}
	bin := buildTestBinary(t)
	want := []string{
		"manifest-" + auditLabel + ".json",
		"quarantine/" + auditLabel + "/purchases.parquet",
		"quarantine/purchases.parquet",
		"recovery-scorecard-" + auditLabel + ".json",
		"recovery-scorecard-" + auditLabel + ".xlsx",
	}
	for trial := range 20 {
		dir := t.TempDir()
		out := filepath.Join(dir, "out")
		var wg sync.WaitGroup
		codes := make([]int, 2)
		logs := make([]string, 2)
		for i := range 2 {
			wg.Go(func() {
				// The second starts at a different point of the first's run in each
				// trial: reading, rendering, staging, publishing.
				time.Sleep(time.Duration(i*(trial%5)) * 80 * time.Millisecond)
				cmd := exec.Command(bin, "run", "--output", out)
				cmd.Dir = dir
				var buf bytes.Buffer
				cmd.Stdout, cmd.Stderr = &buf, &buf
				err := cmd.Run()
				codes[i], logs[i] = cmd.ProcessState.ExitCode(), buf.String()
				if err != nil && cmd.ProcessState == nil {
					codes[i], logs[i] = -1, err.Error()
				}
			})
		}
		wg.Wait()
		for i := range 2 {
			if codes[i] != 0 {
				t.Errorf("trial %d, process %d: exit %d\n%s", trial, i, codes[i], logs[i])
			}
		}
		var got []string
		filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(out, p)
				got = append(got, filepath.ToSlash(rel))
			}
			return nil
		})
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("trial %d: the folder holds %v, want %v", trial, got, want)
		}
		if code, stdout, stderr := auditMain(t, "verify", "--manifest-only", filepath.Join(out, "manifest-"+auditLabel+".json")); code != 0 {
			t.Errorf("trial %d: verify --manifest-only: exit %d\n%s%s", trial, code, stdout, stderr)
		}
		if t.Failed() {
			return
		}
	}
}

// buildTestBinary builds recoverykpi into a temporary folder.
func buildTestBinary(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" {
		t.Fatalf("go env GOMOD: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "recoverykpi")
	build := exec.Command("go", "build", "-o", bin, "./cmd/recoverykpi")
	build.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}
