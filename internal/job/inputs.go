package job

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"

	"github.com/recoverykpi/recoverykpi/readers"
	manifestout "github.com/recoverykpi/recoverykpi/writers/manifest"
)

// Input files are hashed in one sequential read each, on a goroutine of their own that
// runs while the readers parse the same files, rather than inside the readers' stream.
// The readers cannot hash as they go: pqarrow reads a Parquet file by random access
// (footer first, then the column chunks it needs, in its own order) and skips the
// columns nobody asked for, so the bytes it reads are neither in file order nor
// complete. A sequential read of the whole file beside the parse keeps each file's
// bytes read once for hashing, warms the page cache for the parser, and leaves the
// readers untouched. Each hashed size is checked against the size Discover saw, so a
// file replaced during the run is an error, not a silent mismatch.

// fileSum is the size and hex SHA-256 of one input file.
type fileSum struct {
	size   int64
	sha256 string
}

// inputHasher hashes the part files of an extract set in the background.
type inputHasher struct {
	cancel context.CancelFunc
	done   chan struct{}
	sums   map[string]fileSum // by slash path relative to the input root
	err    error
}

// hashInputs starts hashing every part file of ex, in table and path order. The
// caller must call stop (safe after sums).
func hashInputs(ctx context.Context, fsys fs.FS, ex *readers.Extract) *inputHasher {
	ctx, cancel := context.WithCancel(ctx)
	h := &inputHasher{cancel: cancel, done: make(chan struct{}), sums: map[string]fileSum{}}
	var files []readers.FileInfo
	for _, t := range ex.Tables() {
		files = append(files, t.Files...)
	}
	go func() {
		defer close(h.done)
		for _, f := range files {
			if _, ok := h.sums[f.Path]; ok {
				continue
			}
			s, err := hashFile(ctx, fsys, f.Path)
			if err != nil {
				h.err = fmt.Errorf("%w: hash %s: %w", readers.ErrUnusable, f.Path, err)
				return
			}
			if s.size != f.Size {
				h.err = fmt.Errorf("%w: %s changed while it was read: %d bytes, %d when the run started", readers.ErrUnusable, f.Path, s.size, f.Size)
				return
			}
			h.sums[f.Path] = s
		}
	}()
	return h
}

// stop cancels the hashing if it is still running and waits for it to end.
func (h *inputHasher) stop() {
	h.cancel()
	<-h.done
}

// fill waits for the hashing to finish and sets the SHA-256 of every input.
func (h *inputHasher) fill(inputs []manifestout.InputFile) error {
	<-h.done
	if h.err != nil {
		return h.err
	}
	for i := range inputs {
		s, ok := h.sums[inputs[i].Path]
		if !ok {
			return fmt.Errorf("input %s was read but not hashed", inputs[i].Path)
		}
		inputs[i].SHA256 = s.sha256
	}
	return nil
}

// HashFile returns the size and hex SHA-256 of the file p of fsys, reading it once
// from start to end.
func HashFile(ctx context.Context, fsys fs.FS, p string) (size int64, sha256 string, err error) {
	s, err := hashFile(ctx, fsys, p)
	return s.size, s.sha256, err
}

func hashFile(ctx context.Context, fsys fs.FS, p string) (fileSum, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return fileSum{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, ctxReader{ctx, f}, make([]byte, 1<<20))
	if err != nil {
		return fileSum{}, err
	}
	return fileSum{size: n, sha256: hex.EncodeToString(h.Sum(nil))}, nil
}

// ctxReader stops a long read when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
