package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recoverykpi/recoverykpi/generate"
)

// The security and edition-identity tests of issue 14: no credential in any output
// byte, log line or error; an edition changes only when its numbers can.

const (
	testPassword = "S3cr3t"
	testToken    = "TOKENXYZ"
	testDSN      = "postgres://scheduler:" + testPassword + "@127.0.0.1:1/x"
	testWebhook  = "https://hooks.example/T0/B0/" + testToken
)

// secretConfig is a config holding both credentials inline; cron and dsn vary.
func secretConfig(input, cron, dsn string) string {
	return fmt.Sprintf("input: %s\nschedule:\n  cron: %q\n  lock: {postgres: %q}\n  notify: {webhook: %q}\n", input, cron, dsn, testWebhook)
}

// assertNoSecret fails when text holds the password or the webhook token.
func assertNoSecret(t *testing.T, where string, text []byte) {
	t.Helper()
	for _, s := range []string{testPassword, testToken} {
		if bytes.Contains(text, []byte(s)) {
			t.Errorf("%s holds the secret %q", where, s)
		}
	}
}

// assertTreeHasNoSecret scans every file under dir, and every part of each workbook
// unzipped.
func assertTreeHasNoSecret(t *testing.T, dir string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		assertNoSecret(t, p, b)
		if strings.HasSuffix(p, ".xlsx") {
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				return err
			}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					return err
				}
				part, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					return err
				}
				assertNoSecret(t, p+"!"+f.Name, part)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 4 {
		t.Fatalf("only %d files under %s", n, dir)
	}
}

func TestSecretsAbsentFromEveryOutputByte(t *testing.T) {
	dir := t.TempDir()
	in := auditExtract(t)
	cfg := filepath.Join(dir, "recovery.yaml")
	writeFile(t, cfg, []byte(secretConfig(in, "0 6 5 1,4,7,10 *", testDSN)))
	out := filepath.Join(dir, "out")
	code, stdout, stderr := auditMain(t, "run", "--config", cfg, "--output", out)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	assertNoSecret(t, "run's stdout", []byte(stdout))
	assertNoSecret(t, "run's stderr", []byte(stderr))
	// The DSN has no sslmode: pgx's prefer checks no certificate.
	if !strings.Contains(stderr, "warning: schedule.lock.postgres postgres://scheduler:REDACTED@127.0.0.1:1/x: sslmode is not set") {
		t.Errorf("no sslmode warning on stderr:\n%s", stderr)
	}
	assertTreeHasNoSecret(t, out)
	m := readAuditManifest(t, filepath.Join(out, "manifest-"+auditLabel+".json"))
	for _, key := range []string{"schedule", "cron", "lock", "notify", "input:", "output:"} {
		if strings.Contains(m.Config.YAML, key) {
			t.Errorf("the recorded config holds %q:\n%s", key, m.Config.YAML)
		}
	}
	for _, args := range [][]string{
		{"validate", "--config", cfg},
		{"backfill", "--config", cfg, "--output", out, "--from", auditLabel, "--to", auditLabel},
		{"verify", filepath.Join(out, "manifest-"+auditLabel+".json")},
	} {
		code, stdout, stderr := auditMain(t, args...)
		if code != 0 {
			t.Errorf("%s: exit %d\n%s%s", args[0], code, stdout, stderr)
		}
		assertNoSecret(t, args[0]+"'s stdout", []byte(stdout))
		assertNoSecret(t, args[0]+"'s stderr", []byte(stderr))
	}
	assertTreeHasNoSecret(t, out)
}

func TestCredentialErrorsAreRedacted(t *testing.T) {
	in := auditExtract(t)
	cases := []struct {
		name, schedule string
		cmd            string
		want           string // in stderr
		exit           int
	}{
		{"mistyped postgres URL", `{cron: "0 6 * * *", lock: {postgres: "postgresql//scheduler:` + testPassword + `@127.0.0.1:1/x"}}`,
			"run", `schedule.lock.postgres: "REDACTED" is not a postgres:// URL`, ExitUsage},
		{"mistyped postgres URL, schedule", `{cron: "0 6 * * *", lock: {postgres: "postgres:/scheduler:` + testPassword + `@127.0.0.1:1/x"}}`,
			"schedule", "schedule.lock.postgres", ExitUsage},
		{"webhook not a URL", `{cron: "0 6 * * *", notify: {webhook: "hooks.example/T0/B0/` + testToken + `"}}`,
			"run", `schedule.notify.webhook: "REDACTED" is not an http(s) URL`, ExitUsage},
		{"pgx cannot parse it", `{cron: "0 6 * * *", lock: {postgres: "postgres://scheduler:` + testPassword + `@127.0.0.1:notaport/x"}}`,
			"schedule", "schedule.lock.postgres postgres://REDACTED: cannot parse", ExitUsage},
		{"pgx cannot connect", `{cron: "0 6 * * *", lock: {postgres: "postgres://scheduler:` + testPassword + `@127.0.0.1:1/x?connect_timeout=5&sslmode=require"}}`,
			"schedule", "schedule.lock.postgres scheduler@127.0.0.1", ExitFailure},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "recovery.yaml")
			writeFile(t, cfg, []byte(fmt.Sprintf("input: %s\noutput: %s\nschedule: %s\n", in, filepath.Join(filepath.Dir(cfg), "out"), tc.schedule)))
			args := []string{tc.cmd, "--config", cfg}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			code := Main(ctx, args, &stdout, &stderr)
			if code != tc.exit || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, want %d with %q in stderr:\n%s", code, tc.exit, tc.want, stderr.String())
			}
			assertNoSecret(t, "stdout", stdout.Bytes())
			assertNoSecret(t, "stderr", stderr.Bytes())
		})
	}
}

// closingServer accepts connections and closes them without an answer.
func closingServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// refusedURL returns an http URL of a local port nobody listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestScheduleWebhookFailureLogsNoToken(t *testing.T) {
	for _, tc := range []struct {
		name string
		base func(*testing.T) string
	}{{"connection closed", closingServer}, {"connection refused", refusedURL}} {
		t.Run(tc.name, func(t *testing.T) {
			hook := tc.base(t) + "/T0/B0/" + testToken + "?sig=" + testToken
			f := newScheduleFixture(t, fmt.Sprintf(`
cron: "0 6 * * *"
notify: {webhook: %q, on_success: true}`, hook), "")
			f.start(t)
			f.tick(t)
			waitUntil(t, "the webhook's failure", func() bool { return len(f.logs.records("notify the webhook")) == 1 })
			logs := f.logs.String()
			assertNoSecret(t, "the scheduler's log", []byte(logs))
			line := f.logs.records("notify the webhook")[0]
			if e, _ := line["error"].(string); !strings.Contains(e, "REDACTED") {
				t.Errorf("the error does not show where it failed, redacted: %v", line)
			}
			// An http:// webhook is warned about when the scheduler starts.
			if w := f.logs.records("schedule.notify.webhook " + strings.SplitN(hook, "/T0", 2)[0] + "/REDACTED is http://, not https://: its token and every run record cross the network in clear text"); len(w) != 1 || w[0]["level"] != "WARN" {
				t.Errorf("no http:// warning at start:\n%s", logs)
			}
			runs, err := os.ReadFile(filepath.Join(f.output, "runs.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			assertNoSecret(t, "runs.jsonl", runs)
		})
	}
}

// editionFixture is an extract s in dir (the current folder of the test), published
// once from recovery.yaml (input: s, a schedule with cron and lock) into out.
type editionFixture struct {
	dir, cfg string
}

func newEditionFixture(t *testing.T) *editionFixture {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	if _, err := generate.Write(context.Background(), filepath.Join(dir, "s"), generate.Options{Customers: 300, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	f := &editionFixture{dir: dir, cfg: "recovery.yaml"}
	writeFile(t, f.cfg, []byte(secretConfig("s", "0 6 5 1,4,7,10 *", testDSN)))
	mustRun(t, "run", "--config", f.cfg, "--output", "out")
	return f
}

func editionFiles(t *testing.T, out string) []string {
	t.Helper()
	var names []string
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestEditionNoopReruns(t *testing.T) {
	f := newEditionFixture(t)
	published := hashTree(t, "out")
	abs := filepath.Join(f.dir, "s")
	cases := []struct {
		name   string
		config string // "" keeps recovery.yaml
		args   []string
	}{
		{"cron changed", secretConfig("s", "30 7 * * 1", testDSN), nil},
		{"password rotated", secretConfig("s", "0 6 5 1,4,7,10 *", "postgres://scheduler:An0therS3cr3t@127.0.0.1:1/x"), nil},
		{"input ./s", "", []string{"--input", "./s"}},
		{"input s/", "", []string{"--input", "s/"}},
		{"input absolute", "", []string{"--input", abs}},
		{"input in the config, absolute", secretConfig(abs, "0 6 5 1,4,7,10 *", testDSN), nil},
		{"no config, input s", "none", []string{"--input", "s"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"run", "--output", "out"}
			switch tc.config {
			case "":
				args = append(args, "--config", f.cfg)
			case "none":
			default:
				p := filepath.Join(t.TempDir(), "changed.yaml")
				writeFile(t, p, []byte(strings.ReplaceAll(tc.config, "input: s\n", "input: "+abs+"\n")))
				args = append(args, "--config", p)
			}
			args = append(args, tc.args...)
			code, stdout, stderr := auditMain(t, args...)
			if code != 0 || !strings.Contains(stdout, "already published") {
				t.Fatalf("%s: exit %d, want a no-op\n%s%s", strings.Join(args, " "), code, stdout, stderr)
			}
			if now := hashTree(t, "out"); !mapsEqual(now, published) {
				t.Errorf("the output folder changed: %v", editionFiles(t, "out"))
			}
		})
	}
	// The spelling of the input path changes no byte of the workbook or the JSON.
	xlsx := "recovery-scorecard-" + auditLabel + ".xlsx"
	js := "recovery-scorecard-" + auditLabel + ".json"
	for i, in := range []string{"./s", "s/", abs} {
		out := fmt.Sprintf("other-%d", i)
		mustRun(t, "run", "--config", f.cfg, "--input", in, "--output", out)
		got := hashTree(t, out)
		if got[xlsx] != published[xlsx] || got[js] != published[js] {
			t.Errorf("--input %s: the workbook or JSON differs from the one read from s", in)
		}
	}
}

func TestEditionRefusalNamesWhatDiffers(t *testing.T) {
	f := newEditionFixture(t)
	m := readAuditManifest(t, filepath.Join("out", "manifest-"+auditLabel+".json"))
	asOf, err := time.Parse(time.RFC3339Nano, m.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	later := asOf.Add(time.Hour).UTC().Format(time.RFC3339)

	refuse := func(t *testing.T, want []string, args ...string) {
		t.Helper()
		code, stdout, stderr := auditMain(t, append([]string{"run", "--output", "out"}, args...)...)
		if code != ExitConflict {
			t.Fatalf("exit %d, want %d\n%s%s", code, ExitConflict, stdout, stderr)
		}
		for _, w := range want {
			if !strings.Contains(stderr, w) {
				t.Errorf("the refusal does not say %q:\n%s", w, stderr)
			}
		}
		if strings.Contains(stderr, "recoverykpi verify") {
			t.Errorf("the refusal sends the user to verify instead of naming the difference:\n%s", stderr)
		}
		assertNoSecret(t, "stderr", []byte(stderr))
	}
	t.Run("as_of", func(t *testing.T) {
		refuse(t, []string{"as_of differs: published " + m.AsOf + ", now " + later}, "--config", f.cfg, "--as-of", later)
	})
	t.Run("config key", func(t *testing.T) {
		p := filepath.Join(f.dir, "lapse.yaml")
		writeFile(t, p, []byte(secretConfig("s", "0 6 5 1,4,7,10 *", testDSN)+"definitions: {lapse_days: 200}\ncompany: Other Co\n"))
		refuse(t, []string{"config differs: definitions.lapse_days: published 180, now 200", `config differs: company: published "Example Retail", now "Other Co"`}, "--config", p)
	})
	t.Run("input files", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "other")
		if _, err := generate.Write(context.Background(), other, generate.Options{Customers: 300, Seed: 8}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(other, "customers.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join("s", "customers.parquet"), b)
		if err := os.Remove(filepath.Join("s", "surveys.parquet")); err != nil {
			t.Fatal(err)
		}
		var surveys string
		for _, in := range m.Inputs {
			if in.Path == "surveys.parquet" {
				surveys = fmt.Sprintf("input removed: surveys.parquet (%d bytes, sha256 %s)", in.Size, in.SHA256)
			}
		}
		refuse(t, []string{"input changed: customers.parquet: published ", "now " + fmt.Sprint(len(b)) + " bytes, sha256 " + auditSum(b), surveys}, "--config", f.cfg)
	})
}
