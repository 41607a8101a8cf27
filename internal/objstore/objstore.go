// Package objstore reads an extract set from object storage: it adapts a bucket and a
// prefix, named by a URL (s3://bucket/prefix/, gs://bucket/prefix/,
// azblob://container/prefix/, file:///folder), to the io/fs.FS that the readers read.
// It is the only package that imports gocloud.dev/blob and its drivers (s3blob,
// gcsblob, azureblob, fileblob), and through them the cloud SDKs.
//
// Every read is a ranged read: a file's ReadAt is one ranged GET of the bytes asked
// for (blob.Bucket.NewRangeReader), so the Parquet reader fetches the footer and the
// column chunks it decodes, and the hasher reads the file in chunks of its buffer;
// no object is ever copied whole to memory or disk. A folder is a key prefix: ReadDir
// lists it with the delimiter "/", so a "folder" is a common prefix; Stat's size and
// modification time come from the object's attributes.
//
// Credentials come from the drivers' usual environment variables and files (AWS_*
// and ~/.aws for S3, AZURE_STORAGE_* for Azure, GOOGLE_APPLICATION_CREDENTIALS for
// GCS); this package never reads, logs or records them. Root gives the URL with any
// password or secret query value masked, for the manifest and for error messages.
package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file://; the cloud drivers in driver_*.go
	"gocloud.dev/gcerrors"

	"github.com/recoverykpi/recoverykpi/internal/redact"
)

// Schemes are the URL schemes an extract set may be read from. A binary built with
// the tag recoverykpi_nos3, recoverykpi_noazure or recoverykpi_nogcs leaves that
// driver out (see the README for what each adds to the binary) and refuses its scheme.
var Schemes = []string{"s3", "gs", "azblob", "file"}

// excluded returns the build tag that left the driver of scheme out of this binary,
// or "".
func excluded(scheme string) string {
	switch {
	case scheme == "s3" && !withS3:
		return "recoverykpi_nos3"
	case scheme == "azblob" && !withAzure:
		return "recoverykpi_noazure"
	case scheme == "gs" && !withGCS:
		return "recoverykpi_nogcs"
	}
	return ""
}

// ErrNotFound is wrapped by Open's error when the bucket does not exist or holds no
// object under the prefix: the extract set has not landed (or the URL is wrong).
var ErrNotFound = errors.New("no extract set there")

// ErrURL is wrapped by Open's error when the URL itself is wrong: not a URL, a scheme
// that is not one of Schemes, no bucket, credentials in it.
var ErrURL = errors.New("invalid input URL")

// badURL is an error wrapping ErrURL whose message is the formatted text alone.
func badURL(format string, args ...any) error {
	return &urlError{fmt.Errorf(format, args...)}
}

type urlError struct{ err error }

func (e *urlError) Error() string   { return e.err.Error() }
func (e *urlError) Unwrap() []error { return []error{ErrURL, e.err} }

// IsURL reports whether root is a URL with a scheme (scheme://...) rather than a
// folder. Open accepts only the Schemes; any other scheme is its error.
func IsURL(root string) bool {
	i := strings.Index(root, "://")
	if i <= 0 {
		return false
	}
	for _, c := range root[:i] {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Name is the last element of the URL's path (extracts for
// s3://bucket/landing/extracts/?region=eu-west-1), or the bucket when the URL has no
// path: what a folder's name is for a local extract set.
func Name(root string) string {
	u, err := url.Parse(root)
	if err != nil {
		return ""
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		return path.Base(p)
	}
	return u.Host
}

// Root returns a URL root with the password of its user info and every secret query
// value masked (redact.URL): what the manifest records and what errors quote. A root
// that is not a URL (a folder) is returned as it is.
func Root(root string) string {
	if !IsURL(root) {
		return root
	}
	return redact.URL(root)
}

// Bucket is an extract set in object storage, read as an fs.FS (also fs.StatFS and
// fs.ReadDirFS). Its files implement io.ReaderAt and io.Seeker. It is safe for
// concurrent use; Close it when done.
type Bucket struct {
	ctx    context.Context
	b      *blob.Bucket
	prefix string // "" or ending in "/"
	root   string // the URL, secrets masked

	requests atomic.Int64 // ranged reads
	fetched  atomic.Int64 // bytes they returned
	largest  atomic.Int64 // the most bytes one ranged read asked for
}

// Open opens the bucket and prefix that rawURL names and checks that it holds at
// least one object. ctx bounds every request the returned Bucket makes, for its whole
// life. A bucket that does not exist, or a prefix without objects, is an error
// wrapping ErrNotFound and fs.ErrNotExist. The query parameters are the driver's
// (gocloud.dev/concepts/urls: region, endpoint, use_path_style for s3;
// protocol, domain, localemu for azblob); an unknown one is an error.
func Open(ctx context.Context, rawURL string) (*Bucket, error) {
	root := Root(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, badURL("input %s: not a URL", root)
	}
	scheme := strings.ToLower(u.Scheme)
	if !slices.Contains(Schemes, scheme) {
		return nil, badURL("input %s: scheme %q is not supported (use %s)", root, u.Scheme, strings.Join(Schemes, "://, ")+"://")
	}
	if tag := excluded(scheme); tag != "" {
		return nil, badURL("input %s: this binary was built without the %s:// driver (-tags %s)", root, scheme, tag)
	}
	if u.User != nil {
		return nil, badURL("input %s: credentials in the URL are not read; the drivers take them from their environment (see the README)", root)
	}
	var bucketURL, prefix string
	switch scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, badURL("input %s: a file URL names an absolute folder: file:///path/to/extracts", root)
		}
		if st, err := os.Stat(u.Path); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("input %s: %w: no such folder (%w)", root, ErrNotFound, fs.ErrNotExist)
		}
		bucketURL = (&url.URL{Scheme: scheme, Path: u.Path, RawQuery: u.RawQuery}).String()
	default:
		if u.Host == "" {
			return nil, badURL("input %s: no bucket: %s://BUCKET/PREFIX/", root, scheme)
		}
		q := u.Query()
		if scheme == "s3" && !q.Has("response_checksum_validation") {
			// A ranged GET cannot be checked against a whole object's checksum; asked to
			// try, the SDK logs a line on standard error for each read.
			q.Set("response_checksum_validation", "when_required")
		}
		bucketURL = (&url.URL{Scheme: scheme, Host: u.Host, RawQuery: q.Encode()}).String()
		if prefix = strings.Trim(u.Path, "/"); prefix != "" {
			prefix += "/"
		}
		if !fs.ValidPath(strings.TrimSuffix(prefix, "/")) && prefix != "" {
			return nil, badURL("input %s: invalid prefix %q", root, prefix)
		}
	}
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		// An unknown query parameter, a file:// folder that does not exist.
		return nil, badURL("input %s: %w", root, redact.Error(err, rawURL))
	}
	bk := &Bucket{ctx: ctx, b: b, prefix: prefix, root: root}
	if err := bk.checkLanded(); err != nil {
		_ = b.Close()
		return nil, err
	}
	return bk, nil
}

// checkLanded returns an error unless the prefix holds at least one object.
func (bk *Bucket) checkLanded() error {
	objs, _, err := bk.b.ListPage(bk.ctx, blob.FirstPageToken, 1, &blob.ListOptions{Prefix: bk.prefix})
	switch {
	case gcerrors.Code(err) == gcerrors.NotFound:
		return fmt.Errorf("input %s: %w: the bucket does not exist (%w)", bk.root, ErrNotFound, fs.ErrNotExist)
	case err != nil:
		return fmt.Errorf("input %s: %w", bk.root, bk.clean(err))
	case len(objs) == 0:
		return fmt.Errorf("input %s: %w: no object under this prefix (%w)", bk.root, ErrNotFound, fs.ErrNotExist)
	}
	return nil
}

// Root is the URL the bucket was opened with, secrets masked.
func (bk *Bucket) Root() string { return bk.root }

// Close releases the bucket. Files opened from it must not be read after.
func (bk *Bucket) Close() error { return bk.b.Close() }

// Stats are the ranged reads a Bucket's files have made since it was opened.
type Stats struct {
	Requests int64 // ranged reads (one GET each)
	Bytes    int64 // bytes they returned
	Largest  int64 // the most bytes one of them asked for
}

// Stats returns the ranged reads made so far.
func (bk *Bucket) Stats() Stats {
	return Stats{Requests: bk.requests.Load(), Bytes: bk.fetched.Load(), Largest: bk.largest.Load()}
}

// key is the object key of the slash path name of the FS ("." is the prefix).
func (bk *Bucket) key(name string) string {
	if name == "." {
		return bk.prefix
	}
	return bk.prefix + name
}

// where names a path of the FS in errors: the URL without its query (secrets masked)
// and the path.
func (bk *Bucket) where(name string) string {
	base, _, _ := strings.Cut(bk.root, "?")
	if name == "." {
		return base
	}
	return strings.TrimSuffix(base, "/") + "/" + name
}

// clean masks the URL's secrets in a driver's error.
func (bk *Bucket) clean(err error) error { return redact.Error(err, bk.root) }

// pathError is the fs.PathError of op on name, fs.ErrNotExist for a missing object.
func (bk *Bucket) pathError(op, name string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		err = fs.ErrNotExist
	} else {
		err = bk.clean(err)
	}
	return &fs.PathError{Op: op, Path: bk.where(name), Err: err}
}

// Open opens the file or folder name. A key that is both an object and a prefix of
// others is the file.
func (bk *Bucket) Open(name string) (fs.File, error) {
	info, err := bk.stat("open", name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return &dir{bk: bk, name: name, info: info}, nil
	}
	return &file{bk: bk, key: bk.key(name), name: name, info: info.(fileInfo)}, nil
}

// Stat returns the size and modification time of the object name, or a folder's
// FileInfo when name is a prefix of objects.
func (bk *Bucket) Stat(name string) (fs.FileInfo, error) { return bk.stat("stat", name) }

// validPath reports whether name is a valid fs path that names a key: one without a
// backslash, which some servers take for a separator.
func validPath(name string) bool { return fs.ValidPath(name) && !strings.Contains(name, `\`) }

func (bk *Bucket) stat(op, name string) (fs.FileInfo, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return fileInfo{name: ".", dir: true}, nil
	}
	attrs, err := bk.b.Attributes(bk.ctx, bk.key(name))
	if err == nil {
		return fileInfo{name: path.Base(name), size: attrs.Size, mod: attrs.ModTime}, nil
	}
	if gcerrors.Code(err) != gcerrors.NotFound {
		return nil, bk.pathError(op, name, err)
	}
	objs, _, err := bk.b.ListPage(bk.ctx, blob.FirstPageToken, 1, &blob.ListOptions{Prefix: bk.key(name) + "/"})
	if err != nil {
		return nil, bk.pathError(op, name, err)
	}
	if len(objs) == 0 {
		return nil, &fs.PathError{Op: op, Path: bk.where(name), Err: fs.ErrNotExist}
	}
	return fileInfo{name: path.Base(name), dir: true}, nil
}

// ReadDir lists the folder name: the objects and the "folders" (common prefixes)
// directly under its prefix, sorted by name. An object whose key ends in "/" (the
// folder marker that consoles write for "create folder") is a folder; a name that is
// not a valid path element is left out.
func (bk *Bucket) ReadDir(name string) ([]fs.DirEntry, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	prefix := bk.prefix
	if name != "." {
		prefix = bk.key(name) + "/"
	}
	var out []fs.DirEntry
	it := bk.b.List(&blob.ListOptions{Prefix: prefix, Delimiter: "/"})
	for {
		obj, err := it.Next(bk.ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bk.pathError("readdir", name, err)
		}
		base := strings.TrimSuffix(strings.TrimPrefix(obj.Key, prefix), "/")
		if base == "" || strings.Contains(base, "/") || !validPath(base) {
			continue
		}
		if obj.IsDir || strings.HasSuffix(obj.Key, "/") {
			out = append(out, fs.FileInfoToDirEntry(fileInfo{name: base, dir: true}))
			continue
		}
		out = append(out, fs.FileInfoToDirEntry(fileInfo{name: base, size: obj.Size, mod: obj.ModTime}))
	}
	if len(out) == 0 && name != "." {
		// An empty listing: a missing folder, or a file.
		info, err := bk.stat("readdir", name)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			return nil, &fs.PathError{Op: "readdir", Path: bk.where(name), Err: errors.New("not a folder")}
		}
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int {
		if c := strings.Compare(a.Name(), b.Name()); c != 0 {
			return c
		}
		return compareBool(a.IsDir(), b.IsDir())
	})
	// A key that is both an object and a prefix is listed twice: keep the file, as
	// Open does.
	out = slices.CompactFunc(out, func(a, b fs.DirEntry) bool { return a.Name() == b.Name() })
	return out, nil
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// fileInfo describes an object or a folder. The modification time is kept to the
// second: listings give milliseconds where HEAD gives seconds, and the readers compare
// a file's Stat before and after reading it.
type fileInfo struct {
	name string
	size int64
	mod  time.Time
	dir  bool
}

func (fi fileInfo) Name() string { return fi.name }
func (fi fileInfo) Size() int64  { return fi.size }
func (fi fileInfo) Mode() fs.FileMode {
	if fi.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (fi fileInfo) ModTime() time.Time { return fi.mod.Truncate(time.Second).UTC() }
func (fi fileInfo) IsDir() bool        { return fi.dir }
func (fi fileInfo) Sys() any           { return nil }

// file is an object opened for reading. Every read is a ranged read of the bytes
// asked for; Read and Seek keep an offset of their own, which ReadAt neither uses
// nor moves.
type file struct {
	bk   *Bucket
	key  string
	name string
	info fileInfo

	mu  sync.Mutex // guards off
	off int64
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Close() error               { return nil }

// ReadAt reads len(p) bytes at off with one ranged read (fewer at the end of the
// object, then with io.EOF). The size is the one Stat gave when the file was opened:
// an object rewritten since then reads short, an io.ErrUnexpectedEOF.
func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.bk.where(f.name), Err: fs.ErrInvalid}
	}
	if off >= f.info.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), f.info.size-off)
	if want == 0 {
		return 0, nil
	}
	for {
		prev := f.bk.largest.Load()
		if want <= prev || f.bk.largest.CompareAndSwap(prev, want) {
			break
		}
	}
	f.bk.requests.Add(1)
	r, err := f.bk.b.NewRangeReader(f.bk.ctx, f.key, off, want, nil)
	if err != nil {
		return 0, f.bk.pathError("read", f.name, err)
	}
	n, err := io.ReadFull(r, p[:want])
	f.bk.fetched.Add(int64(n))
	if cerr := r.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return n, f.bk.pathError("read", f.name, err)
	}
	if want < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

// Read reads from the file's offset with ReadAt.
func (f *file) Read(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.ReadAt(p, f.off)
	f.off += int64(n)
	if n > 0 && errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

// Seek sets the offset of Read.
func (f *file) Seek(offset int64, whence int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.info.size
	default:
		return 0, &fs.PathError{Op: "seek", Path: f.bk.where(f.name), Err: fs.ErrInvalid}
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.bk.where(f.name), Err: fs.ErrInvalid}
	}
	f.off = offset
	return offset, nil
}

// dir is a folder opened for listing.
type dir struct {
	bk      *Bucket
	name    string
	info    fs.FileInfo
	entries []fs.DirEntry // nil until the first ReadDir
	read    bool
}

func (d *dir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dir) Close() error               { return nil }
func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.bk.where(d.name), Err: errors.New("is a folder")}
}

// ReadDir returns the next n entries (all of them for n <= 0), as fs.ReadDirFile says.
func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		es, err := d.bk.ReadDir(d.name)
		if err != nil {
			return nil, err
		}
		d.entries, d.read = es, true
	}
	if n <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	out := d.entries[:n]
	d.entries = d.entries[n:]
	return out, nil
}
