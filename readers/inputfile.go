package readers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// An input file is checked three times against being replaced or rewritten while the
// run reads it: the handle the decoder opens must be the file whose footer Discover
// checked, and after the decoder has read it, the path must still name the file that
// was read, unchanged (size, modification time and, where the file system gives one,
// identity). The SHA-256 of Options.HashFiles is computed from the decoder's own open
// handle, so a rename over the path cannot change what is hashed: the hash is of the
// bytes parsed. A file that changed is an error wrapping ErrIncomplete (an extract
// still landing; retry later).

// regular refuses a file that is not a regular file: a named pipe or a device would
// make the run wait forever or read without end, a socket cannot be read at all. The
// error wraps neither ErrUnusable nor ErrIncomplete (the caller marks it unusable):
// waiting does not turn a pipe into a file.
func regular(p string, info fs.FileInfo) error {
	m := info.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "not a regular file (mode " + m.String() + ")"
	switch {
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO), not a regular file"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		what = "a device, not a regular file"
	case m&fs.ModeSocket != 0:
		what = "a socket, not a regular file"
	case m.IsDir():
		what = "a folder, not a regular file"
	}
	return fmt.Errorf("%s: %s; an input must be a Parquet file", p, what)
}

// fileChange describes how the file now described by b differs from the one
// described by a, or returns "" when they are the same, unchanged file: same size,
// same modification time and, when both carry an identity (what os.Stat and
// os.File.Stat return; an embed.FS file has none), the same identity (os.SameFile).
func fileChange(a, b fs.FileInfo) string {
	switch {
	case hasIdentity(a) && hasIdentity(b) && !os.SameFile(a, b):
		return "replaced by another file"
	case a.Size() != b.Size():
		return fmt.Sprintf("size %d bytes, now %d", a.Size(), b.Size())
	case !a.ModTime().Equal(b.ModTime()):
		return fmt.Sprintf("modified at %s, now %s", a.ModTime().UTC().Format(time.RFC3339Nano), b.ModTime().UTC().Format(time.RFC3339Nano))
	}
	return ""
}

// hasIdentity reports whether os.SameFile can compare fi with another FileInfo: it
// can only for the FileInfo values of package os (os.SameFile is false otherwise,
// even for fi itself).
func hasIdentity(fi fs.FileInfo) bool { return os.SameFile(fi, fi) }

// changedSinceDiscovered is the error of a file whose decoder handle is not the file
// Discover checked.
func changedSinceDiscovered(p, change string) error {
	return Incomplete(fmt.Errorf("%s: file changed since it was discovered (%s); an extract still being written? try again when it has landed", p, change))
}

// checkUnchanged stats the path of pf again, after it has been read, and returns an
// error wrapping ErrIncomplete when the path no longer names the file that was read,
// unchanged.
func (pf *parquetFile) checkUnchanged(fsys fs.FS) error {
	now, err := fs.Stat(fsys, pf.path)
	if err != nil {
		return Incomplete(fmt.Errorf("%s: file changed while it was read: %w; an extract still being written? try again when it has landed", pf.path, err))
	}
	if change := fileChange(pf.info, now); change != "" {
		return Incomplete(fmt.Errorf("%s: file changed while it was read (%s); an extract still being written? try again when it has landed", pf.path, change))
	}
	return nil
}

// hashBufferSize is the read size of the hasher.
const hashBufferSize = 1 << 20

// fileHash computes the SHA-256 of an open file on a goroutine of its own, reading
// the handle that the parser reads (by ReadAt, which does not move the parser's
// offset), so that hashing runs beside decoding on the second core.
type fileHash struct {
	cancel context.CancelFunc
	done   chan struct{}
	sum    string // hex, once done closes without err
	err    error
}

// startHash hashes the size bytes of pf's handle; buf is the read buffer, owned by
// the hasher until wait returns.
func (pf *parquetFile) startHash(ctx context.Context, buf []byte) *fileHash {
	ctx, cancel := context.WithCancel(ctx)
	h := &fileHash{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		h.sum, h.err = hashAt(ctx, pf.path, pf.src, pf.size, buf)
	}()
	return h
}

// wait returns the hex SHA-256, after the hashing has ended.
func (h *fileHash) wait() (string, error) {
	<-h.done
	h.cancel()
	return h.sum, h.err
}

// stop cancels the hashing and waits for it to end.
func (h *fileHash) stop() {
	h.cancel()
	<-h.done
}

func hashAt(ctx context.Context, p string, r io.ReaderAt, size int64, buf []byte) (string, error) {
	sum := sha256.New()
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		sum.Write(buf[:n])
		off += int64(n)
		if errors.Is(err, io.EOF) && off < size {
			return "", Incomplete(fmt.Errorf("%s: file changed while it was read (%d bytes when opened, %d now); an extract still being written? try again when it has landed", p, size, off))
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("%s: hash: %w", p, err)
		}
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}
