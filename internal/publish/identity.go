package publish

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// An edition's identity (SPEC §6) is what can change its numbers: the recorded config,
// the bytes of every input, as_of and the program version. A rerun with the same
// identity as the latest edition is that edition, even where its files' bytes differ
// in what changes no number: the input folder's path (the manifest's input_root), the
// Go toolchain or library versions a same-version build was made with. Such a rerun
// publishes nothing, so a change of cron, password or path spelling never costs a
// restatement.

// publishedManifest reads and decodes the manifest of a published edition; nil when
// it is not there or does not decode (it is then compared byte for byte only).
func publishedManifest(dir, name string) (*manifest.Manifest, []byte) {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return nil, nil
	}
	m, err := manifest.Unmarshal(b)
	if err != nil {
		return nil, b
	}
	return m, b
}

// identityDiff returns how the edition rendered now differs in identity from the
// published one, one line each: program version, as_of, each input added, removed
// or changed (by path, size and SHA-256), each recorded config key. None: the same
// edition.
func identityDiff(published, now *manifest.Manifest) []string {
	var out []string
	if published.Version != now.Version {
		out = append(out, fmt.Sprintf("program version differs: published %s, now %s", published.Version, now.Version))
	}
	if published.Quarter != now.Quarter {
		out = append(out, fmt.Sprintf("quarter differs: published %s, now %s", published.Quarter, now.Quarter))
	}
	if !published.AsOf.Equal(now.AsOf) {
		out = append(out, fmt.Sprintf("as_of differs: published %s, now %s",
			published.AsOf.UTC().Format(time.RFC3339Nano), now.AsOf.UTC().Format(time.RFC3339Nano)))
	}
	pub := map[string]manifest.InputFile{}
	for _, in := range published.Inputs {
		pub[in.Path] = in
	}
	cur := map[string]bool{}
	for _, in := range now.Inputs {
		cur[in.Path] = true
		p, ok := pub[in.Path]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("input added: %s (%d bytes, sha256 %s)", in.Path, in.Size, in.SHA256))
		case p.SHA256 != in.SHA256 || p.Size != in.Size:
			out = append(out, fmt.Sprintf("input changed: %s: published %d bytes, sha256 %s; now %d bytes, sha256 %s", in.Path, p.Size, p.SHA256, in.Size, in.SHA256))
		case p.Table != in.Table:
			out = append(out, fmt.Sprintf("input %s: published as table %s, now read as %s", in.Path, p.Table, in.Table))
		}
	}
	for _, in := range published.Inputs {
		if !cur[in.Path] {
			out = append(out, fmt.Sprintf("input removed: %s (%d bytes, sha256 %s)", in.Path, in.Size, in.SHA256))
		}
	}
	keys, err := config.RecordedDiff(published.ConfigYAML, now.ConfigYAML)
	switch {
	case err != nil && published.ConfigSHA256 != now.ConfigSHA256:
		out = append(out, fmt.Sprintf("config differs: published sha256 %s, now %s (%v)", published.ConfigSHA256, now.ConfigSHA256, err))
	case err == nil:
		for _, k := range keys {
			out = append(out, "config differs: "+k)
		}
	}
	return out
}

// errNotComparable says the published edition has no manifest that decodes.
var errNotComparable = errors.New("no manifest to compare with")

// sameEdition decides whether the outputs rendered now (outs, the manifest last) are
// the published edition whose files differ: differ names the files published with
// other bytes. It returns the identity differences (none: same edition), and, for the
// same edition, the missing files that may be added: those whose bytes are the ones
// its manifest lists. A same-identity rerun may differ from the published files only
// in the workbook and the manifest (which name the input folder and the toolchain);
// the scorecard JSON or a quarantine file with other bytes is a real difference.
func sameEdition(dir string, outs []File, same []bool, differ []string) (diffs []string, restore []File, err error) {
	last := outs[len(outs)-1]
	pub, _ := publishedManifest(dir, last.Name)
	if pub == nil {
		return nil, nil, errNotComparable
	}
	now, err := manifest.Unmarshal(last.Data)
	if err != nil {
		return nil, nil, errNotComparable
	}
	if diffs = identityDiff(pub, now); len(diffs) > 0 {
		return diffs, nil, nil
	}
	for _, d := range differ {
		if d != last.Name && !strings.HasSuffix(d, ".xlsx") {
			diffs = append(diffs, fmt.Sprintf("%s differs although the inputs, recorded config, as_of and program version are the same (published with %s, now %s)", d, pub.GoVersion, now.GoVersion))
		}
	}
	if len(diffs) > 0 {
		return diffs, nil, nil
	}
	recorded := map[string]string{}
	for _, o := range pub.Outputs {
		recorded[o.Path] = o.SHA256
	}
	for i, o := range outs[:len(outs)-1] {
		if same[i] || contains(differ, o.Name) {
			continue
		}
		// Missing: add it back only with the bytes the published manifest lists.
		if recorded[o.Name] == manifest.Sum(o.Data) {
			restore = append(restore, o)
		} else {
			diffs = append(diffs, fmt.Sprintf("%s is missing from the published edition, and this run's bytes are not the ones its manifest lists", o.Name))
		}
	}
	if len(diffs) > 0 {
		return diffs, nil, nil
	}
	return nil, restore, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
