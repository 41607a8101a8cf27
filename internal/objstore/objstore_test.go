package objstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"cloud.google.com/go/storage"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.uber.org/goleak"
	"gocloud.dev/blob"

	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/internal/objstore"
	"github.com/recoverykpi/recoverykpi/readers"
)

// TestMain fails the package's tests when a goroutine they started is still running
// at the end, but for the idle keep-alive connections of the SDKs' HTTP clients,
// which no Close reaches.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// The environment variables that name the test servers (.ci/run starts them).
const (
	envS3       = "RECOVERYKPI_S3_ENDPOINT"  // http://127.0.0.1:8333, an S3-compatible server (SeaweedFS)
	envAzurite  = "RECOVERYKPI_AZURITE"      // http://127.0.0.1:10000, Azurite's blob service
	envGCS      = "RECOVERYKPI_GCS_EMULATOR" // 127.0.0.1:4443, a GCS emulator's JSON API over http (fake-gcs-server)
	envRequired = "RECOVERYKPI_REQUIRE_OBJSTORE"
)

// secretKey is the S3 secret the tests put in the environment: it must appear in no
// output, log or error.
const secretKey = "rk-test-secret-Zq8XvP3"

// azuriteKey is Azurite's well-known account key (public: it is in Azurite's docs).
const azuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

// store is one object store the tests write an extract set to: a bucket (or
// container, or folder) made for the test.
type store struct {
	name   string
	scheme string
	bucket string // bucket, container, or absolute folder for file
	query  string // the driver's query parameters
}

// url names prefix (a slash path, "" for the root) in the store, with a trailing "/".
func (s store) url(prefix string) string {
	if s.scheme == "file" {
		return "file://" + filepath.ToSlash(filepath.Join(s.bucket, prefix))
	}
	u := s.scheme + "://" + s.bucket + "/"
	if prefix != "" {
		u += strings.Trim(prefix, "/") + "/"
	}
	if s.query != "" {
		u += "?" + s.query
	}
	return u
}

// open opens the store's bucket for writing, at its root.
func (s store) open(t *testing.T) *blob.Bucket {
	t.Helper()
	raw := s.scheme + "://" + s.bucket
	if s.scheme == "file" {
		raw = "file://" + filepath.ToSlash(s.bucket)
	}
	if s.query != "" {
		raw += "?" + s.query
	}
	b, err := blob.OpenBucket(context.Background(), raw)
	if err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// put writes every file under dir into the store under prefix: a plain copy for a
// folder (file://), an upload otherwise.
func (s store) put(t *testing.T, dir, prefix string) {
	t.Helper()
	if s.scheme == "file" {
		if err := os.CopyFS(filepath.Join(s.bucket, prefix), os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		return
	}
	b := s.open(t)
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return err
		}
		return b.WriteAll(context.Background(), strings.Trim(prefix, "/")+"/"+p, data, nil)
	})
	if err != nil {
		t.Fatalf("upload to %s: %v", s.name, err)
	}
}

// servers are the buckets made on the test servers, once per test binary (SeaweedFS
// gives each bucket volumes of its own); each test writes under a prefix of its own.
var (
	serversOnce sync.Once
	servers     []store
	serversErr  error
)

// stores returns a folder read through fileblob, and each server that the
// environment names, with a bucket made for the test binary. Without a server's
// variable its store is left out, unless RECOVERYKPI_REQUIRE_OBJSTORE=1 (CI), which
// fails the test. Each store's url gets a prefix unique to the test from at.
func stores(t *testing.T) []store {
	t.Helper()
	credentials(t)
	serversOnce.Do(func() { servers, serversErr = makeBuckets() })
	if serversErr != nil {
		t.Fatal(serversErr)
	}
	for _, env := range []string{envS3, envAzurite, envGCS} {
		if os.Getenv(env) == "" {
			missing(t, env)
		}
	}
	return append([]store{{name: "fileblob", scheme: "file", bucket: t.TempDir()}}, servers...)
}

func makeBuckets() ([]store, error) {
	var out []store
	suffix := randomName()
	if ep := os.Getenv(envS3); ep != "" {
		s := store{name: "s3", scheme: "s3", bucket: "rk-" + suffix,
			query: url.Values{"endpoint": {ep}, "use_path_style": {"true"}, "region": {"us-east-1"}}.Encode()}
		b, err := blob.OpenBucket(context.Background(), s.url(""))
		if err != nil {
			return nil, err
		}
		defer b.Close()
		var client *s3.Client
		if !b.As(&client) {
			return nil, errors.New("s3blob: no *s3.Client")
		}
		if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &s.bucket}); err != nil {
			return nil, fmt.Errorf("create bucket %s at %s: %w", s.bucket, ep, err)
		}
		out = append(out, s)
	}
	if ep := os.Getenv(envAzurite); ep != "" {
		u, err := url.Parse(ep)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envAzurite, err)
		}
		s := store{name: "azurite", scheme: "azblob", bucket: "rk-" + suffix,
			query: url.Values{"protocol": {"http"}, "domain": {u.Host}, "localemu": {"true"}}.Encode()}
		b, err := blob.OpenBucket(context.Background(), s.url(""))
		if err != nil {
			return nil, err
		}
		defer b.Close()
		var client *container.Client
		if !b.As(&client) {
			return nil, errors.New("azureblob: no *container.Client")
		}
		if _, err := client.Create(context.Background(), nil); err != nil {
			return nil, fmt.Errorf("create container %s at %s: %w", s.bucket, ep, err)
		}
		out = append(out, s)
	}
	if ep := os.Getenv(envGCS); ep != "" {
		s := store{name: "gcs", scheme: "gs", bucket: "rk-" + suffix}
		b, err := blob.OpenBucket(context.Background(), s.url(""))
		if err != nil {
			return nil, err
		}
		defer b.Close()
		var client *storage.Client
		if !b.As(&client) {
			return nil, errors.New("gcsblob: no *storage.Client")
		}
		if err := client.Bucket(s.bucket).Create(context.Background(), "recoverykpi-test", nil); err != nil {
			return nil, fmt.Errorf("create bucket %s at %s: %w", s.bucket, ep, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// credentials sets the providers' usual environment variables, as a deployment
// would: the S3 server and Azurite accept these.
func credentials(t *testing.T) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_ACCESS_KEY_ID", "rk-test-key")
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AZURE_STORAGE_ACCOUNT", "devstoreaccount1")
	t.Setenv("AZURE_STORAGE_KEY", azuriteKey)
	if ep := os.Getenv(envGCS); ep != "" {
		// The Go client of Cloud Storage talks to an emulator at this address,
		// without credentials, as Google documents.
		t.Setenv("STORAGE_EMULATOR_HOST", ep)
		t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", none)
	}
}

func missing(t *testing.T, env string) {
	t.Helper()
	if os.Getenv(envRequired) == "1" {
		t.Fatalf("%s is not set and %s=1: start the server (see .ci/run)", env, envRequired)
	}
	t.Logf("%s not set: that object store is not tested", env)
}

func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func openBucket(t *testing.T, u string) *objstore.Bucket {
	t.Helper()
	b, err := objstore.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// The bucket is an fs.FS as testing/fstest checks one (Open, Stat, ReadDir, ReadAt,
// Seek, sorted listings, file sizes and times that agree between listing and Stat),
// with folders from the delimiter and folder-marker objects left out.
func TestFS(t *testing.T) {
	tree := map[string]string{
		"a.parquet":                   "PAR1 a PAR1",
		"t/part-0":                    "PAR1 part PAR1",
		"t/_SUCCESS":                  "",
		"t/.part-0.crc":               "crc",
		"t/_temporary/0/x":            "garbage",
		"t/year=2024/part-1.parquet":  "PAR1 2024 PAR1",
		"t/year=2025/part-2.parquet":  "PAR1 2025 PAR1 and some more bytes",
		"t/year=2025/sub/deep/z.parq": "z",
	}
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			src := t.TempDir()
			for p, c := range tree {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(src, p)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(src, p), []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			pre := "landing/" + randomName()
			s.put(t, src, pre)
			var names []string
			for p := range tree {
				names = append(names, p)
			}
			if s.scheme == "s3" {
				// (gocloud's azureblob escapes a trailing "/", so only on S3.)
				// A folder marker (a 0-byte object whose key ends in "/", as consoles
				// write for "create folder") is a folder, never a file named "".
				if err := s.open(t).WriteAll(context.Background(), pre+"/t/empty/", nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			b := openBucket(t, s.url(pre))
			if err := fstest.TestFS(b, names...); err != nil {
				t.Fatal(err)
			}
			es, err := fs.ReadDir(b, "t")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range es {
				n := e.Name()
				if e.IsDir() {
					n += "/"
				}
				got = append(got, n)
			}
			want := []string{".part-0.crc", "_SUCCESS", "_temporary/", "part-0", "year=2024/", "year=2025/"}
			if s.scheme == "s3" {
				want = []string{".part-0.crc", "_SUCCESS", "_temporary/", "empty/", "part-0", "year=2024/", "year=2025/"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("ReadDir(t) = %q, want %q", got, want)
			}
			st, err := fs.Stat(b, "t/year=2025/part-2.parquet")
			if err != nil || st.Size() != int64(len(tree["t/year=2025/part-2.parquet"])) || !st.Mode().IsRegular() {
				t.Errorf("Stat = %v, %v", st, err)
			}
			if _, err := fs.Stat(b, "t/nope"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Stat of a missing file: %v, want fs.ErrNotExist", err)
			}
			if _, err := fs.Stat(b, "t/year=2025"); err != nil {
				t.Errorf("Stat of a folder: %v", err)
			}
			// ReadAt is one ranged read of the bytes asked for.
			f, err := b.Open("t/year=2025/part-2.parquet")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			before := b.Stats()
			buf := make([]byte, 4)
			if n, err := f.(io.ReaderAt).ReadAt(buf, 5); n != 4 || err != nil || string(buf) != "2025" {
				t.Errorf("ReadAt = %d, %v, %q", n, err, buf)
			}
			if d := b.Stats(); d.Requests-before.Requests != 1 || d.Bytes-before.Bytes != 4 {
				t.Errorf("ReadAt of 4 bytes made %d requests for %d bytes", d.Requests-before.Requests, d.Bytes-before.Bytes)
			}
		})
	}
}

// Discovery through a bucket finds the same tables and part files as through the
// folder, with the same skip rules: names starting with "_" or "." (_SUCCESS,
// _temporary/, .crc files) are not parts; partition folders are walked. It reads
// only the footers: far fewer bytes than the files hold.
func TestDiscoverSkipsAndReadsFootersOnly(t *testing.T) {
	dir := t.TempDir()
	if _, err := generate.Write(context.Background(), dir, generate.Options{Customers: 400, Seed: 3, PartRows: 2000}); err != nil {
		t.Fatal(err)
	}
	for p, c := range map[string]string{
		"purchases/_SUCCESS":                          "",
		"purchases/year=2025/.part-00000.parquet.crc": "crc",
		"purchases/_temporary/0/_temporary/garbage":   "not parquet",
		"_started_1234":                               "x",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := discoverFiles(t, os.DirFS(dir))
	var total int64
	for _, f := range want {
		total += f.Size
	}
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			pre := randomName() + "/extracts"
			s.put(t, dir, pre)
			b := openBucket(t, s.url(pre))
			got := discoverFiles(t, b)
			if !slices.Equal(got, want) {
				t.Errorf("files through %s:\n%v\nwant\n%v", s.name, got, want)
			}
			st := b.Stats()
			if st.Bytes == 0 || st.Bytes >= total/2 {
				t.Errorf("discovery fetched %d bytes of %d: footers only expected", st.Bytes, total)
			}
		})
	}
}

type file struct {
	Path string
	Size int64
}

func discoverFiles(t *testing.T, fsys fs.FS) []file {
	t.Helper()
	e, err := readers.Discover(context.Background(), fsys, readers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []file
	for _, tb := range e.Tables() {
		for _, f := range tb.Files {
			out = append(out, file{f.Path, f.Size})
		}
	}
	if len(out) < 8 {
		t.Fatalf("only %d files discovered", len(out))
	}
	return out
}

// A bucket that does not exist and a prefix without objects are errors naming the
// URL, wrapping ErrNotFound and fs.ErrNotExist; a URL that cannot name an extract set
// is an ErrURL; no error quotes a secret.
func TestOpenErrors(t *testing.T) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			s.put(t, t.TempDir(), "") // nothing
			missingPrefix := s.url("no/such/prefix")
			_, err := objstore.Open(context.Background(), missingPrefix)
			if !errors.Is(err, objstore.ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("missing prefix: %v", err)
			}
			if !strings.Contains(err.Error(), strings.TrimSuffix(objstore.Root(missingPrefix), "/")) {
				t.Errorf("the error does not name the URL %s: %v", missingPrefix, err)
			}
			if s.scheme == "file" {
				return
			}
			gone := s
			gone.bucket = "rk-missing-" + randomName()
			_, err = objstore.Open(context.Background(), gone.url("x"))
			if !errors.Is(err, objstore.ErrNotFound) || !strings.Contains(err.Error(), gone.bucket) {
				t.Errorf("missing bucket: %v", err)
			}
			if strings.Contains(err.Error(), secretKey) {
				t.Errorf("the error quotes the secret: %v", err)
			}
		})
	}
	for _, tc := range []struct{ url, want string }{
		{"ftp://host/x/", `scheme "ftp" is not supported`},
		{"s3:///x/", "no bucket"},
		{"s3://user:hunter2@bucket/x/", "credentials in the URL are not read"},
		{"s3://bucket/x/?token=hunter2", "unknown query parameter"},
		{"file://host/x", "absolute folder"},
	} {
		_, err := objstore.Open(context.Background(), tc.url)
		if !errors.Is(err, objstore.ErrURL) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%s) = %v, want ErrURL with %q", tc.url, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%s): the error quotes the secret: %v", tc.url, err)
		}
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		root  string
		isURL bool
		name  string
		shown string
	}{
		{"s3://bucket/landing/extracts/?region=eu-west-1", true, "extracts", "s3://bucket/landing/extracts/?region=eu-west-1"},
		{"gs://bucket", true, "bucket", "gs://bucket"},
		{"azblob://c/x?sig=abc&domain=d", true, "x", "azblob://c/x?sig=REDACTED&domain=d"},
		{"file:///data/extracts", true, "extracts", "file:///data/extracts"},
		{"/data/my extracts", false, "", "/data/my extracts"},
		{"C:\\data", false, "", "C:\\data"},
	} {
		if got := objstore.IsURL(tc.root); got != tc.isURL {
			t.Errorf("IsURL(%q) = %v", tc.root, got)
		}
		if !tc.isURL {
			if got := objstore.Root(tc.root); got != tc.shown {
				t.Errorf("Root(%q) = %q", tc.root, got)
			}
			continue
		}
		if got := objstore.Name(tc.root); got != tc.name {
			t.Errorf("Name(%q) = %q, want %q", tc.root, got, tc.name)
		}
		if got := objstore.Root(tc.root); got != tc.shown {
			t.Errorf("Root(%q) = %q, want %q", tc.root, got, tc.shown)
		}
	}
}
