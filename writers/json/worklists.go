package json

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/recoverykpi/recoverykpi/internal/parallel"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// The worklists are most of the document (at 3 million customers 310,000 rows, about
// 100 MB), and encoding/json spends a microsecond and more per member on them through
// reflection and re-indenting. They are encoded here, in parallel chunks, byte for
// byte as encoding/json's indented encoder writes them, and put in place of the empty
// arrays the encoder wrote. TestWorklistsMatchEncodingJSON compares the two.

// rowsChunk is the number of rows one goroutine encodes at a time.
const rowsChunk = 4096

// spliceWorklists puts the worklists' rows into doc, which the encoder wrote with
// both worklists empty.
func spliceWorklists(doc []byte, sc *pipeline.Scorecard) ([]byte, error) {
	at := bytes.LastIndex(doc, []byte(`"worklists": {`))
	if at < 0 {
		return nil, errors.New("json: worklists not found in the document")
	}
	winback, err := encodeChunks(len(sc.Winback), func(buf []byte, i int) ([]byte, error) {
		return appendWinback(buf, sc.Winback[i])
	})
	if err != nil {
		return nil, err
	}
	care, err := encodeChunks(len(sc.IntensiveCare), func(buf []byte, i int) ([]byte, error) {
		return appendCare(buf, sc.IntensiveCare[i])
	})
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(doc)+len(winback)+len(care)+32)
	out = append(out, doc[:at]...)
	rest := doc[at:]
	for _, wl := range []struct {
		empty string
		rows  []byte
	}{{`"winback": []`, winback}, {`"intensive_care": []`, care}} {
		k := bytes.Index(rest, []byte(wl.empty))
		if k < 0 {
			return nil, fmt.Errorf("json: %s not found in the document", wl.empty)
		}
		out = append(out, rest[:k+len(wl.empty)-1]...)
		if len(wl.rows) > 0 {
			out = append(out, '\n')
			out = append(out, wl.rows...)
			out = append(out, "\n    "...)
		}
		out = append(out, ']')
		rest = rest[k+len(wl.empty):]
	}
	return append(out, rest...), nil
}

// encodeChunks encodes rows 0..n-1 with row, in chunks on every core, separated by
// ",\n".
func encodeChunks(n int, row func(buf []byte, i int) ([]byte, error)) ([]byte, error) {
	chunks, err := parallel.Encode(n, rowsChunk, func(buf []byte, i int) ([]byte, error) {
		if i > 0 {
			buf = append(buf, ",\n"...)
		}
		return row(buf, i)
	})
	if err != nil {
		return nil, err
	}
	return bytes.Join(chunks, nil), nil
}

// Indentation of a worklist row (depth 3) and its members (depth 4).
const (
	rowIndent    = "      "
	memberIndent = "\n        "
)

func appendWinback(b []byte, w pipeline.WinbackRow) ([]byte, error) {
	b = append(b, rowIndent+"{"...)
	b = appendString(append(b, memberIndent+`"customer_id": `...), w.CustomerID)
	b = appendName(append(b, ","+memberIndent+`"name": `...), w.Name)
	b = appendString(append(b, ","+memberIndent+`"segment": `...), w.Segment)
	b = appendString(append(b, ","+memberIndent+`"at_risk_at": `...), rfc3339(w.AtRiskAt))
	b = appendString(append(b, ","+memberIndent+`"kind": `...), w.Kind)
	b = appendString(append(b, ","+memberIndent+`"reason": `...), w.Reason)
	b, err := appendFloat(append(b, ","+memberIndent+`"revenue_at_risk": `...), w.RevenueAtRisk)
	if err != nil {
		return nil, err
	}
	b = appendString(append(b, ","+memberIndent+`"outcome": `...), w.Outcome)
	b = strconv.AppendBool(append(b, ","+memberIndent+`"treated": `...), w.Treated)
	return append(b, "\n"+rowIndent+"}"...), nil
}

func appendCare(b []byte, c pipeline.CareRow) ([]byte, error) {
	b = append(b, rowIndent+"{"...)
	b = appendString(append(b, memberIndent+`"customer_id": `...), c.CustomerID)
	b = appendName(append(b, ","+memberIndent+`"name": `...), c.Name)
	b = appendString(append(b, ","+memberIndent+`"segment": `...), c.Segment)
	b = appendString(append(b, ","+memberIndent+`"recovered_at": `...), rfc3339(c.RecoveredAt))
	b = appendString(append(b, ","+memberIndent+`"review_due": `...), rfc3339(c.ReviewDue))
	b = strconv.AppendInt(append(b, ","+memberIndent+`"purchases_since": `...), c.PurchasesSince, 10)
	b, err := appendFloat(append(b, ","+memberIndent+`"net_amount_since": `...), c.NetAmountSince)
	if err != nil {
		return nil, err
	}
	b = strconv.AppendInt(append(b, ","+memberIndent+`"complaints_since": `...), c.ComplaintsSince, 10)
	b = appendString(append(b, ","+memberIndent+`"status": `...), c.Status)
	return append(b, "\n"+rowIndent+"}"...), nil
}

func appendName(b []byte, name *string) []byte {
	if name == nil {
		return append(b, "null"...)
	}
	return appendString(b, *name)
}

// appendString appends s quoted as encoding/json does with HTML escaping off.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return appendEncoded(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendEncoded appends s as encoding/json encodes it (control characters, invalid
// UTF-8, U+2028 and U+2029 escaped).
func appendEncoded(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := stdjson.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// appendFloat appends f as encoding/json does; like it, it refuses NaN and infinities.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, 64))
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}
