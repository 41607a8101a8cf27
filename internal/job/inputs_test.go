package job

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/readers"
	manifestout "github.com/recoverykpi/recoverykpi/writers/manifest"
)

// swapFS is the input folder dir, where the file target is replaced by rename with
// a copy of replacement right after the at-th Open of target returns (or, with
// onClose, right after the handle of that Open is closed): the rename of an extract
// landing while the run reads it.
type swapFS struct {
	fs.FS
	t           *testing.T
	dir, target string
	replacement []byte
	at          int
	when        string // "open": as Open returns; "read": after the handle's first Read or ReadAt; "close": after it is closed

	mu      sync.Mutex
	opens   int
	swapped bool
}

func (s *swapFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(s.FS, name) }

func (s *swapFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(s.FS, name) }

func (s *swapFS) Open(name string) (fs.File, error) {
	f, err := s.FS.Open(name)
	if err != nil || name != s.target {
		return f, err
	}
	s.mu.Lock()
	s.opens++
	n := s.opens
	s.mu.Unlock()
	if n != s.at {
		return f, nil
	}
	if s.when == "open" {
		s.swap()
		return f, nil
	}
	return &swapLater{File: f.(*os.File), s: s}, nil
}

func (s *swapFS) swap() {
	tmp := filepath.Join(s.dir, "."+s.target+".landing")
	if err := os.WriteFile(tmp, s.replacement, 0o644); err != nil {
		s.t.Error(err)
		return
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, s.target)); err != nil {
		s.t.Error(err)
		return
	}
	s.mu.Lock()
	s.swapped = true
	s.mu.Unlock()
}

// swapLater is an input file (with ReadAt, Seek and Stat) that swaps the path after
// its first Read or ReadAt or when it is closed.
type swapLater struct {
	*os.File
	s    *swapFS
	once sync.Once
}

func (f *swapLater) Read(b []byte) (int, error) {
	n, err := f.File.Read(b)
	if f.s.when == "read" {
		f.once.Do(f.s.swap)
	}
	return n, err
}

func (f *swapLater) ReadAt(b []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(b, off)
	if f.s.when == "read" {
		f.once.Do(f.s.swap)
	}
	return n, err
}

func (f *swapLater) Close() error {
	err := f.File.Close()
	if f.s.when == "close" {
		f.once.Do(f.s.swap)
	}
	return err
}

// The manifest names the bytes parsed: offers.parquet replaced by rename (by a file
// of other rows and size) after Discover opened it, between the decoder's open and
// its reads, during them, or once the decoder has read and closed it, either fails the run with a
// retryable error naming the file, or leaves an input whose hash is of the file
// whose rows were read. Before the hash came from the decoder's handle, the hash was
// of a second read by path: the swap at the second open gave a manifest hashing the
// original file beside the replacement's rows, or an error that was not retryable.
func TestInputHashIsOfTheBytesParsed(t *testing.T) {
	const target = "offers.parquet"
	other := t.TempDir()
	sum, err := generate.Write(context.Background(), other, generate.Options{Customers: 150, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	replacementRows := offersRows(t, sum)
	replacement, err := os.ReadFile(filepath.Join(other, target))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		at   int
		when string
	}{
		{"after discovery opened it", 1, "open"},
		{"between the decoder's open and its reads", 2, "open"},
		{"while the decoder reads it", 2, "read"},
		{"after the decoder read it", 2, "close"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			sum, err := generate.Write(context.Background(), dir, generate.Options{Customers: 300, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			originalRows := offersRows(t, sum)
			original, err := os.ReadFile(filepath.Join(dir, target))
			if err != nil {
				t.Fatal(err)
			}
			if len(original) == len(replacement) || originalRows == replacementRows {
				t.Fatal("the replacement should differ in size and rows")
			}
			s := &swapFS{FS: os.DirFS(dir), t: t, dir: dir, target: target, replacement: replacement, at: tc.at, when: tc.when}
			j := New(config.Default(), s, dir, t.TempDir(), nil)
			l, err := j.Load(context.Background())
			if !s.swapped {
				t.Fatalf("the file was not swapped (%d opens)", s.opens)
			}
			if err != nil {
				if !errors.Is(err, readers.ErrIncomplete) || !errors.Is(err, readers.ErrUnusable) || !strings.Contains(err.Error(), target) {
					t.Fatalf("want a retryable error (ErrIncomplete) naming %s, got %v", target, err)
				}
				t.Logf("refused: %v", err)
				return
			}
			for _, in := range l.Inputs() {
				if in.Path != target {
					continue
				}
				t.Logf("published: %d rows read, size %d, sha256 %s", in.RowsRead, in.Size, in.SHA256)
				var parsed []byte
				switch in.RowsRead {
				case originalRows:
					parsed = original
				case replacementRows:
					parsed = replacement
				default:
					t.Fatalf("%d rows read: neither file's", in.RowsRead)
				}
				if in.SHA256 != manifestout.Sum(parsed) || in.Size != int64(len(parsed)) {
					t.Errorf("the manifest has %d bytes with SHA-256 %s; the file whose %d rows were read has %d bytes with %s",
						in.Size, in.SHA256, in.RowsRead, len(parsed), manifestout.Sum(parsed))
				}
				return
			}
			t.Fatalf("%s is not among the inputs", target)
		})
	}
}

// offersRows returns the rows that generate wrote to offers.
func offersRows(t *testing.T, sum generate.Summary) int64 {
	t.Helper()
	for _, c := range sum.Tables {
		if c.Table == "offers" && c.Files == 1 {
			return c.Rows
		}
	}
	t.Fatal("generate wrote no single offers file")
	return 0
}

// HashFile (verify's rehash of an input) refuses a named pipe without opening it.
func TestHashFileRefusesANamedPipe(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "offers.parquet"), 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := HashFile(t.Context(), os.DirFS(dir), "offers.parquet")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, readers.ErrUnusable) || !strings.Contains(err.Error(), "offers.parquet is not a regular file") {
			t.Errorf("want a refusal naming offers.parquet, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("HashFile still waits after 10 s: it opened the pipe")
	}
}
