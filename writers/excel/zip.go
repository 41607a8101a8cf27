package excel

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"regexp"
	"sort"

	"github.com/xuri/excelize/v2"
)

// zipModifiedDate is the MS-DOS modification date of every part of the workbook
// package: 1 January 1980, at 00:00. A fixed time keeps the bytes independent of the
// wall clock; the workbook's own created and modified properties carry as_of.
const zipModifiedDate = 0<<9 | 1<<5 | 1

// orderedZip is an excelize.ZipWriter that makes the package byte-reproducible:
// excelize creates parts in map order, so orderedZip deflates each part into its own
// buffer as it is written (memory stays near the compressed size) and, on Close, writes
// them to the archive in a fixed order — [Content_Types].xml, _rels/.rels, then the
// rest by name — all with the same modification time. The Default entries of
// [Content_Types].xml, which excelize appends in map order, are sorted by extension.
type orderedZip struct {
	out     io.Writer
	parts   map[string]*zipPart
	rewrite map[string]func([]byte) []byte // by part name: applied to the whole part on Close
}

type zipPart struct {
	name string
	buf  bytes.Buffer // deflated bytes
	fw   *flate.Writer
	crc  uint32
	size uint64
	raw  *bytes.Buffer // kept uncompressed for the parts to rewrite
}

func (p *zipPart) Write(b []byte) (int, error) {
	p.crc = crc32.Update(p.crc, crc32.IEEETable, b)
	p.size += uint64(len(b))
	if p.raw != nil {
		return p.raw.Write(b)
	}
	return p.fw.Write(b)
}

// newOrderedZip returns a constructor of ordered zip writers for File.SetZipWriter.
// rewrite maps part names to functions applied to the whole part before it is written;
// [Content_Types].xml always has its Default entries sorted.
func newOrderedZip(rewrite map[string]func([]byte) []byte) func(io.Writer) excelize.ZipWriter {
	rw := map[string]func([]byte) []byte{contentTypesPart: sortDefaults}
	for k, v := range rewrite {
		rw[k] = v
	}
	return func(w io.Writer) excelize.ZipWriter {
		return &orderedZip{out: w, parts: map[string]*zipPart{}, rewrite: rw}
	}
}

// Create starts a part. A second part with the same name replaces the first.
func (z *orderedZip) Create(name string) (io.Writer, error) {
	p := &zipPart{name: name}
	if z.rewrite[name] != nil {
		p.raw = new(bytes.Buffer)
	} else {
		fw, err := flate.NewWriter(&p.buf, flate.DefaultCompression)
		if err != nil {
			return nil, err
		}
		p.fw = fw
	}
	z.parts[name] = p
	return p, nil
}

// AddFS is not used by excelize when saving; it is refused so that nothing enters the
// package unordered.
func (z *orderedZip) AddFS(fs.FS) error {
	return errors.New("excel: AddFS is not supported by the ordered zip writer")
}

// Close writes the buffered parts in their fixed order and the central directory.
func (z *orderedZip) Close() error {
	names := make([]string, 0, len(z.parts))
	for n := range z.parts {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := partRank(names[i]), partRank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	zw := zip.NewWriter(z.out)
	for _, n := range names {
		p := z.parts[n]
		if p.raw != nil {
			if err := p.deflate(z.rewrite[n](p.raw.Bytes())); err != nil {
				return err
			}
		} else if err := p.fw.Close(); err != nil {
			return err
		}
		// CreateRaw ignores FileHeader.Modified, so the MS-DOS fields are set directly.
		h := &zip.FileHeader{
			Name:               n,
			Method:             zip.Deflate,
			ModifiedDate:       zipModifiedDate,
			ModifiedTime:       0,
			CRC32:              p.crc,
			CompressedSize64:   uint64(p.buf.Len()),
			UncompressedSize64: p.size,
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			return err
		}
		if _, err := w.Write(p.buf.Bytes()); err != nil {
			return err
		}
	}
	return zw.Close()
}

// deflate replaces the part's content with b.
func (p *zipPart) deflate(b []byte) error {
	p.buf.Reset()
	fw, err := flate.NewWriter(&p.buf, flate.DefaultCompression)
	if err != nil {
		return err
	}
	if _, err := fw.Write(b); err != nil {
		return err
	}
	p.crc = crc32.ChecksumIEEE(b)
	p.size = uint64(len(b))
	return fw.Close()
}

const contentTypesPart = "[Content_Types].xml"

func partRank(name string) int {
	switch name {
	case contentTypesPart:
		return 0
	case "_rels/.rels":
		return 1
	}
	return 2
}

var defaultEntry = regexp.MustCompile(`<Default [^>]*?(?:/>|></Default>)`)

// sortDefaults returns the content-types XML with its Default entries sorted, in the
// place of the first one.
func sortDefaults(b []byte) []byte {
	locs := defaultEntry.FindAllIndex(b, -1)
	if len(locs) < 2 {
		return b
	}
	entries := make([]string, len(locs))
	for i, l := range locs {
		entries[i] = string(b[l[0]:l[1]])
	}
	sort.Strings(entries)
	var out bytes.Buffer
	prev := 0
	for i, l := range locs {
		out.Write(b[prev:l[0]])
		if i == 0 {
			for _, e := range entries {
				out.WriteString(e)
			}
		}
		prev = l[1]
	}
	out.Write(b[prev:])
	return out.Bytes()
}
