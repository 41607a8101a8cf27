package schedule

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// A tickClaimer decides which scheduler runs a tick of a job. claim succeeds for
// exactly one caller per (job, tick) for as long as the claimer's record lasts, and
// while the returned claim is held no other tick of the job can be claimed (a run
// never overlaps another, whatever host it is on). tick is the cron's nominal tick
// time, whole minutes, never the caller's wall clock, so that schedulers whose clocks
// differ by seconds agree on it.
//
// claim fails with an error wrapping errTickClaimed when the tick was already run
// (or is being run) elsewhere, with errRunInProgress when another tick of the job is
// still running, and with any other error when the claim could not be decided; in
// every case the tick is skipped.
type tickClaimer interface {
	claim(ctx context.Context, job string, tick time.Time) (heldClaim, error)
	close() error
}

// heldClaim is a successful claim; release ends it after the run, recording its
// outcome where the claimer keeps a record. The claim of the tick itself stays.
type heldClaim interface {
	release(ctx context.Context, outcome string) error
}

var (
	// errTickClaimed marks a tick that another scheduler has claimed.
	errTickClaimed = errors.New("tick already claimed")
	// errRunInProgress marks a tick that arrived while a run of the job was going on.
	errRunInProgress = errors.New("another run of the job is in progress")
)

// lockFileName is the file lock of the output folder.
const lockFileName = ".recoverykpi.lock"

// fileClaimer claims ticks with flock(2) on .recoverykpi.lock in the output folder,
// so that two schedulers on one host (sharing the folder) run each tick once. The
// lock is held during the run; the file records the last claimed tick of each job,
// so a scheduler that fires a few milliseconds after another has already finished
// the tick does not run it again.
type fileClaimer struct {
	path string
	host string
}

func newFileClaimer(dir, host string) *fileClaimer {
	return &fileClaimer{path: filepath.Join(dir, lockFileName), host: host}
}

func (c *fileClaimer) claim(_ context.Context, job string, tick time.Time) (heldClaim, error) {
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", c.path, err)
	}
	f, err := os.OpenFile(c.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", c.path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked by another scheduler on this host", errRunInProgress, c.path)
		}
		return nil, fmt.Errorf("lock %s: %w", c.path, err)
	}
	fail := func(err error) (heldClaim, error) {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		return nil, err
	}
	data, err := os.ReadFile(c.path)
	if err != nil {
		return fail(fmt.Errorf("lock %s: %w", c.path, err))
	}
	claims := parseLockFile(string(data))
	if last, ok := claims[job]; ok && !last.tick.Before(tick) {
		return fail(fmt.Errorf("%w: %s at %s by %s (recorded in %s)", errTickClaimed, job, tick.UTC().Format(time.RFC3339), last.host, c.path))
	}
	claims[job] = lockEntry{tick: tick, host: c.host}
	if err := writeLockFile(f, claims); err != nil {
		return fail(fmt.Errorf("lock %s: %w", c.path, err))
	}
	return &fileClaim{f: f}, nil
}

func (c *fileClaimer) close() error { return nil }

type fileClaim struct{ f *os.File }

func (h *fileClaim) release(context.Context, string) error {
	err := syscall.Flock(int(h.f.Fd()), syscall.LOCK_UN)
	if cerr := h.f.Close(); err == nil {
		err = cerr
	}
	return err
}

type lockEntry struct {
	tick time.Time
	host string
}

// parseLockFile reads lines "job<TAB>tick RFC 3339<TAB>host"; malformed lines are
// ignored (the file is ours, and a torn write must not stop the scheduler).
func parseLockFile(s string) map[string]lockEntry {
	out := map[string]lockEntry{}
	for line := range strings.SplitSeq(s, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue
		}
		t, err := time.Parse(time.RFC3339, f[1])
		if err != nil {
			continue
		}
		out[f[0]] = lockEntry{tick: t, host: f[2]}
	}
	return out
}

func writeLockFile(f *os.File, claims map[string]lockEntry) error {
	var b strings.Builder
	for _, job := range slices.Sorted(maps.Keys(claims)) {
		e := claims[job]
		fmt.Fprintf(&b, "%s\t%s\t%s\n", job, e.tick.UTC().Format(time.RFC3339), e.host)
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte(b.String()), 0); err != nil {
		return err
	}
	return f.Sync()
}
