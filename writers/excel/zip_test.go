package excel

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/klauspost/compress/flate"
)

// A part several chunks long reads back whole, and the package bytes do not
// depend on how the part was cut into writes.
func TestOrderedZipChunkedParts(t *testing.T) {
	var text bytes.Buffer
	for i := 0; text.Len() < 3*deflateChunk+12345; i++ {
		fmt.Fprintf(&text, `<row r="%d"><c t="inlineStr"><is><t>C-%07d</t></is></c><c><v>%d.%02d</v></c></row>`, i, i*7919%1000003, i%977, i%100)
	}
	contentTypes := `<Types><Default Extension="xml" ContentType="a"/><Default Extension="bin" ContentType="b"/></Types>`
	build := func(writeSize int) []byte {
		var out bytes.Buffer
		z := newOrderedZip(nil, nil)(&out)
		for _, part := range []struct{ name, body string }{
			{"xl/worksheets/sheet7.xml", text.String()},
			{contentTypesPart, contentTypes},
			{"xl/empty.xml", ""},
		} {
			w, err := z.Create(part.name)
			if err != nil {
				t.Fatal(err)
			}
			for b := []byte(part.body); len(b) > 0; {
				k := min(writeSize, len(b))
				if _, err := w.Write(b[:k]); err != nil {
					t.Fatal(err)
				}
				b = b[k:]
			}
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	first := build(1 << 30)
	for _, size := range []int{4093, 32 << 10} {
		if !bytes.Equal(build(size), first) {
			t.Fatalf("writes of %d bytes give other package bytes", size)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"xl/worksheets/sheet7.xml": text.String(),
		contentTypesPart:           string(sortDefaults([]byte(contentTypes))),
		"xl/empty.xml":             "",
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc) // checks the CRC and sizes too
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if string(got) != want[f.Name] {
			t.Errorf("%s: %d bytes read back, want %d", f.Name, len(got), len(want[f.Name]))
		}
	}
	if fmt.Sprint(names) != fmt.Sprint([]string{contentTypesPart, "xl/empty.xml", "xl/worksheets/sheet7.xml"}) {
		t.Errorf("parts in order %v", names)
	}
}

// A deflate writer used again (ResetDict) gives the bytes of a new one, for chunks
// with and without a dictionary, flushed and final, in any order.
func TestReusedWriters(t *testing.T) {
	var text bytes.Buffer
	for i := 0; text.Len() < 200_000; i++ {
		fmt.Fprintf(&text, `<row r="%d"><c><v>%d</v></c></row>`, i, i*7919%1000003)
	}
	b := text.Bytes()
	chunks := []struct {
		data, dict []byte
		final      bool
	}{
		{b[:70_000], nil, false}, {b[70_000:140_000], b[70_000-window : 70_000], false}, {b[140_000:], b[140_000-window : 140_000], true},
		{b[:10], nil, true}, {nil, nil, true}, {b[5000:90_000], b[:5000], false}, {b[:60_000], nil, true},
	}
	z := newOrderedZip(nil, nil)(io.Discard).(*orderedZip)
	for i, c := range chunks {
		var fresh, reused bytes.Buffer
		fw, err := flate.NewWriterDict(&fresh, flate.DefaultCompression, c.dict)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(c.data)
		if c.final {
			fw.Close()
		} else {
			fw.Flush()
		}
		if err := z.deflateTo(&reused, c.data, c.dict, c.final); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(reused.Bytes(), fresh.Bytes()) {
			t.Fatalf("chunk %d: %d bytes from a writer used before, %d from a new one", i, reused.Len(), fresh.Len())
		}
	}
	if len(z.writers) == 0 {
		t.Fatal("no writer was kept for the next chunk")
	}
}
