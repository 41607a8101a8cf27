package publish

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// TestLockFolder: a held publishing lock makes another taker wait until its bound or
// its context ends; released, the lock file is gone and the lock can be taken again.
func TestLockFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	ctx := context.Background()
	held, err := lockFolder(ctx, dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockFolder(ctx, dir, 50*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Errorf("second lock while held: %v, want ErrLocked", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := lockFolder(cctx, dir, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second lock with a cancelled context: %v", err)
	}
	// A waiter gets the lock when the holder releases it.
	got := make(chan error, 1)
	go func() {
		l, err := lockFolder(ctx, dir, 5*time.Second)
		if err == nil {
			err = l.unlock()
		}
		got <- err
	}()
	time.Sleep(60 * time.Millisecond)
	if err := held.unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Errorf("waiter: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, LockName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left after unlock: %v", err)
	}
}

// TestCleanTempsOnlyDeadProcesses: a staged file of a live process is left alone, one
// of a process that has exited (or of a version without PIDs) is removed.
func TestCleanTempsOnlyDeadProcesses(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to make a dead PID:", err)
	}
	dead := cmd.Process.Pid
	dir := t.TempDir()
	live := TempPrefix + strconv.Itoa(os.Getpid()) + "-1"
	gone := TempPrefix + strconv.Itoa(dead) + "-1"
	old := TempPrefix + "123abc"
	for _, n := range []string{live, gone, old} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cleanTemps(dir)
	for n, want := range map[string]bool{live: true, gone: false, old: false} {
		_, err := os.Stat(filepath.Join(dir, n))
		if (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", n, err == nil, want)
		}
	}
}

// TestCommitSameBytesIsSuccess: a file that appeared under a name with the bytes this
// run publishes is the same file, not a conflict.
func TestCommitSameBytesIsSuccess(t *testing.T) {
	dir := t.TempDir()
	outs := []File{{Name: "quarantine/2026-Q3/x.parquet", Data: []byte("same")}}
	temps, err := stage(dir, outs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "quarantine/2026-Q3/x.parquet"), []byte("same"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := commit(dir, outs, temps); err != nil {
		t.Fatalf("commit over a file with the same bytes: %v", err)
	}
	if _, err := os.Stat(temps[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left: %v", err)
	}
}

// TestStaleQuarantine: the extract's quarantine/<table>.parquet of a table that now
// has no set-aside rows is removed; the editions' copies stay.
func TestStaleQuarantine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first := []File{{Name: "quarantine/purchases.parquet", Data: []byte("p")}, {Name: "quarantine/offers.parquet", Data: []byte("o")}}
	if err := Replace(context.Background(), dir, first); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "quarantine", "notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The next extract sets aside purchases only, then nothing: offers, then purchases,
	// are removed, by an edition's run as by a run stopped by the quality gate.
	if _, err := Edition(ctx, dir, "2026-Q3", false, baseEdition().render(), first[:1]); err != nil {
		t.Fatal(err)
	}
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
		return err == nil
	}
	if !exists("quarantine/purchases.parquet") || exists("quarantine/offers.parquet") {
		t.Errorf("after an extract with purchases set aside: purchases %v (want true), offers %v (want false)", exists("quarantine/purchases.parquet"), exists("quarantine/offers.parquet"))
	}
	if err := Replace(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	if exists("quarantine/purchases.parquet") {
		t.Errorf("quarantine/purchases.parquet left after an extract with no set-aside rows")
	}
	if !exists("quarantine/notes.txt") {
		t.Errorf("a file that is not a quarantine was removed")
	}
}

// TestEditionRunsOneAtATime: a second run into the same folder that starts while the
// first is rendering waits for the first to publish, then finds the edition published
// with the same bytes: both succeed, one publishes and the other is a no-op. Without
// the lock the second would publish first and the first fail over its own bytes.
func TestEditionRunsOneAtATime(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	extract := []File{{Name: "quarantine/purchases.parquet", Data: []byte("latest")}}
	second := make(chan error, 1)
	var secondRes *Result
	base := baseEdition().render()
	slow := func(ed int, sup *manifest.Supersedes) ([]File, error) {
		go func() {
			var err error
			secondRes, err = Edition(ctx, dir, "2026-Q3", false, base, extract)
			second <- err
		}()
		select {
		case err := <-second:
			second <- err // finished while the first was rendering: no lock
		case <-time.After(200 * time.Millisecond):
		}
		return base(ed, sup)
	}
	first, err := Edition(ctx, dir, "2026-Q3", false, slow, extract)
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("second run: %v", err)
	}
	if first.Noop || !secondRes.Noop {
		t.Errorf("first run noop %v, second noop %v; want the first to publish and the second to find it published", first.Noop, secondRes.Noop)
	}
}
