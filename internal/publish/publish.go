// Package publish writes a quarter's outputs into the output folder so that nothing
// published is ever replaced. Files are staged under temporary names
// (.recoverykpi-tmp-*) in their final folder and hard-linked to their final names, which
// fails when a name is taken; the manifest is published last, so an edition with a
// manifest is complete. A run whose outputs differ from the latest edition either
// refuses (ErrOutputExists) or publishes the next edition (-r2, -r3, ...) beside it.
package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// File is one file to publish: Name is a slash path relative to the output folder.
type File struct {
	Name string
	Data []byte
}

// TempPrefix starts the name of every temporary file, followed by the PID of the
// process that wrote it (.recoverykpi-tmp-<pid>-<random>), so a crash leaves files
// that are recognisably ours and cleanTemps removes them once that process is gone.
const TempPrefix = ".recoverykpi-tmp-"

// stage writes each output to a temporary file in its final folder and returns the
// temporary paths, in the order of outs. The files are written and synced each on
// its own goroutine: a sync waits for the disk, and at 3,000,000 customers the
// workbook, the JSON (127 MB) and the quarantine files took 0.2-0.5 s synced one
// after another. On error it removes what it wrote and returns the first error in
// the order of outs.
func stage(dir string, outs []File) ([]string, error) {
	temps := make([]string, len(outs))
	errs := make([]error, len(outs))
	for _, o := range outs { // folders first: several files may share one
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, filepath.FromSlash(o.Name))), 0o755); err != nil {
			return nil, fmt.Errorf("output folder: %w", err)
		}
	}
	var wg sync.WaitGroup
	for i, o := range outs {
		wg.Go(func() { temps[i], errs[i] = stageFile(filepath.Join(dir, filepath.FromSlash(o.Name)), o.Data) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			removeAll(temps)
			return nil, err
		}
	}
	return temps, nil
}

// stageFile writes data to a new temporary file beside final, synced and readable by
// all, and returns its path ("" if none was created).
func stageFile(final string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(final), TempPrefix+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", final, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		return f.Name(), fmt.Errorf("write %s: %w", final, err)
	}
	return f.Name(), nil
}

// commit moves staged files into place, in order, and never replaces a file: a
// published output is never overwritten, even by a run that raced this one. The caller
// orders the outputs so that the manifest comes last. Each file is hard-linked to its
// final name (which fails when the name exists) and the temporary name removed; on a
// file system without hard links it falls back to a rename after checking the name is
// free. A file that appeared under the name with the same bytes is success: it is the
// file this run would publish.
func commit(dir string, outs []File, temps []string) error {
	for i, o := range outs {
		final := filepath.Join(dir, filepath.FromSlash(o.Name))
		if err := publishNew(temps[i], final, o.Data); err != nil {
			removeAll(temps[i:])
			return err
		}
	}
	return nil
}

func publishNew(temp, final string, data []byte) error {
	err := os.Link(temp, final)
	if err == nil {
		os.Remove(temp)
		return nil
	}
	if b, rerr := os.ReadFile(final); rerr == nil && bytes.Equal(b, data) {
		os.Remove(temp)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: publish %s: another file appeared under this name during the run", ErrOutputExists, final)
	}
	if _, serr := os.Lstat(final); !errors.Is(serr, fs.ErrNotExist) {
		return fmt.Errorf("%w: publish %s: the name is taken", ErrOutputExists, final)
	}
	if err := os.Rename(temp, final); err != nil {
		return fmt.Errorf("publish %s: %w", final, err)
	}
	return nil
}

// Replace writes outputs atomically, replacing earlier versions, under the output
// folder's publishing lock (waiting at most LockWait). It is used only for the files
// that describe the extract last read rather than publish a quarter: SPEC §2's
// quarantine/<table>.parquet, written by every run that reads the extract to the end,
// including one the invalid-row limit stops. No manifest lists them. outs is the whole
// description of the extract: any other quarantine/<name>.parquet (directly in the
// quarantine folder, not an edition's copy under quarantine/<label>/) describes an
// extract read earlier, whose table now has no set-aside rows, and is removed.
func Replace(ctx context.Context, dir string, outs []File) error {
	lock, err := lockFolder(ctx, dir, LockWait)
	if err != nil {
		return err
	}
	defer lock.unlock()
	return replace(dir, outs)
}

// replace is Replace for a caller that holds the publishing lock.
func replace(dir string, outs []File) error {
	if err := removeStale(dir, outs); err != nil {
		return err
	}
	// A file already there with the same bytes is left alone: a backfill reads one
	// extract and would otherwise rewrite its quarantine for every quarter.
	same, _, err := existing(dir, outs)
	if err != nil {
		return err
	}
	var changed []File
	for i, o := range outs {
		if !same[i] {
			changed = append(changed, o)
		}
	}
	outs = changed
	if len(outs) == 0 {
		return nil
	}
	temps, err := stage(dir, outs)
	if err != nil {
		return err
	}
	for i, o := range outs {
		final := filepath.Join(dir, filepath.FromSlash(o.Name))
		if err := os.Rename(temps[i], final); err != nil {
			removeAll(temps[i:])
			return fmt.Errorf("publish %s: %w", final, err)
		}
	}
	return nil
}

// existing compares the outputs with the files already published: same says which are
// there with the same bytes; a file there with other bytes is returned in differ.
func existing(dir string, outs []File) (same []bool, differ []string, err error) {
	same = make([]bool, len(outs))
	for i, o := range outs {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(o.Name)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if bytes.Equal(b, o.Data) {
			same[i] = true
		} else {
			differ = append(differ, o.Name)
		}
	}
	return same, differ, nil
}

// removeStale removes each quarantine/<name>.parquet of the output folder that outs
// does not list.
func removeStale(dir string, outs []File) error {
	keep := map[string]bool{}
	for _, o := range outs {
		keep[o.Name] = true
	}
	stale, err := filepath.Glob(filepath.Join(dir, "quarantine", "*.parquet"))
	if err != nil {
		return err
	}
	for _, p := range stale {
		if st, err := os.Lstat(p); err != nil || !st.Mode().IsRegular() {
			continue
		}
		if !keep["quarantine/"+filepath.Base(p)] {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove the stale %s: %w", p, err)
			}
		}
	}
	return nil
}

// cleanTemps removes temporary files that an interrupted run left in dir or in the
// two levels below it (quarantine/<label>/). The caller holds the publishing lock, so
// no other run of this version is staging; a temporary file whose name carries the PID
// of a live process is still left alone (a process without the lock, or our own).
func cleanTemps(dir string) {
	if _, err := os.Stat(dir); err != nil {
		return
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if rel, _ := filepath.Rel(dir, p); d.IsDir() && strings.Count(filepath.ToSlash(rel), "/") >= 2 {
			return fs.SkipDir // deeper than quarantine/<label>/: not ours
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), TempPrefix) && !tempOfLiveProcess(d.Name()) {
			os.Remove(p)
		}
		return nil
	})
}

// tempOfLiveProcess reports whether a temporary file's name carries the PID of a
// process that is alive (this one included). Names without a PID are from a version
// that did not record it, and are treated as a dead process's.
func tempOfLiveProcess(name string) bool {
	pid, _, ok := strings.Cut(strings.TrimPrefix(name, TempPrefix), "-")
	if !ok {
		return false
	}
	n, err := strconv.Atoi(pid)
	return err == nil && pidAlive(n)
}

func removeAll(paths []string) {
	for _, p := range paths {
		if p != "" {
			os.Remove(p)
		}
	}
}
