// Package manifest writes and reads manifest-<label>.json (SPEC §6): the audit record
// of one published edition of a quarter. Members are written in a fixed order and no
// map is iterated, so the bytes depend only on the Manifest.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Format identifies the manifest layout; Unmarshal accepts only this one.
const Format = "recoverykpi-manifest/1"

// FileName returns the manifest's file name for a quarter label (with its edition
// suffix, e.g. 2026-Q3-r2).
func FileName(label string) string { return "manifest-" + label + ".json" }

type document struct {
	Format     string        `json:"format"`
	Program    program       `json:"program"`
	Quarter    string        `json:"quarter"`
	AsOf       string        `json:"as_of"`
	Edition    int           `json:"edition"`
	Supersedes *supersedes   `json:"supersedes"`
	Config     configDoc     `json:"config"`
	InputRoot  string        `json:"input_root"`
	Inputs     []input       `json:"inputs"`
	Tables     []tableDoc    `json:"tables,omitempty"`
	Warehouse  *warehouseDoc `json:"warehouse,omitempty"`
	Outputs    []outputDoc   `json:"outputs"`
}

type tableDoc struct {
	Table         string `json:"table"`
	Format        string `json:"format"`
	Version       *int64 `json:"version,omitempty"`     // Delta
	SnapshotID    *int64 `json:"snapshot_id,omitempty"` // Iceberg (0: a table without a snapshot)
	FormatVersion int    `json:"format_version,omitempty"`
}

type program struct {
	Name      string    `json:"name"`
	Version   string    `json:"version"`
	Go        string    `json:"go"`
	Libraries []library `json:"libraries"`
}

type library struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

type supersedes struct {
	Edition  int    `json:"edition"`
	Manifest string `json:"manifest"`
	SHA256   string `json:"sha256,omitempty"`
}

type configDoc struct {
	SHA256 string `json:"sha256"`
	YAML   string `json:"yaml"`
}

type input struct {
	Table        string `json:"table"`
	Path         string `json:"path"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
	RowsRead     int64  `json:"rows_read"`
	RowsSetAside int64  `json:"rows_set_aside"`
	Role         string `json:"role,omitempty"`
}

type outputDoc struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

type warehouseDoc struct {
	Dialect    string         `json:"dialect"`
	Host       string         `json:"host"`
	Database   string         `json:"database"`
	Schema     string         `json:"schema"`
	Snapshot   string         `json:"snapshot"`
	Statements []statementDoc `json:"statements"`
}

type statementDoc struct {
	Role   string `json:"role"`
	SHA256 string `json:"sha256"`
	Rows   int64  `json:"rows"`
}

// Marshal returns the manifest's JSON bytes, indented, ending in a newline. as_of is
// written in RFC 3339 in UTC with every fractional digit, so it reads back exactly.
func Marshal(m *Manifest) ([]byte, error) {
	doc := document{
		Format: Format,
		Program: program{Name: "recoverykpi", Version: m.Version, Go: m.GoVersion,
			Libraries: []library{}},
		Quarter:   m.Quarter,
		AsOf:      m.AsOf.UTC().Format(time.RFC3339Nano),
		Edition:   m.Edition,
		Config:    configDoc{SHA256: m.ConfigSHA256, YAML: string(m.ConfigYAML)},
		InputRoot: m.InputRoot,
		Inputs:    []input{},
		Outputs:   []outputDoc{},
	}
	for _, l := range m.Libraries {
		doc.Program.Libraries = append(doc.Program.Libraries, library(l))
	}
	if s := m.Supersedes; s != nil {
		doc.Supersedes = &supersedes{Edition: s.Edition, Manifest: s.Manifest, SHA256: s.SHA256}
	}
	for _, in := range m.Inputs {
		doc.Inputs = append(doc.Inputs, input(in))
	}
	for _, t := range m.Tables {
		td := tableDoc{Table: t.Table, Format: t.Format, FormatVersion: t.FormatVersion}
		v := t.Version
		if t.Format == "iceberg" {
			td.SnapshotID = &v
		} else {
			td.Version = &v
		}
		doc.Tables = append(doc.Tables, td)
	}
	if w := m.Warehouse; w != nil {
		wd := &warehouseDoc{Dialect: w.Dialect, Host: w.Host, Database: w.Database, Schema: w.Schema, Snapshot: w.Snapshot, Statements: []statementDoc{}}
		for _, st := range w.Statements {
			wd.Statements = append(wd.Statements, statementDoc(st))
		}
		doc.Warehouse = wd
	}
	for _, o := range m.Outputs {
		doc.Outputs = append(doc.Outputs, outputDoc(o))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Unmarshal decodes manifest bytes written by Marshal. Unknown members and another
// format are errors.
func Unmarshal(b []byte) (*Manifest, error) {
	var doc document
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a recoverykpi manifest: %w", err)
	}
	if doc.Format != Format {
		return nil, fmt.Errorf("not a recoverykpi manifest: format %q, want %q", doc.Format, Format)
	}
	var errs []error
	if doc.Quarter == "" {
		errs = append(errs, errors.New("no quarter"))
	}
	if doc.Edition < 1 {
		errs = append(errs, fmt.Errorf("edition %d is not 1 or more", doc.Edition))
	}
	asOf, err := time.Parse(time.RFC3339Nano, doc.AsOf)
	if err != nil {
		errs = append(errs, fmt.Errorf("as_of %q is not RFC 3339", doc.AsOf))
	}
	if doc.Config.YAML == "" || doc.Config.SHA256 == "" {
		errs = append(errs, errors.New("no config"))
	}
	if doc.InputRoot == "" {
		errs = append(errs, errors.New("no input_root"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("incomplete manifest: %w", err)
	}
	m := &Manifest{
		Provenance: Provenance{
			Version: doc.Program.Version, GoVersion: doc.Program.Go,
			ConfigYAML: []byte(doc.Config.YAML), ConfigSHA256: doc.Config.SHA256,
			InputRoot: doc.InputRoot,
		},
		Quarter: doc.Quarter,
		AsOf:    asOf.UTC(),
		Edition: doc.Edition,
	}
	for _, l := range doc.Program.Libraries {
		m.Libraries = append(m.Libraries, Library(l))
	}
	if s := doc.Supersedes; s != nil {
		m.Supersedes = &Supersedes{Edition: s.Edition, Manifest: s.Manifest, SHA256: s.SHA256}
	}
	for _, in := range doc.Inputs {
		m.Inputs = append(m.Inputs, InputFile(in))
	}
	for _, t := range doc.Tables {
		tf := TableFormat{Table: t.Table, Format: t.Format, FormatVersion: t.FormatVersion}
		switch {
		case t.Version != nil:
			tf.Version = *t.Version
		case t.SnapshotID != nil:
			tf.Version = *t.SnapshotID
		}
		m.Tables = append(m.Tables, tf)
	}
	if w := doc.Warehouse; w != nil {
		m.Warehouse = &Warehouse{Dialect: w.Dialect, Host: w.Host, Database: w.Database, Schema: w.Schema, Snapshot: w.Snapshot}
		for _, st := range w.Statements {
			m.Warehouse.Statements = append(m.Warehouse.Statements, Statement(st))
		}
	}
	for _, o := range doc.Outputs {
		m.Outputs = append(m.Outputs, OutputFile(o))
	}
	return m, nil
}
