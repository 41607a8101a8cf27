package contract

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated tables of docs/CONTRACT.md")

const (
	docBegin = "<!-- BEGIN GENERATED TABLES: go test ./internal/contract -run TestContractDoc -update -->\n"
	docEnd   = "<!-- END GENERATED TABLES -->\n"
)

// kindWords names each kind as docs/CONTRACT.md does; its "Accepted types, by kind"
// table explains each.
var kindWords = map[Kind]string{KindID: "id", KindTime: "timestamp", KindNumber: "number", KindText: "text", KindBool: "boolean"}

// contractDoc renders the tables and columns of the contract as docs/CONTRACT.md
// shows them.
func contractDoc() string {
	var b strings.Builder
	for i, t := range Tables() {
		if i > 0 {
			b.WriteString("\n")
		}
		status, key := "Optional table.", "No duplicate key."
		if t.Required {
			status = "Required table."
		}
		if t.Key != "" {
			key = fmt.Sprintf("Duplicate key: `%s`.", t.Key)
		}
		fmt.Fprintf(&b, "### `%s`\n\n%s %s\n\n| column | kind | required |\n|---|---|---|\n", t.Name, status, key)
		for _, c := range t.Columns {
			req := "no"
			if c.Required {
				req = "yes"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Name, kindWords[c.Kind], req)
		}
	}
	return b.String()
}

// TestContractDoc fails when docs/CONTRACT.md and this package disagree on the
// tables, columns, kinds, required columns or duplicate keys.
func TestContractDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "CONTRACT.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	begin, end := strings.Index(doc, docBegin), strings.Index(doc, docEnd)
	if begin < 0 || end < begin {
		t.Fatalf("%s: no generated section between %q and %q", path, strings.TrimSpace(docBegin), strings.TrimSpace(docEnd))
	}
	got, want := doc[begin+len(docBegin):end], contractDoc()
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(doc[:begin+len(docBegin)]+want+doc[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(gl) && i < len(wl); i++ {
		if gl[i] != wl[i] {
			t.Fatalf("%s disagrees with internal/contract at line %d of its tables:\n  doc: %s\n code: %s\n(go test ./internal/contract -run TestContractDoc -update rewrites them)", path, i+1, gl[i], wl[i])
		}
	}
	t.Fatalf("%s: the tables have %d lines, internal/contract gives %d (-update rewrites them)", path, len(gl), len(wl))
}
