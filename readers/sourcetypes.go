package readers

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// sourceClass is how a column is stored in a file, as far as normalisation
// cares.
type sourceClass int

const (
	srcString    sourceClass = iota // utf8, large utf8, utf8 view, dictionary of those
	srcInt                          // int8 .. int64
	srcUint                         // uint8 .. uint64
	srcFloat                        // float16, float32, float64
	srcDecimal                      // decimal32 .. decimal256
	srcTimestamp                    // timestamp of any unit (INT64 or INT96)
	srcDate                         // date32 or date64
	srcBool
)

// sourceColumn describes one contract column in one file.
type sourceColumn struct {
	leaf  int            // Parquet leaf column index
	arrow arrow.DataType // the Arrow type pqarrow delivers
	class sourceClass
	// local is true for wall-clock values: timestamps not adjusted to UTC and
	// dates. INT96 and adjusted timestamps are instants.
	local bool
	desc  string // the Parquet type as error messages show it
	kind  contract.Kind
	// name is the column's name in the file (it may differ in case from the name
	// looked for); warning is what its match warns about ("" for nothing).
	name, warning string
}

// family groups the source classes whose values mean the same thing. Part
// files of one table may differ in class (int32 and int64 ids, float and
// decimal amounts, ms and µs timestamps) but not in family (integer and
// text ids; instants and wall-clock times).
func (c sourceColumn) family() string {
	switch c.class {
	case srcString:
		return "text"
	case srcInt, srcUint, srcFloat, srcDecimal:
		if c.kind == contract.KindID {
			return "integer"
		}
		return "number"
	case srcTimestamp, srcDate:
		if c.local {
			return "wall-clock time"
		}
		return "instant"
	case srcBool:
		return "boolean"
	}
	return "unknown"
}

// describeNode renders a Parquet schema node for error messages, e.g.
// "BYTE_ARRAY (string)" or "INT64 (timestamp(isadjustedtoutc=false, ...))".
func describeNode(n schema.Node) string {
	p, ok := n.(*schema.PrimitiveNode)
	if !ok {
		return "a group (nested column)"
	}
	d := p.PhysicalType().String()
	lt := p.LogicalType()
	if lt != nil && lt.IsValid() && !lt.Equals(schema.NoLogicalType{}) {
		d += " (" + strings.ToLower(lt.String()) + ")"
	} else if ct := p.ConvertedType(); ct != schema.ConvertedTypes.None && ct != schema.ConvertedTypes.NA {
		d += " (" + strings.ToLower(ct.String()) + ")"
	}
	return d
}

// classify decides whether a file column of Parquet node n, delivered by
// pqarrow as Arrow type dt, is acceptable for a contract column of kind k.
func classify(k contract.Kind, n schema.Node, dt arrow.DataType) (sourceColumn, error) {
	sc := sourceColumn{arrow: dt, desc: describeNode(n), kind: k}
	p, ok := n.(*schema.PrimitiveNode)
	if !ok || n.RepetitionType() == parquet.Repetitions.Repeated {
		return sc, fmt.Errorf("want %s, found %s", k, sc.desc)
	}
	class, ok := arrowClass(dt)
	if _, isEnum := p.LogicalType().(schema.EnumLogicalType); isEnum && dt.ID() == arrow.BINARY {
		// ENUM is text (DuckDB reads it as VARCHAR); pqarrow gives binary.
		class, ok = srcString, true
	}
	if ok {
		ok = false
		switch k {
		case contract.KindID:
			// DECIMAL(p, 0) is how Oracle and Snowflake write integer ids.
			ok = class == srcString || class == srcInt || class == srcUint ||
				(class == srcDecimal && decimalScale(dt) == 0)
		case contract.KindTime:
			ok = class == srcTimestamp || class == srcDate
		case contract.KindNumber:
			ok = class == srcInt || class == srcUint || class == srcFloat || class == srcDecimal
		case contract.KindText:
			ok = class == srcString
		case contract.KindBool:
			ok = class == srcBool
		}
	}
	if !ok {
		return sc, fmt.Errorf("want %s, found %s", k, sc.desc)
	}
	sc.class = class
	switch class {
	case srcDate:
		sc.local = true
	case srcTimestamp:
		if p.PhysicalType() != parquet.Types.Int96 {
			if ts, isTS := p.LogicalType().(schema.TimestampLogicalType); isTS {
				sc.local = !ts.IsAdjustedToUTC()
			} else {
				sc.local = dt.(*arrow.TimestampType).TimeZone == ""
			}
		}
	}
	return sc, nil
}

// arrowClass maps an Arrow type to its source class; false for types outside
// SPEC §2.
func arrowClass(dt arrow.DataType) (sourceClass, bool) {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return srcString, true
	case arrow.DICTIONARY:
		switch dt.(*arrow.DictionaryType).ValueType.ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
			return srcString, true
		}
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return srcInt, true
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return srcUint, true
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return srcFloat, true
	case arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return srcDecimal, true
	case arrow.TIMESTAMP:
		return srcTimestamp, true
	case arrow.DATE32, arrow.DATE64:
		return srcDate, true
	case arrow.BOOL:
		return srcBool, true
	}
	return 0, false
}

func decimalScale(dt arrow.DataType) int32 {
	if d, ok := dt.(arrow.DecimalType); ok {
		return d.GetScale()
	}
	return -1
}
