package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"strings"

	"github.com/recoverykpi/recoverykpi"

	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/writers/excel"
	jsonout "github.com/recoverykpi/recoverykpi/writers/json"
	manifestout "github.com/recoverykpi/recoverykpi/writers/manifest"
)

// result says what a run of one quarter did.
type result struct {
	quarter   string
	asOf      string
	edition   int      // 1 for the first publication, 2.. for restatements
	published []string // paths written
	noop      bool     // everything was already published with the same bytes
	rowsRead  int64
	manifest  string // path of the edition's manifest
}

func (r *result) report(w io.Writer) {
	ed := ""
	if r.edition > 1 {
		ed = fmt.Sprintf(", edition r%d", r.edition)
	}
	if r.noop {
		fmt.Fprintf(w, "%s: already published with the same bytes (as_of %s%s); nothing to do\n  %s\n", r.quarter, r.asOf, ed, r.manifest)
		return
	}
	fmt.Fprintf(w, "%s: published (as_of %s%s)\n", r.quarter, r.asOf, ed)
	for _, p := range r.published {
		fmt.Fprintf(w, "  %s\n", p)
	}
}

// editionSuffix is "" for the first edition and "-rN" for restatement N.
func editionSuffix(edition int) string {
	if edition <= 1 {
		return ""
	}
	return fmt.Sprintf("-r%d", edition)
}

// runQuarter computes one quarter ("" = default) from loaded data and publishes it.
//
// The latest edition of the quarter in the output folder is rendered again and
// compared byte for byte: the files it already has with the same bytes are left
// alone, missing ones (an interrupted run) are added, and when all are there the run
// is a no-op. When any differs the run refuses with ErrOutputExists, or with restate
// publishes the next edition (-r2, -r3, ...) beside it. Nothing published is ever
// replaced. The manifest is published last, so an edition with a manifest is
// complete.
func (j *job) runQuarter(ctx context.Context, l *loaded, quarter string, restate bool) (*result, error) {
	sc, err := j.scorecard(ctx, l, quarter)
	if err != nil {
		return nil, err
	}
	label := sc.Quarter.Label
	res := &result{quarter: label, asOf: sc.AsOf.Format("2006-01-02T15:04:05.999999Z07:00")}
	for _, q := range l.quality {
		res.rowsRead += q.RowsRead
	}
	cleanTemps(j.output)
	latest := j.latestEdition(label)
	edition := max(latest, 1)
	outs, err := j.render(sc, l, edition, j.supersedes(label, edition))
	if err != nil {
		return nil, err
	}
	same, differ, err := existing(j.output, outs)
	if err != nil {
		return nil, err
	}
	if len(differ) > 0 {
		if !restate {
			return nil, j.conflict(label, edition, differ)
		}
		edition = latest + 1
		if outs, err = j.render(sc, l, edition, j.supersedes(label, edition)); err != nil {
			return nil, err
		}
		if same, differ, err = existing(j.output, outs); err != nil {
			return nil, err
		}
		if len(differ) > 0 {
			return nil, fmt.Errorf("%w: %s exists although edition r%d was never published; move it away and rerun",
				ErrOutputExists, j.outputPath(differ[0]), edition)
		}
	}
	res.edition = edition
	res.manifest = j.outputPath(outs[len(outs)-1].name)
	var todo []output
	for i, o := range outs {
		if !same[i] {
			todo = append(todo, o)
		}
	}
	// SPEC §2's quarantine/<table>.parquet describes the extract that was just read, so
	// it is replaced by every run that publishes or confirms an edition; the edition's
	// own copy above is the one its manifest lists and never changes.
	if err := publishReplace(j.output, l.quarantine); err != nil {
		return nil, err
	}
	if len(todo) == 0 {
		res.noop = true
		return res, nil
	}
	temps, err := stage(j.output, todo)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		removeAll(temps)
		return nil, err
	}
	if err := commit(j.output, todo, temps); err != nil {
		return nil, err
	}
	for _, o := range todo {
		res.published = append(res.published, j.outputPath(o.name))
	}
	return res, nil
}

// conflict is the refusal of a run that would change published files of an edition.
func (j *job) conflict(label string, edition int, differ []string) error {
	next := label + editionSuffix(edition+1)
	msg := fmt.Sprintf("%s is already published with other bytes than this run produces", j.outputPath(differ[0]))
	if len(differ) > 1 {
		msg += " (so are " + strings.Join(differ[1:], ", ") + ")"
	}
	return fmt.Errorf("%w: %s; nothing was written. Inputs, config or program version differ from that publication (`recoverykpi verify %s` names what changed). To publish these numbers as a restatement, rerun with --restate: it writes edition r%d (%s, %s, %s) beside the published files, which stay as they are",
		ErrOutputExists, msg, j.outputPath(manifestout.FileName(label+editionSuffix(edition))), edition+1,
		workbookName(next), jsonout.FileName(next), manifestout.FileName(next))
}

// latestEdition returns the highest edition of the quarter with any of its files
// (workbook, JSON or manifest) in the output folder, 0 when none.
func (j *job) latestEdition(label string) int {
	latest := 0
	for e := 1; ; e++ {
		l := label + editionSuffix(e)
		found := false
		for _, name := range []string{workbookName(l), jsonout.FileName(l), manifestout.FileName(l)} {
			if _, err := os.Lstat(j.outputPath(name)); err == nil {
				found = true
			}
		}
		if !found {
			return latest
		}
		latest = e
	}
}

// supersedes names the edition before edition, by its published manifest; nil for
// the first edition.
func (j *job) supersedes(label string, edition int) *manifestout.Supersedes {
	if edition <= 1 {
		return nil
	}
	s := &manifestout.Supersedes{Edition: edition - 1, Manifest: manifestout.FileName(label + editionSuffix(edition-1))}
	if b, err := os.ReadFile(j.outputPath(s.Manifest)); err == nil {
		s.SHA256 = sha256Hex(b)
	}
	return s
}

// workbookName returns the workbook's file name for a quarter label.
func workbookName(label string) string { return "recovery-scorecard-" + label + ".xlsx" }

// quarantineName returns where an edition publishes the quarantine of a table.
func quarantineName(label, table string) string {
	return "quarantine/" + label + "/" + table + ".parquet"
}

// scorecard computes one quarter ("" = default) from loaded data.
func (j *job) scorecard(ctx context.Context, l *loaded, quarter string) (*pipeline.Scorecard, error) {
	sc, err := l.data.Scorecard(ctx, j.settings(quarter))
	if err != nil {
		return nil, err
	}
	sc.DataQuality = l.quality
	return sc, nil
}

// render produces an edition's files in publishing order: workbook, JSON, the
// quarantine of each table with set-aside rows, and last the manifest, which lists the
// others with their SHA-256. Each edition has its own quarantine folder
// (quarantine/<label>[-rN]/), so a later extract never replaces the quarantine an
// earlier manifest lists.
func (j *job) render(sc *pipeline.Scorecard, l *loaded, edition int, sup *manifestout.Supersedes) ([]output, error) {
	label := sc.Quarter.Label + editionSuffix(edition)
	prov, err := j.provenance(l)
	if err != nil {
		return nil, err
	}
	// The workbook and the JSON are rendered at the same time; each reads sc only.
	var xlsx bytes.Buffer
	xerr := make(chan error, 1)
	go func() { xerr <- excel.Write(&xlsx, sc, prov) }()
	js, jerr := jsonout.Marshal(sc)
	if err := <-xerr; err != nil {
		return nil, fmt.Errorf("render %s: %w", workbookName(label), err)
	}
	if jerr != nil {
		return nil, fmt.Errorf("render %s: %w", jsonout.FileName(label), jerr)
	}
	outs := []output{
		{name: workbookName(label), data: xlsx.Bytes()},
		{name: jsonout.FileName(label), data: js},
	}
	for _, q := range l.quarantine {
		outs = append(outs, output{name: quarantineName(label, strings.TrimSuffix(path.Base(q.name), ".parquet")), data: q.data})
	}
	m := &manifestout.Manifest{Provenance: prov, Quarter: sc.Quarter.Label, AsOf: sc.AsOf.UTC(), Edition: edition, Supersedes: sup}
	for _, o := range outs {
		m.Outputs = append(m.Outputs, manifestout.OutputFile{Path: o.name, Size: int64(len(o.data)), SHA256: sha256Hex(o.data)})
	}
	mb, err := manifestout.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", manifestout.FileName(label), err)
	}
	return append(outs, output{name: manifestout.FileName(label), data: mb}), nil
}

// provenance gathers what went into the run, for the Audit sheet and the manifest.
func (j *job) provenance(l *loaded) (manifestout.Provenance, error) {
	// The output folder is left out of the recorded config: it changes no number, and
	// an auditor's rerun into another folder must give the same bytes.
	recorded := *j.cfg
	recorded.Output = ""
	yml, sum, err := recorded.Resolved()
	if err != nil {
		return manifestout.Provenance{}, fmt.Errorf("resolve config: %w", err)
	}
	return manifestout.Provenance{
		Version: recoverykpi.Version, GoVersion: runtime.Version(), Libraries: libraries(),
		ConfigYAML: yml, ConfigSHA256: sum, InputRoot: j.inputRoot, Inputs: l.inputs,
	}, nil
}

// libraries lists the versions of the four libraries the product is built on.
func libraries() []manifestout.Library {
	want := []string{"github.com/apache/arrow-go/v18", "github.com/parquet-go/parquet-go", "github.com/xuri/excelize/v2", "github.com/go-co-op/gocron/v2"}
	var out []manifestout.Library
	for _, path := range want {
		v := recoverykpi.LibraryVersion(path)
		if v == "" {
			v = "not linked"
		}
		out = append(out, manifestout.Library{Path: path, Version: v})
	}
	return out
}
