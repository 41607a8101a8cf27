// Package job is the quarter job of recoverykpi: it reads an extract set
// (readers), computes a quarter's scorecard (pipeline), renders the workbook, JSON,
// quarantine and manifest (writers) and publishes them (publish). The commands run,
// backfill, schedule, validate and verify are built on it.
package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recoverykpi/recoverykpi"
	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/internal/objstore"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/readers"
)

// Job is one configured extract set and output folder, ready to run quarters.
type Job struct {
	cfg       *config.Config
	input     fs.FS
	inputRoot string    // as given, cleaned (filepath.Clean): a folder, "embedded:sample", or a URL (secrets masked)
	closer    io.Closer // the object-store bucket of a URL input; nil for a folder
	output    string
	asOf      *time.Time
	allowOpen bool             // a quarter not ended by as_of may be published (--allow-open)
	alloc     memory.Allocator // Arrow buffers (nil: the readers' own)
	warehouse bool             // read the config's warehouse, not an extract folder (run --warehouse)
}

// SampleRoot names the embedded sample as an input root.
const SampleRoot = "embedded:sample"

// Options say where a job reads and writes. Values given override the config's.
type Options struct {
	Config string // config file; "" for the defaults
	// Loaded is the config already loaded (from Config, standard input or the
	// defaults, with the environment applied); nil to load Config here.
	Loaded *config.Config
	Input  string // extract set folder, or object-store URL (objstore.Schemes)
	Output string // output folder
	AsOf   string // RFC 3339
	// AllowOpen lets a quarter that has not ended by as_of be published, every KPI
	// provisional (SPEC §7, --allow-open).
	AllowOpen bool
	// Allocator holds the Arrow buffers the readers allocate; nil for the readers' own.
	Allocator memory.Allocator
	// Warehouse reads the tables from the config's warehouse and computes the
	// per-customer results there (run --warehouse); the extract folder is not read.
	Warehouse bool
	// Context bounds the requests to the object store of a URL input, for the job's
	// whole life; nil for context.Background.
	Context context.Context
}

// Open loads the config (or the defaults) and applies the options. With neither
// Config nor an input (from Input or the loaded config) it uses the embedded sample
// and the config's output (./out).
func Open(o Options) (*Job, error) {
	cfg := o.Loaded
	if cfg == nil {
		cfg = config.Default()
	}
	if o.Loaded == nil && o.Config != "" {
		var err error
		if cfg, err = config.Load(o.Config); err != nil {
			return nil, err
		}
	}
	j := &Job{cfg: cfg, alloc: o.Allocator, allowOpen: o.AllowOpen}
	if o.Input != "" {
		cfg.Input = o.Input
	}
	if o.Output != "" {
		cfg.Output = o.Output
	}
	if o.AsOf != "" {
		cfg.AsOf = o.AsOf
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
	if o.Warehouse {
		if _, err := openWarehouse(cfg); err != nil {
			return nil, err
		}
		j.warehouse, j.inputRoot = true, WarehouseRoot
		cfg.Input = WarehouseRoot
		return j, nil
	}
	if o.Config == "" && cfg.Input == "" {
		j.input, j.inputRoot = recoverykpi.Sample(), SampleRoot
		cfg.Input = SampleRoot
		return j, nil
	}
	if cfg.Input == "" {
		return nil, fmt.Errorf("%w: no input folder: give --input or set input in the config", ErrUsage)
	}
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	fsys, root, closer, err := OpenInput(ctx, cfg.Input)
	if err != nil {
		return nil, err
	}
	cfg.Input = root
	j.input, j.inputRoot, j.closer = fsys, root, closer
	return j, nil
}

// OpenInput opens the extract set root: an object-store URL (s3://bucket/prefix/, …;
// see package objstore) or a folder. It returns the files, the root as the manifest
// records it (a folder cleaned with filepath.Clean, so s, ./s and s/ are recorded
// once; a URL with its secrets masked) and, for a URL, the bucket to close. A folder or
// prefix that does not exist is an error wrapping readers.ErrIncomplete (not landed
// yet); a URL that cannot name an extract set is a usage error.
func OpenInput(ctx context.Context, root string) (fs.FS, string, io.Closer, error) {
	if objstore.IsURL(root) {
		b, err := objstore.Open(ctx, root)
		switch {
		case errors.Is(err, objstore.ErrURL):
			return nil, "", nil, fmt.Errorf("%w: %w", ErrUsage, err)
		case errors.Is(err, objstore.ErrNotFound):
			return nil, "", nil, readers.Incomplete(err)
		case err != nil:
			return nil, "", nil, err
		}
		return b, b.Root(), b, nil
	}
	root = filepath.Clean(root)
	st, err := os.Stat(root)
	if err != nil {
		return nil, "", nil, readers.Incomplete(fmt.Errorf("input folder %s: %w", root, err))
	}
	if !st.IsDir() {
		return nil, "", nil, fmt.Errorf("%w: input %s is not a folder", readers.ErrUnusable, root)
	}
	return os.DirFS(root), root, nil, nil
}

// Close releases the object-store bucket of a URL input; it does nothing for a folder.
func (j *Job) Close() error {
	if j.closer == nil {
		return nil
	}
	return j.closer.Close()
}

// New returns a job on an already loaded config, reading input (named inputRoot in
// the outputs) and writing into output, for the moment asOf (nil: the latest
// instant in the data). Verify reruns a manifest's quarter with it: a quarter that was
// published is rerun even if it had not ended by as_of (it was published with
// --allow-open).
func New(cfg *config.Config, input fs.FS, inputRoot, output string, asOf *time.Time) *Job {
	return &Job{cfg: cfg, input: input, inputRoot: inputRoot, output: output, asOf: asOf, allowOpen: true}
}

// NewWarehouse returns a job on an already loaded config reading its warehouse
// (cfg.Warehouse, with its DSN), as New does for an extract set: verify reruns a
// warehouse manifest's quarter with it.
func NewWarehouse(cfg *config.Config, output string, asOf *time.Time) (*Job, error) {
	if _, err := openWarehouse(cfg); err != nil {
		return nil, err
	}
	cfg.Input = WarehouseRoot
	return &Job{cfg: cfg, inputRoot: WarehouseRoot, output: output, asOf: asOf, allowOpen: true, warehouse: true}, nil
}

// Warnings returns what is insecure in the job's config (config.Config.Warnings).
func (j *Job) Warnings() []string { return j.cfg.Warnings() }

// InputRoot returns the extract set as given (cleaned): a folder, a URL (secrets
// masked), or SampleRoot.
func (j *Job) InputRoot() string { return j.inputRoot }

// InputName is how the workbook's Audit sheet names the extract set: the last element
// of its folder path (extracts for s/extracts, ./s/extracts/ or /data/s/extracts) or of
// its URL's path (extracts for s3://bucket/landing/extracts/), or SampleRoot. It does not depend on how the path was spelled, relative or absolute, so
// that changes no byte of the workbook; the manifest records the path itself
// (input_root), which verify needs to find the files. It is computed from the path
// alone, never from the current folder, so verify renders the same name.
func InputName(root string) string {
	if root == SampleRoot || root == "" {
		return root
	}
	if objstore.IsURL(root) {
		return objstore.Name(root)
	}
	return filepath.Base(filepath.Clean(root))
}

// Calendar returns the fiscal calendar of the job's config.
func (j *Job) Calendar() pipeline.Calendar { return j.settings("").Calendar }

// readerOptions maps the config onto the readers' options.
func (j *Job) readerOptions() readers.Options {
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
func (j *Job) settings(quarter string) pipeline.Settings {
	c := j.cfg
	overrides := map[contract.KPI]map[string]float64{}
	for kpi, b := range c.Benchmarks {
		overrides[contract.KPI(kpi)] = b.Industries
	}
	d := c.Definitions
	return pipeline.Settings{
		Company: c.Company, Industry: c.Industry, Currency: c.Currency,
		Calendar: pipeline.Calendar{Loc: c.Location(), StartMonth: c.FiscalYearStartMonth},
		Params: pipeline.Params{
			RecoveryWindowDays: d.RecoveryWindowDays, LapseDays: d.LapseDays,
			IntensiveCareDays: d.IntensiveCareDays, RevenueLookbackDays: d.RevenueLookbackDays,
			SatisfiedMinScore: d.SatisfiedMinScore, ScoreMin: d.ScoreMin, ScoreMax: d.ScoreMax,
			WorklistSize: c.WorklistSize, ExecutiveCalls: c.ExecutiveCalls,
		},
		Benchmarks: pipeline.DefaultBenchmarks().WithOverrides(overrides),
		AsOf:       j.asOf,
		Quarter:    quarter,
		AllowOpen:  j.allowOpen,
	}
}
