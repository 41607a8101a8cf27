package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// loadConfig loads the config named by path (--config), else by RECOVERYKPI_CONFIG,
// else the defaults; "-" reads it from standard input, its relative paths then
// relative to the current folder. The RECOVERYKPI_* variables are applied over it.
// It returns the config and the name it was loaded from ("" for the defaults).
func loadConfig(path string, e *Env) (*config.Config, string, error) {
	if path == "" {
		path, _ = e.lookup(config.EnvConfig)
	}
	cfg := config.Default()
	var err error
	switch path {
	case "":
	case "-":
		if e.Stdin == nil {
			return nil, "", fmt.Errorf("%w: --config -: no standard input", ErrUsage)
		}
		data, rerr := io.ReadAll(e.Stdin)
		if rerr != nil {
			return nil, "", fmt.Errorf("%w: --config -: read standard input: %v", config.ErrInvalid, rerr)
		}
		if cfg, err = config.Parse(data, ""); err != nil {
			return nil, "", fmt.Errorf("standard input: %w", err)
		}
	default:
		if cfg, err = config.Load(path); err != nil {
			return nil, "", err
		}
	}
	if err := config.ApplyEnv(cfg, e.lookup); err != nil {
		return nil, "", err
	}
	return cfg, path, nil
}

// Summary is what --output-format json prints on stdout: one object, also when the
// command failed after its flags were read.
type Summary struct {
	Command string `json:"command"`
	// Outcome is published, noop (everything already published with the same bytes)
	// or failed for run and backfill; usable or unusable for validate.
	Outcome      string           `json:"outcome"`
	ExitStatus   int              `json:"exit_status"`
	Error        string           `json:"error,omitempty"`
	Input        string           `json:"input,omitempty"`
	From         string           `json:"from,omitempty"` // backfill
	To           string           `json:"to,omitempty"`   // backfill
	Quarter      string           `json:"quarter,omitempty"`
	AsOf         string           `json:"as_of,omitempty"`
	Edition      int              `json:"edition,omitempty"`
	Manifest     string           `json:"manifest,omitempty"`
	Files        []string         `json:"files"`              // the files published by this run
	Quarters     []QuarterSummary `json:"quarters,omitempty"` // backfill, in order
	RowsRead     int64            `json:"rows_read"`
	RowsSetAside int64            `json:"rows_set_aside"`
	Tables       []TableSummary   `json:"tables"` // the tables read, in contract order
}

// QuarterSummary is what was done for one quarter.
type QuarterSummary struct {
	Quarter  string   `json:"quarter,omitempty"`
	AsOf     string   `json:"as_of,omitempty"`
	Outcome  string   `json:"outcome,omitempty"` // in quarters only
	Edition  int      `json:"edition,omitempty"`
	Manifest string   `json:"manifest,omitempty"`
	Files    []string `json:"files,omitempty"` // the files published by this run
	Error    string   `json:"error,omitempty"` // in quarters only
}

// TableSummary counts the rows of one table.
type TableSummary struct {
	Table        string `json:"table"`
	RowsRead     int64  `json:"rows_read"`
	RowsSetAside int64  `json:"rows_set_aside"`
}

func quarterSummary(res *job.Result) QuarterSummary {
	q := QuarterSummary{Quarter: res.Quarter, AsOf: res.AsOf, Edition: res.Edition, Manifest: res.Manifest, Files: res.Published, Outcome: "published"}
	if res.Noop {
		q.Outcome = "noop"
	}
	return q
}

func (s *Summary) setQuarter(res *job.Result) {
	q := quarterSummary(res)
	s.Outcome, s.Quarter, s.AsOf, s.Edition, s.Manifest, s.Files = q.Outcome, q.Quarter, q.AsOf, q.Edition, q.Manifest, q.Files
}

func (s *Summary) setTables(qs []pipeline.TableQuality) {
	s.Tables = []TableSummary{}
	for _, q := range qs {
		s.Tables = append(s.Tables, TableSummary{q.Table, q.RowsRead, q.RowsSetAside})
		s.RowsRead += q.RowsRead
		s.RowsSetAside += q.RowsSetAside
	}
}

// finish reports s and returns err: one log line on stderr and, with
// --output-format json, the object on stdout.
func (s *Summary) finish(e *Env, f formatFlags, err error) error {
	s.ExitStatus = ExitCode(err)
	if err != nil {
		s.Error = err.Error()
		s.Outcome = "failed"
		if s.Command == "validate" && s.ExitStatus == ExitData {
			s.Outcome = "unusable"
		}
	}
	if s.Tables == nil {
		s.Tables = []TableSummary{}
	}
	if s.Files == nil {
		s.Files = []string{}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s", s.Command)
	if s.Quarter != "" {
		fmt.Fprintf(&sb, " %s", s.Quarter)
	} else if s.From != "" {
		fmt.Fprintf(&sb, " %s..%s", s.From, s.To)
	}
	fmt.Fprintf(&sb, ": %s", s.Outcome)
	if n := len(s.Files); n > 0 {
		fmt.Fprintf(&sb, ", %d files", n)
	}
	fmt.Fprintf(&sb, "; %d rows read, %d set aside", s.RowsRead, s.RowsSetAside)
	attrs := []any{"command", s.Command, "outcome", s.Outcome}
	if s.Quarter != "" {
		attrs = append(attrs, "quarter", s.Quarter, "as_of", s.AsOf)
	}
	if s.Command != "validate" {
		attrs = append(attrs, "files", len(s.Files))
	}
	attrs = append(attrs, "rows_read", s.RowsRead, "rows_set_aside", s.RowsSetAside)
	var aside []any
	for _, t := range s.Tables {
		if t.RowsSetAside > 0 {
			aside = append(aside, slog.Int64(t.Table, t.RowsSetAside))
		}
	}
	e.log.Info(sb.String(), append(attrs, slog.Group("set_aside", aside...))...)
	if f.outputFormat == "json" {
		b, jerr := json.MarshalIndent(s, "", "  ")
		if jerr != nil {
			return jerr
		}
		e.Stdout.Write(append(b, '\n'))
	}
	return err
}
