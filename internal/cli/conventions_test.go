package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/job"
)

// samplePath is the embedded sample as a folder, relative to this package.
var samplePath = filepath.Join("..", "..", "testdata", "sample")

// invoke runs the command line with stdin and environment variables.
func invoke(t *testing.T, stdin string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(context.Background(), args, &Env{Stdin: strings.NewReader(stdin), Stdout: &o, Stderr: &e,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	return code, o.String(), e.String()
}

func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		code, out, errs := invoke(t, "", nil, args...)
		if code != ExitOK || !strings.HasPrefix(out, "recoverykpi ") || errs != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

// Asked for, help goes to stdout with exit 0; without a command it is bad usage, on
// stderr with exit 2.
func TestTopLevelHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, out, errs := invoke(t, "", nil, args...)
		if code != ExitOK || errs != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
		for _, want := range []string{"usage: recoverykpi <command>", "\nexamples:\n", "\nexit status:\n  0  success", "  5  verify only", "RECOVERYKPI_INPUT", "RECOVERYKPI_LOCK_POSTGRES"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: help does not show %q:\n%s", args, want, out)
			}
		}
	}
	if code, out, errs := invoke(t, "", nil, "help", "backfill"); code != ExitOK || !strings.HasPrefix(out, "usage: recoverykpi backfill") || errs != "" {
		t.Errorf("help backfill: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, out, errs := invoke(t, "", nil); code != ExitUsage || out != "" || !strings.Contains(errs, "usage: recoverykpi") {
		t.Errorf("no command: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestDidYouMean(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"rnu"}, `unknown command "rnu" (did you mean "run"?)`},
		{[]string{"valdiate", "--input", "x"}, `(did you mean "validate"?)`},
		{[]string{"backfil"}, `(did you mean "backfill"?)`},
		{[]string{"run", "--outptu", "x"}, "-outptu (did you mean --output?)"},
		{[]string{"backfill", "--keep-goign"}, "(did you mean --keep-going?)"},
		{[]string{"verify", "--inptu", "x", "m.json"}, "(did you mean --input?)"},
		{[]string{"schedule", "--log-fromat=json"}, "(did you mean --log-format?)"},
	}
	for _, tc := range cases {
		code, out, errs := invoke(t, "", nil, tc.args...)
		if code != ExitUsage || out != "" || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tc.args, code, out, errs, tc.want)
		}
	}
	for _, far := range [][]string{{"deploy"}, {"run", "--zzz"}} {
		if _, _, errs := invoke(t, "", nil, far...); strings.Contains(errs, "did you mean") {
			t.Errorf("%v: suggested something for a word far from every name: %q", far, errs)
		}
	}
}

// summaryOf decodes the --output-format json object on stdout.
func summaryOf(t *testing.T, stdout string) job.Summary {
	t.Helper()
	var s job.Summary
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("stdout is not one summary object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one object:\n%s", stdout)
	}
	return s
}

// jsonLines fails unless every line of stderr is a JSON object, and returns them.
func jsonLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("stderr line is not JSON: %q", sc.Text())
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		t.Fatalf("no log line on stderr")
	}
	return recs
}

// --config - reads the config from standard input; its relative paths are relative
// to the current folder.
func TestConfigFromStdin(t *testing.T) {
	yml := "company: Piped\ninput: " + samplePath + "\n"
	code, out, errs := invoke(t, yml, nil, "validate", "--config", "-", "--output-format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if s := summaryOf(t, out); s.Input != samplePath || s.Outcome != "usable" {
		t.Errorf("summary %+v, want the sample read from %s", s, samplePath)
	}
	code, _, errs = invoke(t, "company: Piped\nno_such_key: 1\n", nil, "validate", "--config", "-")
	if code != ExitUsage || !strings.Contains(errs, "standard input") || !strings.Contains(errs, "no_such_key") {
		t.Errorf("bad piped config: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := invoke(t, "", nil, "schedule", "--config", "-"); code != ExitUsage || !strings.Contains(errs, "give a file") {
		t.Errorf("schedule --config -: exit %d, stderr %q", code, errs)
	}
}

// Precedence: flag > environment > config file > default.
func TestEnvPrecedence(t *testing.T) {
	dir := t.TempDir()
	sample, err := filepath.Abs(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	fileCfg := filepath.Join(dir, "recovery.yaml")
	if err := os.WriteFile(fileCfg, []byte("input: "+sample+"\noutput: "+filepath.Join(dir, "file-out")+"\nas_of: 2026-10-20T00:00:00Z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	envOut := filepath.Join(dir, "env-out")
	env := map[string]string{"RECOVERYKPI_CONFIG": fileCfg, "RECOVERYKPI_OUTPUT": envOut, "RECOVERYKPI_AS_OF": "2026-10-25T00:00:00Z"}
	cases := []struct {
		name     string
		env      map[string]string
		args     []string
		out      string
		asOf     string
		quarter  string
		manifest string
	}{
		{"file over default", map[string]string{"RECOVERYKPI_CONFIG": fileCfg}, nil, filepath.Join(dir, "file-out"), "2026-10-20T00:00:00Z", "2026-Q3", ""},
		{"env over file", env, nil, envOut, "2026-10-25T00:00:00Z", "2026-Q3", ""},
		{"flag over env", env, []string{"--output", filepath.Join(dir, "flag-out"), "--as-of", "2026-10-30T00:00:00Z"}, filepath.Join(dir, "flag-out"), "2026-10-30T00:00:00Z", "2026-Q3", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := invoke(t, "", tc.env, append([]string{"run", "--output-format", "json"}, tc.args...)...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			s := summaryOf(t, out)
			if s.AsOf != tc.asOf || s.Quarter != tc.quarter || filepath.Dir(s.Manifest) != tc.out {
				t.Errorf("as_of %s quarter %s manifest %s; want as_of %s quarter %s in %s", s.AsOf, s.Quarter, s.Manifest, tc.asOf, tc.quarter, tc.out)
			}
		})
	}
	// The default, with no file: run uses the embedded sample.
	code, out, errs := invoke(t, "", map[string]string{"RECOVERYKPI_OUTPUT": filepath.Join(dir, "default")}, "validate", "--sample", "--output-format", "json")
	if s := summaryOf(t, out); code != ExitOK || s.Input != "embedded:sample" {
		t.Errorf("validate --sample: exit %d, input %q: %s", code, s.Input, errs)
	}
	// A flag --input beats RECOVERYKPI_INPUT, which beats the file's input.
	code, out, errs = invoke(t, "", map[string]string{"RECOVERYKPI_CONFIG": fileCfg, "RECOVERYKPI_INPUT": filepath.Join(dir, "missing")}, "validate", "--output-format", "json")
	if s := summaryOf(t, out); code != ExitData || s.Input != filepath.Join(dir, "missing") {
		t.Errorf("RECOVERYKPI_INPUT: exit %d, input %q: %s", code, s.Input, errs)
	}
	code, out, errs = invoke(t, "", map[string]string{"RECOVERYKPI_CONFIG": fileCfg, "RECOVERYKPI_INPUT": filepath.Join(dir, "missing")}, "validate", "--input", samplePath, "--output-format", "json")
	if s := summaryOf(t, out); code != ExitOK || s.Input != samplePath {
		t.Errorf("--input over RECOVERYKPI_INPUT: exit %d, input %q: %s", code, s.Input, errs)
	}
}

// A bad variable is bad usage naming the variable; a secret is never printed.
func TestEnvErrorsAndSecrets(t *testing.T) {
	const secret = "S3cr3tT0ken"
	code, out, errs := invoke(t, "", map[string]string{"RECOVERYKPI_TIMEZONE": "Mars/Olympus", "RECOVERYKPI_WORKLIST_SIZE": "lots"}, "validate", "--sample")
	if code != ExitUsage || out != "" || !strings.Contains(errs, "RECOVERYKPI_TIMEZONE") || !strings.Contains(errs, "RECOVERYKPI_WORKLIST_SIZE") {
		t.Errorf("bad variables: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "recovery.yaml")
	if err := os.WriteFile(cfg, []byte("input: "+filepath.Join("..", "..", "..", "..", samplePath)+"\nschedule: {cron: \"0 6 5 1,4,7,10 *\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, env := range []map[string]string{
		{"RECOVERYKPI_LOCK_POSTGRES": "mysql://scheduler:" + secret + "@db/recovery"},
		{"RECOVERYKPI_NOTIFY_WEBHOOK": "hooks.example/" + secret},
	} {
		for _, args := range [][]string{{"schedule", "--config", cfg}, {"schedule", "--config", cfg, "--log-format", "json"}, {"validate", "--config", cfg}} {
			code, out, errs := invoke(t, "", env, args...)
			if code != ExitUsage || strings.Contains(out+errs, secret) || !strings.Contains(errs, "RECOVERYKPI_") {
				t.Errorf("%v %v: exit %d, output %q %q; want exit 2 naming the variable, without the secret", args, env, code, out, errs)
			}
		}
	}
	// A good secret is used and never shown.
	sample, _ := filepath.Abs(samplePath)
	if err := os.WriteFile(cfg, []byte("input: "+sample+"\nschedule: {cron: \"0 6 5 1,4,7,10 *\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"RECOVERYKPI_LOCK_POSTGRES": "postgres://scheduler:" + secret + "@db/recovery", "RECOVERYKPI_NOTIFY_WEBHOOK": "https://hooks.example/" + secret}
	code, out, errs = invoke(t, "", env, "validate", "--config", cfg, "--output-format", "json", "--log-format", "json")
	if code != ExitOK || strings.Contains(out+errs, secret) {
		t.Errorf("validate with secrets: exit %d, output %q %q", code, out, errs)
	}
}

func TestValidateNeedsAnInput(t *testing.T) {
	dir := t.TempDir()
	noInput := filepath.Join(dir, "recovery.yaml")
	if err := os.WriteFile(noInput, []byte("company: No Input\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"validate"}, {"validate", "--config", noInput}, {"validate", "--sample", "--input", samplePath}} {
		code, out, errs := invoke(t, "", nil, args...)
		if code != ExitUsage || out != "" || !strings.Contains(errs, "--sample") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 explaining --input and --sample", args, code, out, errs)
		}
	}
	code, out, errs := invoke(t, "", nil, "validate", "--sample")
	if code != ExitOK || !strings.Contains(out, "extract set embedded:sample") || !strings.Contains(out, "result: usable") {
		t.Errorf("validate --sample: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// The sample has set-aside rows: validate says how many and, writing nothing,
	// names no quarantine file as written.
	if !strings.Contains(errs, "set aside") || strings.Contains(out+errs, "see quarantine/") {
		t.Errorf("validate --sample: stderr %q", errs)
	}
	// Over the limit, validate fails (exit 3) and points to `run`, not to a quarantine
	// file it did not write.
	wd, _ := os.Getwd()
	code, out, errs = invoke(t, "quality: {max_invalid_share: 0.0001}\n", nil, "validate", "--sample", "--config", "-")
	if code != ExitData || !strings.Contains(out, "result: unusable") || strings.Contains(out+errs, "see quarantine/") || !strings.Contains(errs, "`recoverykpi run` writes them") {
		t.Errorf("validate over the limit: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(wd, "out")); err == nil {
		t.Error("validate wrote an output folder")
	}
}

// Every command logs JSON lines with --log-format json; run, backfill and validate
// print one summary object with --output-format json.
func TestJSONLogsAndSummaries(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := invoke(t, "", nil, "run", "--output", out, "--log-format", "json", "--output-format", "json")
	if code != ExitOK {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	jsonLines(t, stderr)
	s := summaryOf(t, stdout)
	if s.Command != "run" || s.Outcome != "published" || s.Quarter != sampleLabel || s.AsOf == "" || s.Edition != 1 ||
		len(s.Files) < 3 || !strings.HasSuffix(s.Manifest, "manifest-"+sampleLabel+".json") || len(s.Tables) == 0 || s.RowsSetAside == 0 {
		t.Errorf("run summary: %+v", s)
	}
	var sum int64
	for _, tb := range s.Tables {
		sum += tb.RowsSetAside
	}
	if sum != s.RowsSetAside || s.Tables[0].Table != "customers" {
		t.Errorf("tables %+v do not add up to %d set aside", s.Tables, s.RowsSetAside)
	}

	// A rerun is a no-op, and says so.
	code, stdout, stderr = invoke(t, "", nil, "run", "--output", out, "--output-format", "json")
	if s := summaryOf(t, stdout); code != ExitOK || s.Outcome != "noop" || s.ExitStatus != 0 {
		t.Errorf("rerun: exit %d, summary %+v: %s", code, s, stderr)
	}
	// Text: the report on stdout and one summary line on stderr with the set-aside rows.
	code, stdout, stderr = invoke(t, "", nil, "run", "--output", out)
	if code != ExitOK || !strings.Contains(stdout, "already published") || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "set aside") {
		t.Errorf("text run: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	code, stdout, stderr = invoke(t, "", nil, "backfill", "--output", out, "--from", "2026-Q2", "--to", "2026-Q3", "--log-format", "json", "--output-format", "json")
	if code != ExitOK {
		t.Fatalf("backfill: exit %d: %s", code, stderr)
	}
	jsonLines(t, stderr)
	b := summaryOf(t, stdout)
	if b.Command != "backfill" || b.Outcome != "published" || len(b.Quarters) != 2 || b.Quarters[0].Outcome != "published" || b.Quarters[1].Outcome != "noop" || b.RowsRead == 0 {
		t.Errorf("backfill summary: %+v", b)
	}

	code, stdout, stderr = invoke(t, "", nil, "validate", "--sample", "--log-format", "json", "--output-format", "json")
	if v := summaryOf(t, stdout); code != ExitOK || v.Outcome != "usable" || v.RowsSetAside == 0 {
		t.Errorf("validate: exit %d, summary %+v", code, v)
	}
	jsonLines(t, stderr)

	code, _, stderr = invoke(t, "", nil, "verify", "--log-format", "json", filepath.Join(out, "manifest-"+sampleLabel+".json"))
	if code != ExitOK {
		t.Fatalf("verify: exit %d: %s", code, stderr)
	}
	jsonLines(t, stderr)

	// A failure is a JSON log record too, and a summary with the exit status.
	code, stdout, stderr = invoke(t, "", nil, "run", "--input", filepath.Join(out, "missing"), "--log-format", "json", "--output-format", "json")
	recs := jsonLines(t, stderr)
	if f := summaryOf(t, stdout); code != ExitData || f.Outcome != "failed" || f.ExitStatus != ExitData || f.Error == "" || recs[len(recs)-1]["level"] != "ERROR" {
		t.Errorf("failed run: exit %d, summary %+v, logs %v", code, f, recs)
	}

	// schedule logs JSON lines from its start until it is stopped.
	cfg := filepath.Join(t.TempDir(), "recovery.yaml")
	sample, _ := filepath.Abs(samplePath)
	if err := os.WriteFile(cfg, []byte("input: "+sample+"\noutput: "+out+"\nschedule: {cron: \"0 6 5 1,4,7,10 *\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var so, se bytes.Buffer
	Run(ctx, []string{"schedule", "--config", cfg, "--log-format", "json"}, &Env{Stdout: &so, Stderr: &se})
	jsonLines(t, se.String())
}

// TestConventionsThroughTheBinary checks what only the real process wires: --version
// with a version set by -ldflags, the RECOVERYKPI_* variables from the process
// environment, --config - from the process's standard input, help on stdout and bad
// usage on stderr.
func TestConventionsThroughTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "recoverykpi")
	build := exec.Command("go", "build", "-o", bin, "-ldflags", "-X github.com/recoverykpi/recoverykpi.Version=7.7.7-conv", "./cmd/recoverykpi")
	build.Dir = moduleRoot(t)
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	sample, err := filepath.Abs(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	run := func(stdin string, env []string, args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdin = strings.NewReader(stdin)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), o.String(), e.String()
	}
	if code, out, _ := run("", nil, "--version"); code != 0 || !strings.HasPrefix(out, "recoverykpi 7.7.7-conv ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	if code, out, errs := run("", nil, "run", "--help"); code != 0 || !strings.Contains(out, "examples:") || !strings.Contains(out, "exit status:") || errs != "" {
		t.Errorf("run --help: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, out, errs := run("", nil, "rnu"); code != ExitUsage || out != "" || !strings.Contains(errs, `did you mean "run"?`) {
		t.Errorf("rnu: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// The config on stdin names the input relative to the current folder (dir); the
	// environment sets the output; the flag sets as_of.
	if err := os.Symlink(sample, filepath.Join(dir, "extract")); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run("company: Piped In\ninput: extract\noutput: from-file\n", []string{"RECOVERYKPI_OUTPUT=from-env", "RECOVERYKPI_AS_OF=2026-10-01T00:00:00Z"},
		"run", "--config", "-", "--as-of", "2026-10-02T00:00:00Z", "--output-format", "json", "--log-format", "json")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	jsonLines(t, errs)
	s := summaryOf(t, out)
	if s.Input != "extract" || s.AsOf != "2026-10-02T00:00:00Z" || s.Manifest != filepath.Join("from-env", "manifest-2026-Q3.json") {
		t.Errorf("summary: %+v", s)
	}
	if _, err := os.Stat(filepath.Join(dir, s.Manifest)); err != nil {
		t.Error(err)
	}
	const secret = "postgres://scheduler:Hush5ecret@db/x"
	code, _, errs = run("schedule: {cron: \"0 6 5 1,4,7,10 *\"}\ninput: extract\n", []string{"RECOVERYKPI_LOCK_POSTGRES=" + strings.Replace(secret, "postgres", "pg", 1)}, "validate", "--config", "-")
	if code != ExitUsage || strings.Contains(errs, "Hush5ecret") || !strings.Contains(errs, "RECOVERYKPI_LOCK_POSTGRES") {
		t.Errorf("bad secret: exit %d, stderr %q", code, errs)
	}
}
