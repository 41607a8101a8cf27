package readers

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math/bits"
	"path"
	"slices"
	"strconv"
	"strings"
)

// deletionVector is the descriptor of a Delta deletion vector (PROTOCOL.md,
// "Deletion Vectors"): the rows of one data file that are deleted, by their
// 0-based index in the file, as a RoaringBitmapArray stored inline in the log
// (storageType "i"), in a file of the table folder named by a UUID ("u"), or at
// an absolute path ("p", refused: outside the input root).
type deletionVector struct {
	StorageType    string `json:"storageType"`
	PathOrInlineDv string `json:"pathOrInlineDv"`
	Offset         *int32 `json:"offset"`
	SizeInBytes    int32  `json:"sizeInBytes"`
	Cardinality    int64  `json:"cardinality"`
}

// uniqueID identifies the deletion vector within the table, as Delta's log replay
// keys a file by its path and this id; "" for none.
func (dv *deletionVector) uniqueID() string {
	if dv == nil {
		return ""
	}
	id := dv.StorageType + dv.PathOrInlineDv
	if dv.Offset != nil {
		id += "@" + strconv.Itoa(int(*dv.Offset))
	}
	return id
}

// describe names the deletion vector for messages.
func (dv *deletionVector) describe() string {
	switch dv.StorageType {
	case "i":
		return "inline deletion vector"
	case "u":
		if p, err := dv.relPath(); err == nil {
			return "deletion vector " + p
		}
	}
	return fmt.Sprintf("deletion vector %s:%s", dv.StorageType, dv.PathOrInlineDv)
}

// deletionVectorMagic starts a serialized RoaringBitmapArray (little-endian).
const deletionVectorMagic = 1681511377

// relPath returns the path, relative to the table folder, of the file of a
// deletion vector stored by UUID: <prefix>/deletion_vector_<uuid>.bin, where the
// last 20 characters of pathOrInlineDv are the UUID in Z85 and the rest is the
// folder prefix.
func (dv *deletionVector) relPath() (string, error) {
	s := dv.PathOrInlineDv
	if len(s) < 20 {
		return "", fmt.Errorf("pathOrInlineDv %q is shorter than a Z85 UUID", s)
	}
	prefix, enc := s[:len(s)-20], s[len(s)-20:]
	u, err := z85Decode(enc)
	if err != nil {
		return "", fmt.Errorf("pathOrInlineDv %q: %w", s, err)
	}
	uuid := fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
	p := path.Join(prefix, "deletion_vector_"+uuid+".bin")
	if !fs.ValidPath(p) {
		return "", fmt.Errorf("pathOrInlineDv %q: not a path inside the table folder", s)
	}
	return p, nil
}

// load returns the deleted row indices of a file with rows rows, ascending. dir
// is the table folder under fsys. The count must equal the descriptor's
// cardinality and every index must be a row of the file.
func (dv *deletionVector) load(fsys fs.FS, dir string, rows int64) ([]uint64, error) {
	var data []byte
	switch dv.StorageType {
	case "i":
		b, err := z85Decode(dv.PathOrInlineDv)
		if err != nil {
			return nil, fmt.Errorf("inline deletion vector: %w", err)
		}
		if int(dv.SizeInBytes) > len(b) || dv.SizeInBytes < 0 {
			return nil, fmt.Errorf("inline deletion vector: %d bytes, sizeInBytes says %d", len(b), dv.SizeInBytes)
		}
		data = b[:dv.SizeInBytes]
	case "u":
		rel, err := dv.relPath()
		if err != nil {
			return nil, fmt.Errorf("deletion vector: %w", err)
		}
		p := path.Join(dir, rel)
		off := int64(1) // after the format version byte
		if dv.Offset != nil {
			off = int64(*dv.Offset)
		}
		if data, err = readDVFile(fsys, p, off, dv.SizeInBytes); err != nil {
			return nil, fmt.Errorf("deletion vector %s: %w", p, err)
		}
	case "p":
		return nil, fmt.Errorf("deletion vector at an absolute path (%s) is not supported", dv.PathOrInlineDv)
	default:
		return nil, fmt.Errorf("deletion vector of unknown storage type %q", dv.StorageType)
	}
	rowsDeleted, err := decodeRoaringBitmapArray(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dv.describe(), err)
	}
	if int64(len(rowsDeleted)) != dv.Cardinality {
		return nil, fmt.Errorf("%s: %d rows, cardinality says %d", dv.describe(), len(rowsDeleted), dv.Cardinality)
	}
	if n := len(rowsDeleted); n > 0 && rowsDeleted[n-1] >= uint64(max(rows, 0)) {
		return nil, fmt.Errorf("%s: deletes row %d of a file of %d rows", dv.describe(), rowsDeleted[n-1], rows)
	}
	return rowsDeleted, nil
}

// readDVFile reads one deletion vector from a deletion vector file: at off, its
// size (big-endian int32, equal to size), its bytes and their CRC-32 (big-endian).
func readDVFile(fsys fs.FS, p string, off int64, size int32) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := regular(p, info); err != nil {
		return nil, err
	}
	if size < 0 || off < 1 || off+8+int64(size) > info.Size() {
		return nil, fmt.Errorf("%d bytes at offset %d lie outside the file of %d bytes", size, off, info.Size())
	}
	r, ok := f.(io.ReaderAt)
	if !ok {
		return nil, errors.New("file cannot be read at an offset")
	}
	var version [1]byte
	if _, err := r.ReadAt(version[:], 0); err != nil {
		return nil, err
	}
	if version[0] != 1 {
		return nil, fmt.Errorf("format version %d, want 1", version[0])
	}
	b := make([]byte, 8+int(size))
	if _, err := r.ReadAt(b, off); err != nil {
		return nil, err
	}
	if got := int32(binary.BigEndian.Uint32(b[:4])); got != size {
		return nil, fmt.Errorf("size %d at offset %d, sizeInBytes says %d", got, off, size)
	}
	data := b[4 : 4+size]
	if want, got := binary.BigEndian.Uint32(b[4+size:]), crc32.ChecksumIEEE(data); want != got {
		return nil, fmt.Errorf("checksum %08x, the file says %08x", got, want)
	}
	return data, nil
}

// decodeRoaringBitmapArray decodes a deletion vector's bytes: the magic
// (little-endian int32), the number of bitmaps (int64), then for each its key
// (int32, the high 32 bits of its values) and a 32-bit RoaringBitmap in the
// portable serialization. It returns the values in ascending order.
func decodeRoaringBitmapArray(b []byte) ([]uint64, error) {
	if len(b) < 12 || binary.LittleEndian.Uint32(b) != deletionVectorMagic {
		return nil, errors.New("not a RoaringBitmapArray (magic 1681511377)")
	}
	n := binary.LittleEndian.Uint64(b[4:])
	b = b[12:]
	var out []uint64
	last := int64(-1)
	for i := uint64(0); i < n; i++ {
		if len(b) < 4 {
			return nil, errors.New("truncated RoaringBitmapArray")
		}
		key := int64(binary.LittleEndian.Uint32(b))
		if key <= last {
			return nil, errors.New("RoaringBitmapArray keys not ascending")
		}
		last = key
		var err error
		if out, b, err = decodeRoaring32(b[4:], uint64(key)<<32, out); err != nil {
			return nil, err
		}
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%d bytes after the RoaringBitmapArray", len(b))
	}
	return out, nil
}

// Cookies of the portable RoaringBitmap serialization
// (https://github.com/RoaringBitmap/RoaringFormatSpec).
const (
	roaringCookieRuns   = 12347
	roaringCookieNoRuns = 12346
)

// decodeRoaring32 appends the values of the 32-bit RoaringBitmap at the start of b,
// each plus high, to out, and returns b after it.
func decodeRoaring32(b []byte, high uint64, out []uint64) ([]uint64, []byte, error) {
	truncated := errors.New("truncated RoaringBitmap")
	if len(b) < 4 {
		return nil, nil, truncated
	}
	cookie := binary.LittleEndian.Uint32(b)
	b = b[4:]
	var size int
	var runs []byte
	hasOffsets := true
	switch {
	case cookie&0xFFFF == roaringCookieRuns:
		size = int(cookie>>16) + 1
		nb := (size + 7) / 8
		if len(b) < nb {
			return nil, nil, truncated
		}
		runs, b = b[:nb], b[nb:]
		hasOffsets = size >= 4
	case cookie == roaringCookieNoRuns:
		if len(b) < 4 {
			return nil, nil, truncated
		}
		size, b = int(binary.LittleEndian.Uint32(b)), b[4:]
	default:
		return nil, nil, fmt.Errorf("not a RoaringBitmap (cookie %d)", cookie)
	}
	if size > 1<<16 || len(b) < 4*size {
		return nil, nil, truncated
	}
	keys := make([]uint16, size)
	cards := make([]int, size)
	for i := range size {
		keys[i] = binary.LittleEndian.Uint16(b[4*i:])
		cards[i] = int(binary.LittleEndian.Uint16(b[4*i+2:])) + 1
		if i > 0 && keys[i] <= keys[i-1] {
			return nil, nil, errors.New("RoaringBitmap keys not ascending")
		}
	}
	b = b[4*size:]
	if hasOffsets {
		if len(b) < 4*size {
			return nil, nil, truncated
		}
		b = b[4*size:]
	}
	for i := range size {
		base := high | uint64(keys[i])<<16
		switch {
		case runs != nil && runs[i/8]&(1<<(i%8)) != 0:
			if len(b) < 2 {
				return nil, nil, truncated
			}
			nr := int(binary.LittleEndian.Uint16(b))
			b = b[2:]
			if len(b) < 4*nr {
				return nil, nil, truncated
			}
			for r := range nr {
				start := int(binary.LittleEndian.Uint16(b[4*r:]))
				length := int(binary.LittleEndian.Uint16(b[4*r+2:]))
				if start+length > 0xFFFF {
					return nil, nil, errors.New("RoaringBitmap run past its container")
				}
				for v := start; v <= start+length; v++ {
					out = append(out, base|uint64(v))
				}
			}
			b = b[4*nr:]
		case cards[i] > 4096:
			if len(b) < 8192 {
				return nil, nil, truncated
			}
			for w := range 1024 {
				word := binary.LittleEndian.Uint64(b[8*w:])
				for word != 0 {
					out = append(out, base|uint64(w*64+bits.TrailingZeros64(word)))
					word &= word - 1
				}
			}
			b = b[8192:]
		default:
			if len(b) < 2*cards[i] {
				return nil, nil, truncated
			}
			for k := range cards[i] {
				out = append(out, base|uint64(binary.LittleEndian.Uint16(b[2*k:])))
			}
			b = b[2*cards[i]:]
		}
	}
	if !slices.IsSorted(out) {
		return nil, nil, errors.New("RoaringBitmap values not ascending")
	}
	return out, b, nil
}

// z85Alphabet is the alphabet of Z85 (ZeroMQ RFC 32), which Delta uses for
// inline deletion vectors and the UUIDs of their files.
const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// z85Decode decodes Z85 text: every 5 characters are 4 bytes, big-endian.
func z85Decode(s string) ([]byte, error) {
	if len(s)%5 != 0 {
		return nil, fmt.Errorf("Z85 text of %d characters (not a multiple of 5)", len(s))
	}
	out := make([]byte, 0, len(s)/5*4)
	for i := 0; i < len(s); i += 5 {
		var v uint64
		for _, c := range []byte(s[i : i+5]) {
			d := strings.IndexByte(z85Alphabet, c)
			if d < 0 {
				return nil, fmt.Errorf("%q is not a Z85 character", c)
			}
			v = v*85 + uint64(d)
		}
		if v > 0xFFFFFFFF {
			return nil, fmt.Errorf("Z85 group %q out of range", s[i:i+5])
		}
		out = binary.BigEndian.AppendUint32(out, uint32(v))
	}
	return out, nil
}
