package readers

import (
	"encoding/binary"
	"errors"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/pierrec/lz4/v4"
)

// hadoopLZ4 decodes Parquet's deprecated LZ4 codec (codec 5, not LZ4_RAW), which
// arrow-go leaves unimplemented because writers disagree on it: parquet-mr (Spark,
// Hive, Impala through Hadoop) writes Hadoop's framing, a sequence of frames each
// holding a 4-byte big-endian uncompressed length, a 4-byte big-endian compressed
// length and one LZ4 block; parquet-cpp before 2020 wrote one bare LZ4 block. Like
// Arrow C++'s Lz4HadoopCodec, a page is decoded as Hadoop frames, and when it is
// not (the lengths do not add up, or a block does not decode to its stated
// length) as one bare block that must fill the page exactly. A page that is
// neither is an error: the file is refused, never misread.
//
// It is registered in arrow-go's codec registry (compress.RegisterCodec, meant
// for init) for the whole process; it only adds a codec that arrow-go lacks.
type hadoopLZ4 struct{}

func init() {
	compress.RegisterCodec(compress.Codecs.Lz4, hadoopLZ4{})
}

// hadoopFrameHeader is the length of a Hadoop frame's two big-endian lengths.
const hadoopFrameHeader = 8

var errLZ4Page = errors.New("LZ4 (Hadoop) page: neither Hadoop-framed LZ4 blocks nor one LZ4 block of the page's length")

// DecodeWithError decodes the page src into dst, whose length is the page's
// uncompressed size.
func (hadoopLZ4) DecodeWithError(dst, src []byte) ([]byte, error) {
	if n, ok := decodeHadoopFrames(dst, src); ok {
		return dst[:n], nil
	}
	n, err := lz4.UncompressBlock(src, dst)
	if err != nil || n != len(dst) {
		return nil, errLZ4Page
	}
	return dst[:n], nil
}

// decodeHadoopFrames decodes src as Hadoop frames into dst; false when src is not
// that or does not fill dst exactly.
func decodeHadoopFrames(dst, src []byte) (int, bool) {
	out := 0
	for len(src) > 0 {
		if len(src) < hadoopFrameHeader {
			return 0, false
		}
		raw := binary.BigEndian.Uint32(src[0:4])
		comp := binary.BigEndian.Uint32(src[4:8])
		src = src[hadoopFrameHeader:]
		if uint64(comp) > uint64(len(src)) || uint64(raw) > uint64(len(dst)-out) {
			return 0, false
		}
		n, err := lz4.UncompressBlock(src[:comp], dst[out:out+int(raw)])
		if err != nil || n != int(raw) {
			return 0, false
		}
		out += n
		src = src[comp:]
	}
	return out, out == len(dst)
}

// Decode is DecodeWithError for callers of the plain Codec interface; arrow-go
// calls DecodeWithError.
func (c hadoopLZ4) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err)
	}
	return out
}

// Encode writes src as one Hadoop frame, as parquet-mr does for a page; the
// readers never write, but the codec interface requires it and tests use it.
func (c hadoopLZ4) Encode(dst, src []byte) []byte {
	bound := int(c.CompressBound(int64(len(src))))
	if cap(dst) < bound {
		dst = make([]byte, bound)
	}
	dst = dst[:bound]
	var comp lz4.Compressor
	n, err := comp.CompressBlock(src, dst[hadoopFrameHeader:])
	if err != nil {
		panic(err) // dst is CompressBound long: cannot happen
	}
	binary.BigEndian.PutUint32(dst[0:4], uint32(len(src)))
	binary.BigEndian.PutUint32(dst[4:8], uint32(n))
	return dst[:hadoopFrameHeader+n]
}

// EncodeLevel is Encode: LZ4 blocks have no level.
func (c hadoopLZ4) EncodeLevel(dst, src []byte, _ int) []byte { return c.Encode(dst, src) }

// CompressBound is the most bytes Encode writes for n bytes.
func (hadoopLZ4) CompressBound(n int64) int64 {
	return hadoopFrameHeader + int64(lz4.CompressBlockBound(int(n)))
}
