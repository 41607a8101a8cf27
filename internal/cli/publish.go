package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// output is one file to publish: a slash path relative to the output folder, and its
// bytes.
type output struct {
	name string
	data []byte
}

// tempPrefix starts the name of every temporary file, so a crash leaves files that
// are recognisably ours (and cleanTemps removes them on the next run).
const tempPrefix = ".recoverykpi-tmp-"

// stage writes each output to a temporary file in its final folder and returns the
// temporary paths. On error it removes what it wrote.
func stage(dir string, outs []output) ([]string, error) {
	var temps []string
	fail := func(err error) ([]string, error) {
		removeAll(temps)
		return nil, err
	}
	for _, o := range outs {
		final := filepath.Join(dir, filepath.FromSlash(o.name))
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			return fail(fmt.Errorf("output folder: %w", err))
		}
		f, err := os.CreateTemp(filepath.Dir(final), tempPrefix+"*")
		if err != nil {
			return fail(fmt.Errorf("write %s: %w", final, err))
		}
		temps = append(temps, f.Name())
		_, err = f.Write(o.data)
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
			return fail(fmt.Errorf("write %s: %w", final, err))
		}
	}
	return temps, nil
}

// commit renames staged files into place, in order; the caller orders the outputs so
// that the manifest comes last.
func commit(dir string, outs []output, temps []string) error {
	for i, o := range outs {
		final := filepath.Join(dir, filepath.FromSlash(o.name))
		if err := os.Rename(temps[i], final); err != nil {
			removeAll(temps[i:])
			return fmt.Errorf("publish %s: %w", final, err)
		}
	}
	return nil
}

// publishReplace writes outputs atomically, replacing earlier versions. It is used for
// files that describe the extract rather than publish a quarter (the quarantine).
func publishReplace(dir string, outs []output) error {
	if len(outs) == 0 {
		return nil
	}
	temps, err := stage(dir, outs)
	if err != nil {
		return err
	}
	return commit(dir, outs, temps)
}

// existing compares the outputs with the files already published: same says which are
// there with the same bytes; a file there with other bytes is returned in differ.
func existing(dir string, outs []output) (same []bool, differ []string, err error) {
	same = make([]bool, len(outs))
	for i, o := range outs {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(o.name)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if bytes.Equal(b, o.data) {
			same[i] = true
		} else {
			differ = append(differ, o.name)
		}
	}
	return same, differ, nil
}

// cleanTemps removes temporary files that an interrupted run left in dir.
func cleanTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func removeAll(paths []string) {
	for _, p := range paths {
		os.Remove(p)
	}
}
