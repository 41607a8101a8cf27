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
	srcString    sourceClass = iota // utf8, large utf8, utf8 view, dictionary of those; BYTE_ARRAY read as UTF-8 text (binary)
	srcInt                          // int8 .. int64
	srcUint                         // uint8 .. uint64
	srcFloat                        // float16, float32, float64
	srcDecimal                      // decimal32 .. decimal256
	srcTimestamp                    // timestamp of any unit (INT64 or INT96)
	srcDate                         // date32 or date64
	srcBool
	srcUUID // FIXED_LEN_BYTE_ARRAY(16) annotated UUID
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
	// folder is the Hive partition folder on the file's path that names this
	// column (nil for none): its value fills the column when the file lacks it
	// (leaf -1), and must agree with every row when the file holds it.
	folder *partitionValue
}

// familyInteger is the family of integer ids, which duplicate keys compare as
// integers.
const familyInteger = "integer"

// family groups the source classes whose values mean the same thing. Part
// files of one table may differ in class (int32 and int64 ids, float and
// decimal amounts, ms and µs timestamps) but not in family (integer and
// text ids; instants and wall-clock times).
func (c sourceColumn) family() string {
	switch c.class {
	case srcString, srcUUID:
		return "text"
	case srcInt, srcUint, srcFloat, srcDecimal:
		if c.kind == contract.KindID {
			return familyInteger
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
	if dt.ID() == arrow.BINARY || dt.ID() == arrow.LARGE_BINARY {
		class, ok = binaryClass(k, p)
	}
	if isUUID(p, dt) {
		class, ok = srcUUID, true
	}
	if ok {
		ok = false
		switch k {
		case contract.KindID:
			// DECIMAL(p, 0) is how Oracle and Snowflake write integer ids.
			ok = class == srcString || class == srcInt || class == srcUint || class == srcUUID ||
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

// binaryClass decides whether a BYTE_ARRAY column p that pqarrow delivers as
// binary is text for a contract column of kind k. SPEC §2 (v2): "Also
// accepted: ... BYTE_ARRAY without a string annotation for ids and text (as
// UTF-8), JSON-annotated text." ENUM is text too (DuckDB reads it as VARCHAR).
// A JSON id is refused: its text is a JSON document ("\"42\"" with its quotes),
// which would never match the same id written as a string. BSON is a binary
// document, not text, and is refused. Bytes that are not valid UTF-8 set
// their row aside as "invalid text" (TableReader.process).
func binaryClass(k contract.Kind, p *schema.PrimitiveNode) (sourceClass, bool) {
	if p.PhysicalType() != parquet.Types.ByteArray {
		return 0, false
	}
	switch p.LogicalType().(type) {
	case schema.NoLogicalType, nil, schema.EnumLogicalType:
		return srcString, true
	case schema.JSONLogicalType:
		return srcString, k == contract.KindText
	}
	return 0, false
}

// uuidWidth is the byte width of a UUID (RFC 9562).
const uuidWidth = 16

// isUUID reports whether p is a FIXED_LEN_BYTE_ARRAY(16) annotated UUID,
// delivered by pqarrow as fixed-size binary (or arrow.uuid, its extension
// type over fixed-size binary).
func isUUID(p *schema.PrimitiveNode, dt arrow.DataType) bool {
	if _, ok := p.LogicalType().(schema.UUIDLogicalType); !ok ||
		p.PhysicalType() != parquet.Types.FixedLenByteArray || p.TypeLength() != uuidWidth {
		return false
	}
	if ext, ok := dt.(arrow.ExtensionType); ok {
		dt = ext.StorageType()
	}
	fsb, ok := dt.(*arrow.FixedSizeBinaryType)
	return ok && fsb.ByteWidth == uuidWidth
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
