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

// Input files are hashed by the readers as they read them (readers.Options.HashFiles):
// from the very handle the Parquet reader parses, by ReadAt on a goroutine beside the
// decoding, so the hash is of the bytes parsed even when the path is renamed over
// during the run; and a file whose path no longer names it, unchanged, after it was
// read fails the run as an extract still landing (readers.ErrIncomplete). A second,
// sequential read by path would hash whatever the path names by then.

// fillHashes sets the SHA-256 of every input from the readers' quality, by path.
func fillHashes(inputs []manifestout.InputFile, quality map[string]readers.TableQuality) error {
	sums := map[string]string{}
	for _, q := range quality {
		for i, f := range q.Files {
			if i < len(q.SHA256) && q.SHA256[i] != "" {
				sums[f.Path] = q.SHA256[i]
			}
		}
	}
	for i := range inputs {
		s, ok := sums[inputs[i].Path]
		if !ok {
			return fmt.Errorf("input %s was read but not hashed", inputs[i].Path)
		}
		inputs[i].SHA256 = s
	}
	return nil
}

// mergeInputs puts each table's metadata files (meta) after its data files
// (data), keeping the tables in their order.
func mergeInputs(data, meta []manifestout.InputFile) []manifestout.InputFile {
	if len(meta) == 0 {
		return data
	}
	out := make([]manifestout.InputFile, 0, len(data)+len(meta))
	for i := 0; i < len(data); {
		j := i
		for j < len(data) && data[j].Table == data[i].Table {
			j++
		}
		out = append(out, data[i:j]...)
		for _, m := range meta {
			if m.Table == data[i].Table {
				out = append(out, m)
			}
		}
		i = j
	}
	return out
}

// HashFile returns the size and hex SHA-256 of the file p of fsys, reading it once
// from start to end. A path that does not name a regular file (a named pipe, whose
// open would wait for a writer) is refused before it is opened.
func HashFile(ctx context.Context, fsys fs.FS, p string) (size int64, sum string, err error) {
	st, err := fs.Stat(fsys, p)
	if err != nil {
		return 0, "", err
	}
	if !st.Mode().IsRegular() {
		return 0, "", fmt.Errorf("%w: %s is not a regular file (mode %s)", readers.ErrUnusable, p, st.Mode())
	}
	f, err := fsys.Open(p)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, ctxReader{ctx, f}, make([]byte, 1<<20))
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
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
