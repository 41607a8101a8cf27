package job

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"slices"
	"strings"

	"github.com/recoverykpi/recoverykpi"
	"github.com/recoverykpi/recoverykpi/internal/publish"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/writers/excel"
	jsonout "github.com/recoverykpi/recoverykpi/writers/json"
	manifestout "github.com/recoverykpi/recoverykpi/writers/manifest"
)

// Result says what a run of one quarter did.
type Result struct {
	Quarter  string
	AsOf     string
	RowsRead int64
	publish.Result
}

// Report prints what the run did, as `recoverykpi run` shows it.
func (r *Result) Report(w io.Writer) {
	ed := ""
	if r.Edition > 1 {
		ed = fmt.Sprintf(", edition r%d", r.Edition)
	}
	if r.Noop {
		fmt.Fprintf(w, "%s: already published from the same inputs, config, as_of and program version (as_of %s%s); nothing to do\n  %s\n", r.Quarter, r.AsOf, ed, r.Manifest)
		return
	}
	fmt.Fprintf(w, "%s: published (as_of %s%s)\n", r.Quarter, r.AsOf, ed)
	for _, p := range r.Published {
		fmt.Fprintf(w, "  %s\n", p)
	}
}

// RunQuarter computes one quarter ("" = default) from loaded data and publishes it
// as publish.Edition does: the outputs of the latest edition are never replaced, and
// with restate a run whose outputs differ publishes the next edition.
func (j *Job) RunQuarter(ctx context.Context, l *Loaded, quarter string, restate bool) (*Result, error) {
	sc, err := j.scorecard(ctx, l, quarter)
	if err != nil {
		return nil, j.quarantineOnDataError(ctx, l, err)
	}
	res := &Result{Quarter: sc.Quarter.Label, AsOf: sc.AsOf.Format("2006-01-02T15:04:05.999999Z07:00")}
	for _, q := range l.quality {
		res.RowsRead += q.RowsRead
	}
	render := func(edition int, sup *manifestout.Supersedes) ([]publish.File, error) {
		return j.render(sc, l, edition, sup)
	}
	pub, err := publish.Edition(ctx, j.output, sc.Quarter.Label, restate, render, l.quarantine)
	if err != nil {
		return nil, err
	}
	res.Result = *pub
	return res, nil
}

// quarantineOnDataError writes the extract's quarantine (quarantine/<table>.parquet,
// as Load does when the invalid-row limit stops a run) when the scorecard failed on
// the data (pipeline.ErrNoData: a sum that overflows, an implausible default as_of),
// and returns err. The quarantine describes the extract read, not the quarter, so it
// is written whether or not a scorecard can be.
func (j *Job) quarantineOnDataError(ctx context.Context, l *Loaded, err error) error {
	if !errors.Is(err, pipeline.ErrNoData) {
		return err
	}
	if perr := publish.Replace(ctx, j.output, l.quarantine); perr != nil {
		return errors.Join(err, perr)
	}
	return err
}

// Rerun computes a quarter from loaded data and renders the files of the given
// edition, in publishing order with the manifest last, without publishing them.
func (j *Job) Rerun(ctx context.Context, l *Loaded, quarter string, edition int, sup *manifestout.Supersedes) ([]publish.File, error) {
	sc, err := j.scorecard(ctx, l, quarter)
	if err != nil {
		return nil, err
	}
	return j.render(sc, l, edition, sup)
}

// scorecard computes one quarter ("" = default) from loaded data.
func (j *Job) scorecard(ctx context.Context, l *Loaded, quarter string) (*pipeline.Scorecard, error) {
	if l.wh != nil {
		return j.warehouseScorecard(ctx, l, j.settings(quarter))
	}
	if l.data == nil {
		return nil, errors.New("internal: the loaded extract was released after its single quarter")
	}
	sc, err := l.data.Scorecard(ctx, j.settings(quarter))
	if l.singleUse {
		l.data = nil
	}
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
func (j *Job) render(sc *pipeline.Scorecard, l *Loaded, edition int, sup *manifestout.Supersedes) ([]publish.File, error) {
	label := sc.Quarter.Label + publish.EditionSuffix(edition)
	prov, err := j.provenance(l)
	if err != nil {
		return nil, err
	}
	// The workbook and the JSON are rendered at the same time; each reads sc only.
	var xlsx bytes.Buffer
	xerr := make(chan error, 1)
	// The workbook names the input folder, not its path: see InputName.
	shown := prov
	shown.InputRoot = InputName(prov.InputRoot)
	go func() { xerr <- excel.Write(&xlsx, sc, shown) }()
	js, jerr := jsonout.Marshal(sc)
	if err := <-xerr; err != nil {
		return nil, fmt.Errorf("render %s: %w", publish.WorkbookName(label), err)
	}
	if jerr != nil {
		return nil, fmt.Errorf("render %s: %w", jsonout.FileName(label), jerr)
	}
	outs := []publish.File{
		{Name: publish.WorkbookName(label), Data: xlsx.Bytes()},
		{Name: jsonout.FileName(label), Data: js},
	}
	for _, q := range l.quarantine {
		outs = append(outs, publish.File{Name: publish.QuarantineName(label, strings.TrimSuffix(path.Base(q.Name), ".parquet")), Data: q.Data})
	}
	m := &manifestout.Manifest{Provenance: prov, Quarter: sc.Quarter.Label, AsOf: sc.AsOf.UTC(), Edition: edition, Supersedes: sup}
	for _, o := range outs {
		m.Outputs = append(m.Outputs, manifestout.OutputFile{Path: o.Name, Size: int64(len(o.Data)), SHA256: manifestout.Sum(o.Data)})
	}
	mb, err := manifestout.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", manifestout.FileName(label), err)
	}
	return append(outs, publish.File{Name: manifestout.FileName(label), Data: mb}), nil
}

// provenance gathers what went into the run, for the Audit sheet and the manifest.
func (j *Job) provenance(l *Loaded) (manifestout.Provenance, error) {
	// Only the config that can change a published byte is recorded (SPEC §6): no
	// schedule, no credential, no output or input path.
	yml, sum, err := j.cfg.Recorded()
	if err != nil {
		return manifestout.Provenance{}, fmt.Errorf("resolve config: %w", err)
	}
	return manifestout.Provenance{
		Version: recoverykpi.Version, GoVersion: runtime.Version(), Libraries: Libraries(),
		ConfigYAML: yml, ConfigSHA256: sum, InputRoot: j.inputRoot, Inputs: l.inputs, Tables: l.tables,
		Warnings: slices.Clone(l.warnings), Warehouse: l.warehouseRecord(j.cfg),
	}, nil
}

// Libraries lists the versions of the four libraries the product is built on.
func Libraries() []manifestout.Library {
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
