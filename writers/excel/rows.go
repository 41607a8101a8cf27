package excel

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// The data rows of the worklists are encoded here, byte for byte as excelize's
// StreamWriter.SetRow encodes them, while the package is written: the sheet's
// stream has a marker row in their place (book.dataRows), which orderedZip replaces
// with the rows as it compresses the part, a megabyte at a time. SetRow costs about
// 5 µs a row (a cell reference string, an interface conversion, an escaped copy and
// a buffered write per cell): at 3,000,000 customers the 311,000-row intensive-care
// sheet took 1.7 s on one core, the longest serial work of rendering; here a few
// tenths. Nothing of the rows is held: they go to the compressor as they are made.
//
// TestRowsAsStreamWriter renders workbooks both ways (rowsBySetRow) and compares
// every byte, for texts needing every escape, every kind of value, and texts over a
// cell's length.

// rowsBySetRow makes dataRows write the rows with StreamWriter.SetRow: the bytes
// tests compare with.
var rowsBySetRow = false

// rowsBuffer is the raw XML handed to the compressor at a time.
const rowsBuffer = 1 << 20

// writeRows writes the XML of the list's data rows, sheet rows first on, to w.
func writeRows(w io.Writer, wl worklist, first int) error {
	buf := make([]byte, 0, rowsBuffer+64<<10)
	cols := make([]string, len(wl.headers)) // the columns' letters, named once
	for c := range cols {
		cols[c] = colName(c + 1)
	}
	for i := range wl.rows {
		var err error
		if buf, err = appendRow(buf, first+i, wl.row(i), cols); err != nil {
			return fmt.Errorf("row %d: %w", first+i, err)
		}
		if len(buf) >= rowsBuffer {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// appendRow appends the <row> of values at row r, as SetRow writes it without
// options: cells from column A, nil values skipped, a Cell's style on its cell.
// cols holds the letters of the first columns (colName), the others are named here.
func appendRow(buf []byte, r int, values []any, cols []string) ([]byte, error) {
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
				return nil, fmt.Errorf("column %d: formula cells are not encoded here", i+1)
			}
			style, v = c.StyleID, c.Value
		}
		buf = append(buf, `<c r="`...)
		if i < len(cols) {
			buf = append(buf, cols[i]...)
		} else {
			buf = append(buf, colName(i+1)...)
		}
		buf = strconv.AppendInt(buf, int64(r), 10)
		buf = append(buf, '"')
		if style > 0 {
			buf = append(buf, ` s="`...)
			buf = strconv.AppendInt(buf, int64(style), 10)
			buf = append(buf, '"')
		}
		switch v := v.(type) {
		case nil: // a Cell without a value: its style alone
			buf = append(buf, `></c>`...)
		case string:
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
			return nil, fmt.Errorf("column %d: a value of type %T is not encoded here", i+1, v)
		}
	}
	return append(buf, `</row>`...), nil
}

// appendInlineString appends ` t="inlineStr"><is><t>…</t></is></c>` as excelize's
// setInlineStr and writeCell do (trimCellValue): cut to a cell's length in UTF-16
// units, xml:space="preserve" when the text starts or ends with white space,
// XML-escaped (line feeds kept), `_xHHHH_` sequences escaped.
func appendInlineString(buf []byte, s string) []byte {
	if len(s) > excelize.TotalCellChars { // a UTF-8 text has no more UTF-16 units than bytes
		s = truncateUTF16Units(s, excelize.TotalCellChars)
	}
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
	} else if s != "" {
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

// truncateUTF16Units is excelize's (lib.go, v2.11.0): s cut to at most length
// UTF-16 code units, at a rune's start.
func truncateUTF16Units(s string, length int) string {
	var cnt int
	for i, r := range s {
		if cnt += utf16.RuneLen(r); cnt > length {
			return s[:i]
		}
	}
	return s
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
