package excel

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/internal/parallel"
)

// The data rows of the worklists are encoded here, byte for byte as excelize's
// StreamWriter.SetRow encodes them, and spliced into the sheet's XML when the
// package is written (orderedZip's rewrite of the part). SetRow costs about 3 µs a row
// (a cell reference string, an interface conversion, an escaped copy and a growing
// buffer per cell): a tenth of a second for the 31,000-row intensive-care sheet at
// 300,000 customers, a second at 3 million, the longest part of rendering. Here the
// rows are encoded in parallel chunks with no allocation per cell.
//
// TestFastRowsMatchStreamWriter renders workbooks both ways and compares every byte.

// fastRows switches the fast encoding on; tests switch it off to get excelize's.
var fastRows = true

// maxCellChars is excelize's TotalCellChars: a longer text is truncated (in UTF-16
// units) by SetRow. A worklist with such a text is left to SetRow.
const maxCellChars = 32767

// rowsChunk is the number of rows one goroutine encodes at a time.
const rowsChunk = 4096

// encodeRows returns the XML of rows first.. of a worklist: the rows' values as
// SetRow takes them.
func encodeRows(wl worklist, first int) ([]byte, error) {
	chunks, err := parallel.Encode(wl.rows, rowsChunk, func(buf []byte, i int) ([]byte, error) {
		buf, err := appendRow(buf, first+i, wl.row(i))
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", first+i, err)
		}
		return buf, nil
	})
	if errors.Is(err, errTooLong) {
		return nil, errTooLong
	}
	if err != nil {
		return nil, err
	}
	return bytes.Join(chunks, nil), nil
}

// errTooLong reports a text longer than maxCellChars bytes: SetRow would truncate it,
// which is not done here.
var errTooLong = errors.New("text too long for the fast row encoding")

// appendRow appends the <row> of values at row r, as SetRow writes it without
// options: cells from column A, nil values skipped.
func appendRow(buf []byte, r int, values []any) ([]byte, error) {
	buf = append(buf, `<row r="`...)
	buf = strconv.AppendInt(buf, int64(r), 10)
	buf = append(buf, `">`...)
	for i, v := range values {
		if v == nil {
			continue
		}
		style := 0
		if c, ok := v.(excelize.Cell); ok {
			if c.Formula != "" {
				return nil, fmt.Errorf("formula cells are not encoded here")
			}
			style, v = c.StyleID, c.Value
		}
		buf = append(buf, `<c r="`...)
		buf = appendColumn(buf, i+1)
		buf = strconv.AppendInt(buf, int64(r), 10)
		buf = append(buf, '"')
		if style > 0 {
			buf = append(buf, ` s="`...)
			buf = strconv.AppendInt(buf, int64(style), 10)
			buf = append(buf, '"')
		}
		switch v := v.(type) {
		case string:
			if len(v) > maxCellChars {
				return nil, errTooLong
			}
			buf = appendInlineString(buf, v)
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				buf = appendInlineString(buf, fmt.Sprint(v))
				break
			}
			buf = append(buf, `><v>`...)
			buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
			buf = append(buf, `</v></c>`...)
		case int64:
			buf = append(buf, `><v>`...)
			buf = strconv.AppendInt(buf, v, 10)
			buf = append(buf, `</v></c>`...)
		case int:
			buf = append(buf, `><v>`...)
			buf = strconv.AppendInt(buf, int64(v), 10)
			buf = append(buf, `</v></c>`...)
		case bool:
			buf = append(buf, ` t="b"><v>`...)
			if v {
				buf = append(buf, '1')
			} else {
				buf = append(buf, '0')
			}
			buf = append(buf, `</v></c>`...)
		default:
			return nil, fmt.Errorf("value of type %T is not encoded here", v)
		}
	}
	return append(buf, `</row>`...), nil
}

// appendColumn appends the letters of column col (1 = A).
func appendColumn(buf []byte, col int) []byte {
	var tmp [8]byte
	i := len(tmp)
	for col > 0 {
		col--
		i--
		tmp[i] = byte('A' + col%26)
		col /= 26
	}
	return append(buf, tmp[i:]...)
}

// appendInlineString appends ` t="inlineStr"><is><t>…</t></is></c>` as excelize's
// setInlineStr and writeCell do: XML-escaped (line feeds kept), `_xHHHH_` sequences
// escaped, and xml:space="preserve" when the text starts or ends with white space.
func appendInlineString(buf []byte, s string) []byte {
	buf = append(buf, ` t="inlineStr"><is><t`...)
	if s != "" {
		for _, ws := range []byte{9, 10, 13, 32} {
			if s[0] == ws || s[len(s)-1] == ws {
				buf = append(buf, ` xml:space="preserve"`...)
				break
			}
		}
	}
	buf = append(buf, '>')
	if plainText(s) {
		buf = append(buf, s...)
	} else {
		var esc strings.Builder
		_ = xml.EscapeText(&esc, []byte(s))
		buf = append(buf, bstrMarshal(strings.ReplaceAll(esc.String(), "&#xA;", "\n"))...)
	}
	return append(buf, `</t></is></c>`...)
}

// plainText reports whether s is printable ASCII that neither XML escaping nor
// excelize's `_xHHHH_` escaping changes.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '&', c == '<', c == '>', c == '"', c == '\'', c == '_':
			return false
		}
	}
	return true
}

var (
	bstrExp       = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	bstrEscapeExp = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)

// bstrMarshal is excelize's (lib.go, v2.11.0): it escapes the `_xHHHH_` sequences
// that Excel would read as an escaped character.
func bstrMarshal(s string) (result string) {
	matches, l, cursor := bstrExp.FindAllStringSubmatchIndex(s, -1), len(s), 0
	for _, match := range matches {
		result += s[cursor:match[0]]
		subStr := s[match[0]:match[1]]
		if subStr == "_x005F_" {
			cursor = match[1]
			if match[1]+6 <= l && bstrEscapeExp.MatchString(s[match[1]:match[1]+6]) {
				_, err := strconv.Unquote(`"\u` + s[match[1]+1:match[1]+5] + `"`)
				if err == nil {
					result += subStr + "x005F" + subStr
					continue
				}
			}
			result += subStr + "x005F_"
			continue
		}
		if bstrExp.MatchString(subStr) {
			cursor = match[1]
			if _, err := strconv.Unquote(`"\u` + s[match[0]+2:match[1]-1] + `"`); err == nil {
				result += "_x005F" + subStr
				continue
			}
		}
	}
	if cursor < l {
		result += s[cursor:]
	}
	return result
}
