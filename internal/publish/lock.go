package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LockName is the publishing lock of an output folder: every run that publishes into
// the folder (run, backfill, the scheduler's runs) holds flock(2) on it from reading
// what is published to writing the manifest, so two runs never decide an edition from
// the same state or clean each other's staged files. It is not the scheduler's claim
// file (.recoverykpi.lock), which records claimed ticks and is held for a whole run.
const LockName = ".recoverykpi-publish.lock"

// LockWait bounds how long a run waits for another run's publishing lock on the same
// output folder before it fails with ErrLocked.
const LockWait = 10 * time.Minute

// lockPoll is how often a waiting run tries the lock again.
const lockPoll = 20 * time.Millisecond

// folderLock is a held publishing lock.
type folderLock struct {
	f    *os.File
	path string
}

// lockFolder takes the publishing lock of dir (creating dir), waiting while another
// process or run holds it, at most wait, or until ctx is done. The lock file carries
// the holder's PID, for the message of a run that gave up waiting. unlock removes the
// file, so an output folder holds no lock file between runs; because of that, a lock
// taken on a file that was meanwhile removed is dropped and taken again.
func lockFolder(ctx context.Context, dir string, wait time.Duration) (*folderLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	path := filepath.Join(dir, LockName)
	deadline := time.Now().Add(wait)
	for {
		l, err := tryLock(path)
		if err != nil || l != nil {
			return l, err
		}
		if !time.Now().Before(deadline) {
			holder := "another run"
			if b, err := os.ReadFile(path); err == nil {
				if pid := strings.TrimSpace(string(b)); pid != "" {
					holder += " (pid " + pid + ")"
				}
			}
			return nil, fmt.Errorf("%w: %s has been held by %s for %s; nothing was written", ErrLocked, path, holder, wait)
		}
		t := time.NewTimer(lockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("wait for the publishing lock %s: %w", path, ctx.Err())
		case <-t.C:
		}
	}
}

// tryLock takes the lock once without waiting: nil, nil when another holds it.
func tryLock(path string) (*folderLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The holder before us may have removed the file after we opened it: our lock is
	// then on a file no one else will open. Hold it only if it is still the file at path.
	held, err1 := f.Stat()
	named, err2 := os.Stat(path)
	if err1 != nil || err2 != nil || !os.SameFile(held, named) {
		f.Close()
		return nil, nil
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &folderLock{f: f, path: path}, nil
}

// unlock removes the lock file while still holding it (so no run can hold a lock on a
// file about to disappear unnoticed, see tryLock) and releases it.
func (l *folderLock) unlock() error {
	err := os.Remove(l.path)
	if uerr := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN); err == nil {
		err = uerr
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// pidAlive reports whether a process with this PID exists (on this host).
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
