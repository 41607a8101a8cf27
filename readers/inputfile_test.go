package readers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// rewriteOnOpenFS is a MapFS (whose files carry no identity for os.SameFile) where
// the n-th Open of name replaces its entry by next once the open file is taken: a
// file rewritten while it is read, seen only by its size and modification time.
type rewriteOnOpenFS struct {
	fstest.MapFS
	name  string
	n     int
	next  *fstest.MapFile
	opens int
}

func (r *rewriteOnOpenFS) Open(name string) (fs.File, error) {
	f, err := r.MapFS.Open(name)
	if err == nil && name == r.name {
		if r.opens++; r.opens == r.n {
			r.MapFS[name] = r.next
		}
	}
	return f, err
}

func (r *rewriteOnOpenFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(r.MapFS, name) }

// readPurchases discovers fsys and reads purchases to the end with Options.HashFiles.
func readPurchases(t *testing.T, fsys fs.FS) (TableQuality, error) {
	t.Helper()
	ex, err := Discover(t.Context(), fsys, Options{HashFiles: true})
	if err != nil {
		return TableQuality{}, err
	}
	r, err := ex.Table("purchases").Open(t.Context(), nil)
	if err != nil {
		return TableQuality{}, err
	}
	defer r.Close()
	for {
		rec, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			return r.Quality(), nil
		}
		if err != nil {
			return TableQuality{}, err
		}
		rec.Release()
	}
}

// With Options.HashFiles each file's SHA-256 is of the bytes read, on a file system
// without file identities too; a file whose size or modification time changes while
// it is read is an error naming it that a scheduler retries.
func TestHashFilesOnAnyFileSystem(t *testing.T) {
	b, err := arrowBytes(arrowOpts{}, basePurchases(col{})...)
	if err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC)
	file := func(data []byte, mod time.Time) *fstest.MapFile {
		return &fstest.MapFile{Data: data, Mode: 0o644, ModTime: mod}
	}
	sum := sha256.Sum256(b)

	q, err := readPurchases(t, fstest.MapFS{"purchases.parquet": file(b, mtime)})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.SHA256) != 1 || q.SHA256[0] != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 %v, want [%x]", q.SHA256, sum)
	}

	for _, tc := range []struct {
		name string
		next *fstest.MapFile
		want string
	}{
		{"modified", file(b, mtime.Add(time.Second)), "purchases.parquet: file changed while it was read (modified at"},
		{"resized", file(append(b[:len(b):len(b)], 0), mtime), "purchases.parquet: file changed while it was read (size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := &rewriteOnOpenFS{MapFS: fstest.MapFS{"purchases.parquet": file(b, mtime)}, name: "purchases.parquet", n: 2, next: tc.next}
			_, err := readPurchases(t, fsys)
			if !errors.Is(err, ErrIncomplete) || !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want a retryable error %q..., got %v", tc.want, err)
			}
		})
	}
}
