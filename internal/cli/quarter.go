package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"

	"github.com/recoverykpi/recoverykpi"

	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/writers/excel"
	jsonout "github.com/recoverykpi/recoverykpi/writers/json"
)

// result says what a run of one quarter did.
type result struct {
	quarter   string
	asOf      string
	edition   int      // 1 for the first publication, 2.. for restatements
	published []string // paths written
	noop      bool     // everything was already published with the same bytes
	rowsRead  int64
}

func (r *result) report(w io.Writer) {
	if r.noop {
		fmt.Fprintf(w, "%s: already published with the same bytes (as_of %s); nothing to do\n", r.quarter, r.asOf)
		return
	}
	fmt.Fprintf(w, "%s: published (as_of %s)\n", r.quarter, r.asOf)
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
func (j *job) runQuarter(ctx context.Context, l *loaded, quarter string, restate bool) (*result, error) {
	sc, err := l.data.Scorecard(ctx, j.settings(quarter))
	if err != nil {
		return nil, err
	}
	sc.DataQuality = l.quality
	res := &result{quarter: sc.Quarter.Label, asOf: sc.AsOf.Format("2006-01-02T15:04:05.999999Z07:00")}
	for _, q := range l.quality {
		res.rowsRead += q.RowsRead
	}
	cleanTemps(j.output)
	if err := publishReplace(j.output, l.quarantine); err != nil {
		return nil, err
	}
	latest := j.latestEdition(sc.Quarter.Label)
	edition := max(latest, 1)
	outs, err := j.render(sc, l, edition)
	if err != nil {
		return nil, err
	}
	same, differ, err := existing(j.output, outs)
	if err != nil {
		return nil, err
	}
	if len(differ) > 0 {
		if !restate {
			return nil, fmt.Errorf("%w: %s is already published and this run would change it; rerun with --restate to publish a new edition (%s)",
				ErrOutputExists, j.outputPath(differ[0]), editionSuffix(edition + 1)[1:])
		}
		edition++
		if outs, err = j.render(sc, l, edition); err != nil {
			return nil, err
		}
		same = make([]bool, len(outs))
	}
	res.edition = edition
	var todo []output
	for i, o := range outs {
		if !same[i] {
			todo = append(todo, o)
		}
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

// latestEdition returns the highest edition of the quarter published in the output
// folder, 0 when none.
func (j *job) latestEdition(label string) int {
	latest := 0
	for e := 1; ; e++ {
		if _, err := os.Stat(filepath.Join(j.output, jsonout.FileName(label+editionSuffix(e)))); err != nil {
			return latest
		}
		latest = e
	}
}

// workbookName returns the workbook's file name for a quarter label.
func workbookName(label string) string { return "recovery-scorecard-" + label + ".xlsx" }

// render produces the quarter's files, in publishing order.
func (j *job) render(sc *pipeline.Scorecard, l *loaded, edition int) ([]output, error) {
	label := sc.Quarter.Label + editionSuffix(edition)
	prov, err := j.provenance(l)
	if err != nil {
		return nil, err
	}
	var xlsx bytes.Buffer
	if err := excel.Write(&xlsx, sc, prov); err != nil {
		return nil, fmt.Errorf("render %s: %w", workbookName(label), err)
	}
	js, err := jsonout.Marshal(sc)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", jsonout.FileName(label), err)
	}
	return []output{
		{name: workbookName(label), data: xlsx.Bytes()},
		{name: jsonout.FileName(label), data: js},
	}, nil
}

// provenance gathers what went into the run, for the Audit sheet and the manifest.
func (j *job) provenance(l *loaded) (pipeline.Provenance, error) {
	yml, sum, err := j.cfg.Resolved()
	if err != nil {
		return pipeline.Provenance{}, fmt.Errorf("resolve config: %w", err)
	}
	return pipeline.Provenance{
		Version: recoverykpi.Version, GoVersion: runtime.Version(), Libraries: libraries(),
		ConfigYAML: yml, ConfigSHA256: sum, InputRoot: j.inputRoot, Inputs: l.inputs,
	}, nil
}

// libraries lists the versions of the four libraries the product is built on.
func libraries() []pipeline.Library {
	want := []string{"github.com/apache/arrow-go/v18", "github.com/parquet-go/parquet-go", "github.com/xuri/excelize/v2", "github.com/go-co-op/gocron/v2"}
	info, ok := debug.ReadBuildInfo()
	var out []pipeline.Library
	for _, path := range want {
		v := "unknown"
		if ok {
			for _, d := range info.Deps {
				if d.Path == path {
					v = d.Version
				}
			}
		}
		out = append(out, pipeline.Library{Path: path, Version: v})
	}
	return out
}
