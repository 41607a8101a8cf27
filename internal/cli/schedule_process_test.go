package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/internal/schedule"
)

// TestScheduleProcess builds the binary and runs `recoverykpi schedule` as a data
// engineer would: once a minute, waiting for _SUCCESS. It sees the scheduler wait for
// the marker, creates it, sees the scorecard appear, sends SIGTERM and expects exit
// status 0 and no temporary files. The first tick comes at the next whole minute, so
// the test takes up to about a minute.
func TestScheduleProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a real cron tick (up to a minute)")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "recoverykpi")
	build := exec.Command("go", "build", "-o", bin, "./cmd/recoverykpi")
	build.Dir = moduleRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	if _, err := generate.Write(context.Background(), in, generate.Options{Customers: 150, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "recovery.yaml")
	yml := `input: in
output: out
timezone: Europe/Berlin
schedule:
  cron: "* * * * *"
  timezone: Europe/Berlin
  wait_for: _SUCCESS
  retries: 120
  retry_delay: 1s
  metrics_file: recoverykpi.prom
`
	if err := os.WriteFile(cfg, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "schedule", "--config", cfg, "--log-format", "json", "--stop-timeout", "30s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(logs, sc.Text())
		}
		exited <- cmd.Wait()
	}()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("scheduler log:\n%s", logs.String())
		}
	}()
	waitFor := func(what string, timeout time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for !cond() {
			select {
			case err := <-exited:
				t.Fatalf("the scheduler exited (%v) while waiting for %s", err, what)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	waitFor("the start line", 20*time.Second, func() bool { return len(logs.records("scheduler started")) == 1 })
	waitFor("the scheduler to wait for _SUCCESS", 75*time.Second, func() bool {
		for _, r := range logs.records("waiting for the extract") {
			if strings.Contains(fmt.Sprint(r["reason"]), "_SUCCESS") {
				return true
			}
		}
		return false
	})
	if err := os.WriteFile(filepath.Join(in, "_SUCCESS"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	scorecard := filepath.Join(out, "recovery-scorecard-2026-Q3.xlsx")
	waitFor("the scorecard", 30*time.Second, func() bool {
		_, err := os.Stat(scorecard)
		return err == nil && len(logs.records("run finished")) >= 1
	})
	if r := logs.records("run finished")[0]; r["outcome"] != schedule.OutcomePublished || r["quarter"] != "2026-Q3" {
		t.Errorf("run line %v", r)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the scheduler did not exit after SIGTERM")
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if len(logs.records("scheduler stopped")) != 1 {
		t.Error("no 'scheduler stopped' line")
	}
	assertNoTemps(t, dir)
	for _, name := range []string{filepath.Join(out, schedule.RunsFileName), filepath.Join(dir, "recoverykpi.prom")} {
		if _, err := os.Stat(name); err != nil {
			t.Error(err)
		}
	}
}

// moduleRoot returns the folder of go.mod, where the binary is built from.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Fatal("not in a module")
	}
	return filepath.Dir(mod)
}
