package publish

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	jsonout "github.com/recoverykpi/recoverykpi/writers/json"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// Result says what publishing an edition did.
type Result struct {
	Edition   int      // 1 for the first publication, 2.. for restatements
	Manifest  string   // path of the edition's manifest
	Published []string // paths written
	Noop      bool     // the edition was already published: the same bytes, or the same identity (SPEC §6)
}

// Render produces the files of an edition of the quarter in publishing order, the
// manifest last; sup names the edition it restates (nil for edition 1).
type Render func(edition int, sup *manifest.Supersedes) ([]File, error)

// Edition publishes one quarter (label, e.g. 2026-Q3) into the output folder dir.
//
// The latest edition of the quarter in the output folder is rendered again and
// compared byte for byte: the files it already has with the same bytes are left
// alone, missing ones (an interrupted run) are added, and when all are there the run
// is a no-op. When any differs, the published manifest and the one rendered now are
// compared by edition identity (identity.go): the same inputs, recorded config, as_of
// and program version make the same edition, and the run is a no-op although the
// workbook or manifest bytes differ (the input folder spelled otherwise, another
// toolchain). Otherwise the run refuses with ErrOutputExists, naming each
// difference, or with restate publishes the next edition (-r2, -r3, ...) beside it.
// Nothing published is ever replaced. The manifest is published last, so an edition
// with a manifest is complete.
//
// The output folder's publishing lock (LockName) is held from reading what is
// published to writing the manifest: a second run into the same folder waits for it
// (at most LockWait, or until ctx is done), then finds the edition published and, with
// the same bytes, is a no-op.
//
// extract holds the files that describe the extract just read rather than the
// quarter (SPEC §2's quarantine/<table>.parquet); they are written with Replace once
// the edition is decided.
func Edition(ctx context.Context, dir, label string, restate bool, render Render, extract []File) (*Result, error) {
	lock, err := lockFolder(ctx, dir, LockWait)
	if err != nil {
		return nil, err
	}
	defer lock.unlock()
	cleanTemps(dir)
	latest := latestEdition(dir, label)
	edition := max(latest, 1)
	outs, err := render(edition, supersedes(dir, label, edition))
	if err != nil {
		return nil, err
	}
	same, differ, err := existing(dir, outs)
	if err != nil {
		return nil, err
	}
	var restore []File // missing files of an edition with the same identity
	sameIdentity := false
	if len(differ) > 0 {
		diffs, add, cerr := sameEdition(dir, outs, same, differ)
		sameIdentity = cerr == nil && len(diffs) == 0
		switch {
		case sameIdentity:
			restore = add
		case !restate:
			return nil, conflict(dir, label, edition, outs, same, differ, diffs)
		case !hasManifest(dir, label, edition):
			return nil, orphaned(dir, label, edition, outs, same, differ)
		default:
			edition = latest + 1
			sup := supersedes(dir, label, edition)
			if sup.SHA256 == "" {
				return nil, fmt.Errorf("restate %s: cannot read %s to name it, with its SHA-256, in the restatement's supersedes; nothing was written",
					label, filepath.Join(dir, sup.Manifest))
			}
			if outs, err = render(edition, sup); err != nil {
				return nil, err
			}
			if same, differ, err = existing(dir, outs); err != nil {
				return nil, err
			}
			if len(differ) > 0 {
				return nil, fmt.Errorf("%w: %s exists although edition r%d was never published; move it away and rerun",
					ErrOutputExists, filepath.Join(dir, differ[0]), edition)
			}
		}
	}
	res := &Result{Edition: edition, Manifest: filepath.Join(dir, outs[len(outs)-1].Name)}
	var todo []File
	if sameIdentity {
		todo = restore
	} else {
		for i, o := range outs {
			if !same[i] {
				todo = append(todo, o)
			}
		}
	}
	// SPEC §2's quarantine/<table>.parquet describes the extract that was just read, so
	// it is replaced by every run that publishes or confirms an edition; the edition's
	// own copy above is the one its manifest lists and never changes.
	if err := replace(dir, extract); err != nil {
		return nil, err
	}
	if len(todo) == 0 {
		res.Noop = true
		return res, nil
	}
	temps, err := stage(dir, todo)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		removeAll(temps)
		return nil, err
	}
	if err := commit(dir, todo, temps); err != nil {
		return nil, err
	}
	for _, o := range todo {
		res.Published = append(res.Published, filepath.Join(dir, o.Name))
	}
	return res, nil
}

// EditionSuffix is "" for the first edition and "-rN" for restatement N.
func EditionSuffix(edition int) string {
	if edition <= 1 {
		return ""
	}
	return fmt.Sprintf("-r%d", edition)
}

// WorkbookName returns the workbook's file name for a quarter label (with its edition
// suffix).
func WorkbookName(label string) string { return "recovery-scorecard-" + label + ".xlsx" }

// QuarantineName returns where an edition (label with its edition suffix) publishes
// the quarantine of a table.
func QuarantineName(label, table string) string {
	return "quarantine/" + label + "/" + table + ".parquet"
}

// conflict is the refusal of a run that would change published files of an edition.
// diffs name what differs from the published edition's manifest (inputs, recorded
// config keys, as_of, program version); none when it has no manifest to compare with.
func conflict(dir, label string, edition int, outs []File, same []bool, differ, diffs []string) error {
	if !hasManifest(dir, label, edition) {
		return orphaned(dir, label, edition, outs, same, differ)
	}
	next := label + EditionSuffix(edition+1)
	published := filepath.Join(dir, manifest.FileName(label+EditionSuffix(edition)))
	var b strings.Builder
	fmt.Fprintf(&b, "%s is already published with other bytes than this run produces", filepath.Join(dir, differ[0]))
	if len(differ) > 1 {
		b.WriteString(" (so are " + strings.Join(differ[1:], ", ") + ")")
	}
	b.WriteString("; nothing was written.")
	if len(diffs) > 0 {
		fmt.Fprintf(&b, " This run differs from the edition of %s:", published)
		for _, d := range diffs {
			b.WriteString("\n  " + d)
		}
		b.WriteString("\n")
	} else {
		fmt.Fprintf(&b, " Its manifest %s cannot be read to say what differs. ", published)
	}
	fmt.Fprintf(&b, "To publish these numbers as a restatement, rerun with --restate: it writes edition r%d (%s, %s, %s) beside the published files, which stay as they are",
		edition+1, WorkbookName(next), jsonout.FileName(next), manifest.FileName(next))
	return fmt.Errorf("%w: %s", ErrOutputExists, b.String())
}

// hasManifest reports whether an edition of the quarter has its manifest in the
// output folder.
func hasManifest(dir, label string, edition int) bool {
	_, err := os.Lstat(filepath.Join(dir, manifest.FileName(label+EditionSuffix(edition))))
	return err == nil
}

// orphaned is the refusal of a run whose outputs differ from an edition whose
// publication was interrupted before its manifest: it names the files of that edition
// that exist and says there is no manifest. Such an edition proves nothing, so it is
// not restated either (a restatement's supersedes would have no manifest to name and
// hash): the run that made it completes it, or the files are moved away.
func orphaned(dir, label string, edition int, outs []File, same []bool, differ []string) error {
	l := label + EditionSuffix(edition)
	var there []string
	for i, o := range outs[:len(outs)-1] {
		if same[i] || contains(differ, o.Name) {
			there = append(there, filepath.Join(dir, filepath.FromSlash(o.Name)))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "edition %s has no manifest (%s): its publication was interrupted, so what it was made from is unknown. It has %s",
		l, filepath.Join(dir, manifest.FileName(l)), strings.Join(there, ", "))
	if len(differ) > 0 {
		fmt.Fprintf(&b, "; this run's bytes differ for %s", strings.Join(differ, ", "))
	}
	fmt.Fprintf(&b, ". Nothing was written, and --restate cannot supersede an edition without a manifest. "+
		"Rerun with the inputs, config and as_of that edition was made from to complete it, or move its files out of %s and rerun", dir)
	return fmt.Errorf("%w: %s", ErrOutputExists, b.String())
}

// latestEdition returns the highest edition of the quarter with any of its files
// (workbook, JSON or manifest) in the output folder, 0 when none.
func latestEdition(dir, label string) int {
	latest := 0
	for e := 1; ; e++ {
		l := label + EditionSuffix(e)
		found := false
		for _, name := range []string{WorkbookName(l), jsonout.FileName(l), manifest.FileName(l)} {
			if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
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
// the first edition. Its SHA256 is "" when that manifest cannot be read.
func supersedes(dir, label string, edition int) *manifest.Supersedes {
	if edition <= 1 {
		return nil
	}
	s := &manifest.Supersedes{Edition: edition - 1, Manifest: manifest.FileName(label + EditionSuffix(edition-1))}
	if b, err := os.ReadFile(filepath.Join(dir, s.Manifest)); err == nil {
		s.SHA256 = manifest.Sum(b)
	}
	return s
}
