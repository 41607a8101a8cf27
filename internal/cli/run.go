package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recoverykpi/recoverykpi"
	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/readers"
)

// job is one configured extract set and output folder, ready to run quarters.
type job struct {
	cfg       *config.Config
	input     fs.FS
	inputRoot string // as given: a folder, or "embedded:sample"
	output    string
	asOf      *time.Time
	alloc     memory.Allocator // Arrow buffers (nil: the readers' pool); tests check it
}

// sampleRoot names the embedded sample as an input root.
const sampleRoot = "embedded:sample"

// newJob loads the config (or the defaults) and applies the flags. With neither
// --config nor --input it uses the embedded sample and ./out.
func newJob(f runFlags) (*job, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	cfg := config.Default()
	if f.config != "" {
		var err error
		if cfg, err = config.Load(f.config); err != nil {
			return nil, err
		}
	}
	j := &job{cfg: cfg}
	if f.input != "" {
		cfg.Input = f.input
	}
	if f.output != "" {
		cfg.Output = f.output
	}
	if f.asOf != "" {
		cfg.AsOf = f.asOf
	}
	if cfg.AsOf != "" {
		t, err := time.Parse(time.RFC3339Nano, cfg.AsOf)
		if err != nil {
			return nil, fmt.Errorf("%w: as_of: %v", config.ErrInvalid, err)
		}
		t = t.UTC()
		j.asOf = &t
	}
	j.output = cfg.Output
	if f.config == "" && f.input == "" {
		j.input, j.inputRoot = recoverykpi.Sample(), sampleRoot
		cfg.Input = sampleRoot
		return j, nil
	}
	if cfg.Input == "" {
		return nil, fmt.Errorf("%w: no input folder: give --input or set input in the config", ErrUsage)
	}
	st, err := os.Stat(cfg.Input)
	if err != nil {
		return nil, readers.Incomplete(fmt.Errorf("input folder %s: %w", cfg.Input, err))
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%w: input %s is not a folder", readers.ErrUnusable, cfg.Input)
	}
	j.input, j.inputRoot = os.DirFS(cfg.Input), cfg.Input
	return j, nil
}

// readerOptions maps the config onto the readers' options.
func (j *job) readerOptions() readers.Options {
	opts := readers.Options{
		Location: j.cfg.Location(),
		Tables:   map[string]readers.Mapping{},
		ScoreMin: j.cfg.Definitions.ScoreMin,
		ScoreMax: j.cfg.Definitions.ScoreMax,
		// The engine maps each dictionary entry once instead of each row.
		Dictionaries: true,
		Allocator:    j.alloc,
	}
	for name, t := range j.cfg.Tables {
		opts.Tables[name] = readers.Mapping{Path: t.Path, Columns: t.Columns}
	}
	return opts
}

// settings maps the config onto the engine's settings for one quarter ("" = default).
func (j *job) settings(quarter string) pipeline.Settings {
	c := j.cfg
	overrides := map[string]map[string]float64{}
	for kpi, b := range c.Benchmarks {
		overrides[kpi] = b.Industries
	}
	d := c.Definitions
	return pipeline.Settings{
		Company: c.Company, Industry: c.Industry, Currency: c.Currency,
		Calendar: pipeline.Calendar{Loc: c.Location(), StartMonth: c.FiscalYearStartMonth},
		Params: pipeline.Params{
			RecoveryWindowDays: d.RecoveryWindowDays, LapseDays: d.LapseDays,
			IntensiveCareDays: d.IntensiveCareDays, RevenueLookbackDays: d.RevenueLookbackDays,
			SatisfiedMinScore: d.SatisfiedMinScore, ScoreMin: d.ScoreMin, ScoreMax: d.ScoreMax,
			WorklistSize: c.WorklistSize,
		},
		Benchmarks: pipeline.DefaultBenchmarks().WithOverrides(overrides),
		AsOf:       j.asOf,
		Quarter:    quarter,
	}
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f runFlags
	fs := newFlags("run", "[--config FILE] [--input DIR] [--output DIR] [--quarter YYYY-Qn] [--as-of RFC3339] [--restate]", stderr)
	f.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	j, err := newJob(f)
	if err != nil {
		return err
	}
	loaded, err := j.load(ctx)
	if err != nil {
		return err
	}
	res, err := j.runQuarter(ctx, loaded, f.quarter, f.restate)
	if err != nil {
		return err
	}
	res.report(stdout)
	return nil
}

// outputPath returns the path of a published file.
func (j *job) outputPath(name string) string { return filepath.Join(j.output, name) }
