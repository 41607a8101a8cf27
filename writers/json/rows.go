package json

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
)

// The worklists are most of the document: at 3,000,000 customers 311,000 rows of
// the 107 MB. encode writes them here, already indented, and the rest of the
// document with encoding/json. Encoding them by reflection and indenting the whole
// text afterwards took 1.5 s of CPU at that size, two thirds of it json.Indent.
//
// The bytes are encoding/json's: each row's members in its struct's order under its
// tag's name, strings escaped as an Encoder with SetEscapeHTML(false) escapes them
// (any string that is not plain printable ASCII is escaped by that Encoder), numbers
// formatted as it formats float64 and int64, NaN and infinities refused with its
// error. TestRowsAsEncodingJSON checks every member of both row types against it.

// worklistsHole is the worklists object as encode's skeleton has it, its lists
// nil; depth 1 of the document. A string value cannot hold its raw newlines, so it
// is found only where the document's own worklists member is.
const worklistsHole = `"worklists": {
    "winback": null,
    "executive_calls": null,
    "intensive_care": null
  }`

// Indents of the worklists' lists (depth 2), their rows (3) and the rows' members (4).
const (
	listIndent   = "\n    "
	rowIndent    = "\n      "
	memberIndent = "\n        "
)

// appendWorklists appends the worklists object, indented as at depth 1.
func appendWorklists(b []byte, wl worklists) ([]byte, error) {
	e := &rowEncoder{b: b}
	e.b = append(e.b, `"worklists": {`+listIndent+`"winback": `...)
	e.list(len(wl.Winback), func(i int) { e.winback(&wl.Winback[i]) })
	e.b = append(e.b, `,`+listIndent+`"executive_calls": `...)
	e.list(len(wl.ExecutiveCalls), func(i int) { e.winback(&wl.ExecutiveCalls[i]) })
	e.b = append(e.b, `,`+listIndent+`"intensive_care": `...)
	e.list(len(wl.IntensiveCare), func(i int) { e.care(&wl.IntensiveCare[i]) })
	e.b = append(e.b, "\n  }"...)
	return e.b, e.err
}

// probeRows is the rows of a list whose length sizes the buffer for the others.
const probeRows = 1024

// rowEncoder appends rows to b; the first error is kept in err.
type rowEncoder struct {
	b   []byte
	err error
	// esc escapes the strings that are not plain printable ASCII.
	esc    *stdjson.Encoder
	escBuf bytes.Buffer
}

// list appends an array of n rows written by row, "[]" when n is 0.
func (e *rowEncoder) list(n int, row func(i int)) {
	if n == 0 {
		e.b = append(e.b, "[]"...)
		return
	}
	e.b = append(e.b, '[')
	start := len(e.b)
	for i := range n {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		if i == probeRows && n >= 2*probeRows {
			// Room for the rest at the first rows' length and an eighth, so that a
			// long list grows its buffer once at most, not by doubling a copy of it.
			rest := (len(e.b) - start) / probeRows * (n - i)
			e.b = slices.Grow(e.b, rest+rest/8)
		}
		e.b = append(e.b, rowIndent+"{"+memberIndent...)
		row(i)
		e.b = append(e.b, rowIndent+"}"...)
	}
	e.b = append(e.b, listIndent+"]"...)
}

func (e *rowEncoder) winback(r *winbackRow) {
	e.str(`"customer_id": `, r.CustomerID)
	e.strPtr(`,`+memberIndent+`"name": `, r.Name)
	e.str(`,`+memberIndent+`"segment": `, r.Segment)
	e.str(`,`+memberIndent+`"at_risk_at": `, r.AtRiskAt)
	e.str(`,`+memberIndent+`"kind": `, r.Kind)
	e.str(`,`+memberIndent+`"reason": `, r.Reason)
	e.float(`,`+memberIndent+`"revenue_at_risk": `, r.RevenueAtRisk)
	e.str(`,`+memberIndent+`"outcome": `, r.Outcome)
	e.boolean(`,`+memberIndent+`"treated": `, r.Treated)
	e.str(`,`+memberIndent+`"window_closes": `, r.WindowCloses)
	e.strPtr(`,`+memberIndent+`"tier": `, r.Tier)
}

func (e *rowEncoder) care(r *careRow) {
	e.str(`"customer_id": `, r.CustomerID)
	e.strPtr(`,`+memberIndent+`"name": `, r.Name)
	e.str(`,`+memberIndent+`"segment": `, r.Segment)
	e.str(`,`+memberIndent+`"recovered_at": `, r.RecoveredAt)
	e.str(`,`+memberIndent+`"review_due": `, r.ReviewDue)
	e.int(`,`+memberIndent+`"purchases_since": `, r.PurchasesSince)
	e.float(`,`+memberIndent+`"net_amount_since": `, r.NetAmountSince)
	e.int(`,`+memberIndent+`"complaints_since": `, r.ComplaintsSince)
	e.str(`,`+memberIndent+`"status": `, r.Status)
	e.strPtr(`,`+memberIndent+`"rechurn_kind": `, r.RechurnKind)
	e.strPtr(`,`+memberIndent+`"rechurn_reason": `, r.RechurnReason)
}

// The member writers take the text before the value: the comma, the new line and
// indent, the quoted name and ": " (the first member's new line is written by list).
func (e *rowEncoder) str(before, s string) {
	e.b = append(e.b, before...)
	e.appendString(s)
}

func (e *rowEncoder) strPtr(before string, s *string) {
	if s == nil {
		e.b = append(e.b, before+"null"...)
		return
	}
	e.b = append(e.b, before...)
	e.appendString(*s)
}

func (e *rowEncoder) int(before string, v int64) {
	e.b = strconv.AppendInt(append(e.b, before...), v, 10)
}

func (e *rowEncoder) boolean(before string, v bool) {
	e.b = strconv.AppendBool(append(e.b, before...), v)
}

// float appends v as encoding/json formats a float64: the shortest text that reads
// back, in exponent form below 1e-6 and from 1e21, its exponent without a leading
// zero.
func (e *rowEncoder) float(before string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		if e.err == nil {
			_, e.err = stdjson.Marshal(v) // its UnsupportedValueError
			if e.err == nil {
				e.err = errors.New("json: unsupported value")
			}
		}
		e.b = append(e.b, before+"null"...)
		return
	}
	e.b = append(e.b, before...)
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	e.b = strconv.AppendFloat(e.b, v, format, -1, 64)
	if n := len(e.b); format == 'e' && n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
		e.b[n-2] = e.b[n-1] // e-07 as e-7
		e.b = e.b[:n-1]
	}
}

// appendString appends s quoted: as it is when every byte is printable ASCII other
// than '"' and '\', else as the Encoder escapes it.
func (e *rowEncoder) appendString(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			e.escaped(s)
			return
		}
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, s...)
	e.b = append(e.b, '"')
}

func (e *rowEncoder) escaped(s string) {
	if e.esc == nil {
		e.esc = stdjson.NewEncoder(&e.escBuf)
		e.esc.SetEscapeHTML(false)
	}
	e.escBuf.Reset()
	if err := e.esc.Encode(s); err != nil && e.err == nil {
		e.err = err
	}
	e.b = append(e.b, bytes.TrimSuffix(e.escBuf.Bytes(), []byte("\n"))...)
}
