package excel

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
)

// zipModifiedDate is the MS-DOS modification date of every part of the workbook
// package: 1 January 1980, at 00:00. A fixed time keeps the bytes independent of the
// wall clock; the workbook's own created and modified properties carry as_of.
const zipModifiedDate = 0<<9 | 1<<5 | 1

// orderedZip is an excelize.ZipWriter that makes the package byte-reproducible:
// excelize creates parts in map order, so orderedZip deflates each part into its own
// buffers as it is written (memory stays near the compressed size) and, on Close,
// writes them to the archive in a fixed order — [Content_Types].xml, _rels/.rels,
// then the rest by name — all with the same modification time. The Default entries
// of [Content_Types].xml, which excelize appends in map order, are sorted by
// extension.
//
// A part is deflated (klauspost/compress's flate: at the default level about 1.5
// times as fast as the standard library's, for a package about 7% larger) in chunks
// of deflateChunk bytes on up to GOMAXPROCS goroutines,
// as pigz does: each chunk is compressed with the 32 KiB before it as its preset
// dictionary and ends with a sync flush, the last one with the final block, so that
// the chunks joined in order are one deflate stream, and the same bytes whatever the
// scheduling. The long worklist sheets compress on both cores.
type orderedZip struct {
	out     io.Writer
	parts   map[string]*zipPart
	rewrite map[string]func([]byte) []byte // by part name: applied to the whole part on Close
	// splices holds, by worksheet part, the rows that replace its marker row
	// (book.dataRows); such a part is kept raw until Close.
	splices map[string]*splice
	slots   chan struct{}      // one per chunk being compressed
	free    chan []byte        // raw chunk buffers compressed, for the next chunks
	writers chan *flate.Writer // deflate writers done with, for the next chunks
}

// chunkBuffer returns an empty buffer of deflateChunk bytes, one compressed
// before if there is one: at 3,000,000 customers the workbook's raw XML is about
// 150 MB, each megabyte of it otherwise a new buffer cleared by the runtime.
func (z *orderedZip) chunkBuffer() []byte {
	select {
	case b := <-z.free:
		return b
	default:
		return make([]byte, 0, deflateChunk)
	}
}

// deflateChunk is the raw size of the chunks a part is compressed in; window is
// deflate's, the dictionary each chunk gets from the raw bytes before it.
const (
	deflateChunk = 1 << 20
	window       = 32 << 10
)

type zipPart struct {
	z       *orderedZip
	name    string
	crc     uint32
	size    uint64
	pending []byte        // raw bytes not yet handed to a chunk
	tail    []byte        // the last window raw bytes before pending
	chunks  []*chunk      // in stream order
	raw     *bytes.Buffer // kept uncompressed for the parts to rewrite
}

// chunk is one piece of a part's deflate stream, compressed on its own goroutine.
type chunk struct {
	done chan struct{}
	out  bytes.Buffer
	err  error
}

func (p *zipPart) Write(b []byte) (int, error) {
	p.crc = crc32.Update(p.crc, crc32.IEEETable, b)
	p.size += uint64(len(b))
	if p.raw != nil {
		return p.raw.Write(b)
	}
	n := len(b)
	for len(b) > 0 {
		k := min(deflateChunk-len(p.pending), len(b))
		// A part's first chunk grows with it (most parts are a few kilobytes); the
		// next ones, of a part known to be long, come from the free list.
		p.pending = append(p.pending, b[:k]...)
		b = b[k:]
		if len(p.pending) == deflateChunk {
			p.flushChunk(false)
		}
	}
	return n, nil
}

// flushChunk starts compressing the pending bytes as the next chunk; final ends the
// stream. It waits for a free slot, so that at most GOMAXPROCS raw chunks are held.
func (p *zipPart) flushChunk(final bool) {
	data, dict := p.pending, p.tail
	if len(data) >= window {
		p.tail = slices.Clone(data[len(data)-window:])
	} else {
		p.tail = append(slices.Clone(p.tail[max(0, len(p.tail)+len(data)-window):]), data...)
	}
	p.pending = nil
	if !final {
		p.pending = p.z.chunkBuffer()
	}
	c := &chunk{done: make(chan struct{})}
	p.chunks = append(p.chunks, c)
	p.z.slots <- struct{}{}
	go func() {
		defer func() { <-p.z.slots; close(c.done) }()
		c.err = p.z.deflateTo(&c.out, data, dict, final)
		if cap(data) == deflateChunk {
			select {
			case p.z.free <- data[:0]:
			default: // the free list is full
			}
		}
	}()
}

// deflateTo compresses data onto w with dict as the preset dictionary; the output
// ends with the final block when final, else with a sync flush. The writer is one
// used before if there is one, reset with ResetDict (which makes it "equivalent to
// the result of NewWriterDict", klauspost/compress; TestReusedWriters): a new
// one's tables are half a megabyte to clear, for every chunk of every part.
func (z *orderedZip) deflateTo(w io.Writer, data, dict []byte, final bool) error {
	var fw *flate.Writer
	select {
	case fw = <-z.writers:
		fw.ResetDict(w, dict)
	default:
		var err error
		if fw, err = flate.NewWriterDict(w, flate.DefaultCompression, dict); err != nil {
			return err
		}
	}
	if _, err := fw.Write(data); err != nil {
		return err
	}
	var err error
	if final {
		err = fw.Close()
	} else {
		err = fw.Flush()
	}
	if err == nil {
		select {
		case z.writers <- fw:
		default: // as many kept as chunks compress at once
		}
	}
	return err
}

// wait waits for the part's chunks (the last one started) and returns their total
// size.
func (p *zipPart) wait() (compressed int, err error) {
	for _, c := range p.chunks {
		<-c.done
		if c.err != nil && err == nil {
			err = c.err
		}
		compressed += c.out.Len()
	}
	return compressed, err
}

// newOrderedZip returns a constructor of ordered zip writers for File.SetZipWriter.
// rewrite maps part names to functions applied to the whole part before it is written;
// [Content_Types].xml always has its Default entries sorted.
func newOrderedZip(rewrite map[string]func([]byte) []byte, splices map[string]*splice) func(io.Writer) excelize.ZipWriter {
	rw := map[string]func([]byte) []byte{contentTypesPart: sortDefaults}
	for k, v := range rewrite {
		rw[k] = v
	}
	return func(w io.Writer) excelize.ZipWriter {
		procs := runtime.GOMAXPROCS(0)
		return &orderedZip{out: w, parts: map[string]*zipPart{}, rewrite: rw, splices: splices,
			slots: make(chan struct{}, procs), free: make(chan []byte, procs+1), writers: make(chan *flate.Writer, procs)}
	}
}

// Create starts a part. A second part with the same name replaces the first.
func (z *orderedZip) Create(name string) (io.Writer, error) {
	p := &zipPart{z: z, name: name}
	if z.rewrite[name] != nil || z.splices[name] != nil {
		p.raw = new(bytes.Buffer)
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
	// Every part's last chunk starts compressing before the first is written.
	for _, n := range names {
		if p := z.parts[n]; p.raw != nil {
			b := p.raw.Bytes()
			if rw := z.rewrite[n]; rw != nil {
				b = rw(b)
			}
			p.raw = nil
			p.crc, p.size = 0, 0
			if err := z.writeSpliced(p, b); err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
		}
		z.parts[n].flushChunk(true)
	}
	zw := zip.NewWriter(z.out)
	for _, n := range names {
		p := z.parts[n]
		compressed, err := p.wait()
		if err != nil {
			return err
		}
		h := &zip.FileHeader{
			Name:               n,
			Method:             zip.Deflate,
			CRC32:              p.crc,
			CompressedSize64:   uint64(compressed),
			UncompressedSize64: p.size,
		}
		// CreateRaw ignores FileHeader.Modified, so the MS-DOS date is set directly (the
		// MS-DOS time, ModifiedTime, stays 0: midnight).
		//lint:ignore SA1019 CreateRaw writes only the deprecated MS-DOS fields
		h.ModifiedDate = zipModifiedDate
		w, err := zw.CreateRaw(h)
		if err != nil {
			return err
		}
		for _, c := range p.chunks {
			if _, err := w.Write(c.out.Bytes()); err != nil {
				return err
			}
		}
	}
	return zw.Close()
}

// splice is the rows that take the place of a worksheet's marker row, row first
// (book.dataRows): write writes their XML.
type splice struct {
	first int
	write func(io.Writer) error
}

// spliceMarker is the text of a marker row.
const spliceMarker = "recoverykpi: the worklist rows"

// writeSpliced writes b, a part, to p: a worksheet with a splice has its marker row
// replaced by the splice's rows.
func (z *orderedZip) writeSpliced(p *zipPart, b []byte) error {
	sp := z.splices[p.name]
	if sp == nil {
		_, err := p.Write(b)
		return err
	}
	open := []byte(`<row r="` + strconv.Itoa(sp.first) + `"`)
	start := bytes.Index(b, open)
	end := -1
	if start >= 0 {
		end = bytes.Index(b[start:], []byte("</row>"))
	}
	if end < 0 || !bytes.Contains(b[start:start+end], []byte(">"+spliceMarker+"<")) {
		return fmt.Errorf("no marker row %d for the worklist's rows", sp.first)
	}
	if _, err := p.Write(b[:start]); err != nil {
		return err
	}
	if err := sp.write(p); err != nil {
		return err
	}
	_, err := p.Write(b[start+end+len("</row>"):])
	return err
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
