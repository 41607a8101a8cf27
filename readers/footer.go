package readers

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/thrift/lib/go/thrift"
)

// The footer fallback: SPEC §2 "Extra columns are ignored", so a column the
// run does not read must never fail its file. arrow-go converts the whole
// footer schema before any column is read, and refuses the whole file over one
// column it cannot convert: a logical type newer than it knows (it panics
// "invalid logical type"), a Presto MAP whose keys are OPTIONAL ("MAP keys must
// be required"). When the normal open fails, the footer is rewritten (here, at
// the Thrift level, before arrow-go parses it) with the annotations of such
// top-level columns removed, which keeps every column's physical type, levels
// and leaf index, so the columns read are read exactly as before; the columns
// so changed are remembered as unreadable, and a contract column that is one
// of them is refused naming its original type. Only a footer that arrow-go
// refuses takes this path.

// Field ids of parquet.thrift used here.
const (
	fmdSchema        = 2  // FileMetaData.schema: list<SchemaElement>
	seType           = 1  // SchemaElement.type
	seName           = 4  // SchemaElement.name
	seNumChildren    = 5  // SchemaElement.num_children
	seConvertedType  = 6  // SchemaElement.converted_type
	seLogicalType    = 10 // SchemaElement.logicalType (a union)
	maxThriftDepth   = 64
	maxKnownLogical  = 18 // GEOGRAPHY; 9 is unused
	unusedLogicalID9 = 9
)

// thriftField is one field of a decoded Thrift struct.
type thriftField struct {
	id  int16
	typ thrift.TType
	val any // bool, int8, int16, int32, int64, float64, []byte, thrift.Tuuid, thriftStruct, thriftList, thriftMap
}

type thriftStruct []thriftField

type thriftList struct {
	elem thrift.TType
	set  bool
	vals []any
}

type thriftMap struct {
	key, val   thrift.TType
	keys, vals []any
}

// field returns the value of field id, or nil.
func (s thriftStruct) field(id int16) any {
	for _, f := range s {
		if f.id == id {
			return f.val
		}
	}
	return nil
}

// without returns s without the fields of the given ids.
func (s thriftStruct) without(ids ...int16) thriftStruct {
	out := s[:0:0]
	for _, f := range s {
		keep := true
		for _, id := range ids {
			keep = keep && f.id != id
		}
		if keep {
			out = append(out, f)
		}
	}
	return out
}

// readFooter returns the Thrift bytes of the footer of src (size bytes), whose
// magic checkMagic has checked.
func readFooter(src io.ReaderAt, size int64) ([]byte, error) {
	var tail [8]byte
	if _, err := src.ReadAt(tail[:], size-8); err != nil {
		return nil, err
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n <= 0 || n > size-12 {
		return nil, fmt.Errorf("footer length %d in a file of %d bytes", n, size)
	}
	b := make([]byte, n)
	if _, err := src.ReadAt(b, size-8-n); err != nil {
		return nil, err
	}
	return b, nil
}

// unreadableColumns rewrites the footer fmd (Thrift compact bytes) without the
// annotations of the top-level columns that make arrow-go refuse a file: nested
// columns (groups, which no contract column is) and columns with a logical type
// arrow-go does not know. It returns the new footer and, by top-level column
// name, the type each such column was found with; no names when nothing
// changed.
func unreadableColumns(fmd []byte) ([]byte, map[string]string, error) {
	ctx := context.Background()
	conf := &thrift.TConfiguration{MaxMessageSize: int32(min(len(fmd), 1<<30))}
	in := thrift.NewTCompactProtocolConf(&thrift.TMemoryBuffer{Buffer: bytes.NewBuffer(fmd)}, conf)
	root, err := readThriftStruct(ctx, in, 0)
	if err != nil {
		return nil, nil, err
	}
	schemaList, ok := root.field(fmdSchema).(thriftList)
	if !ok || len(schemaList.vals) == 0 {
		return nil, nil, errors.New("footer without a schema")
	}
	elems := make([]thriftStruct, len(schemaList.vals))
	for i, v := range schemaList.vals {
		if elems[i], ok = v.(thriftStruct); !ok {
			return nil, nil, errors.New("schema element is not a struct")
		}
	}
	// subtree returns the index after the subtree that starts at i.
	var subtree func(i, depth int) (int, error)
	subtree = func(i, depth int) (int, error) {
		if i >= len(elems) || depth > maxThriftDepth {
			return 0, errors.New("schema elements do not form a tree")
		}
		n, _ := elems[i].field(seNumChildren).(int32)
		j := i + 1
		for range n {
			var err error
			if j, err = subtree(j, depth+1); err != nil {
				return 0, err
			}
		}
		return j, nil
	}
	unreadable := map[string]string{}
	nTop, _ := elems[0].field(seNumChildren).(int32)
	for i, k := 1, int32(0); k < nTop; k++ {
		end, err := subtree(i, 1)
		if err != nil {
			return nil, nil, err
		}
		name, _ := elems[i].field(seName).([]byte)
		desc := ""
		if elems[i].field(seType) == nil {
			desc = "a group (nested column)"
		}
		for e := i; e < end && desc == ""; e++ {
			if lt, ok := elems[e].field(seLogicalType).(thriftStruct); ok && !knownLogicalType(lt) {
				desc = physicalName(elems[e].field(seType)) + " (a logical type this reader does not know)"
			}
		}
		if desc != "" {
			unreadable[string(name)] = desc
			for e := i; e < end; e++ {
				elems[e] = elems[e].without(seConvertedType, seLogicalType)
			}
		}
		i = end
	}
	if len(unreadable) == 0 {
		return nil, nil, nil
	}
	for i := range elems {
		schemaList.vals[i] = elems[i]
	}
	for i := range root {
		if root[i].id == fmdSchema {
			root[i].val = schemaList
		}
	}
	buf := thrift.NewTMemoryBuffer()
	out := thrift.NewTCompactProtocolConf(buf, conf)
	if err := writeThriftStruct(ctx, out, root); err != nil {
		return nil, nil, err
	}
	if err := out.Flush(ctx); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), unreadable, nil
}

// knownLogicalType reports whether the LogicalType union lt sets a member that
// arrow-go knows.
func knownLogicalType(lt thriftStruct) bool {
	if len(lt) != 1 {
		return false
	}
	id := lt[0].id
	return id >= 1 && id <= maxKnownLogical && id != unusedLogicalID9
}

// physicalName names a Parquet physical type (SchemaElement.type).
func physicalName(t any) string {
	names := []string{"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"}
	if v, ok := t.(int32); ok && v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return "a column"
}

func readThriftStruct(ctx context.Context, p *thrift.TCompactProtocol, depth int) (thriftStruct, error) {
	if depth > maxThriftDepth {
		return nil, errors.New("footer nested too deep")
	}
	if _, err := p.ReadStructBegin(ctx); err != nil {
		return nil, err
	}
	var s thriftStruct
	for {
		_, typ, id, err := p.ReadFieldBegin(ctx)
		if err != nil {
			return nil, err
		}
		if typ == thrift.STOP {
			break
		}
		v, err := readThriftValue(ctx, p, typ, depth)
		if err != nil {
			return nil, err
		}
		s = append(s, thriftField{id: id, typ: typ, val: v})
		if err := p.ReadFieldEnd(ctx); err != nil {
			return nil, err
		}
	}
	return s, p.ReadStructEnd(ctx)
}

func readThriftValue(ctx context.Context, p *thrift.TCompactProtocol, typ thrift.TType, depth int) (any, error) {
	switch typ {
	case thrift.BOOL:
		return p.ReadBool(ctx)
	case thrift.BYTE:
		return p.ReadByte(ctx)
	case thrift.I16:
		return p.ReadI16(ctx)
	case thrift.I32:
		return p.ReadI32(ctx)
	case thrift.I64:
		return p.ReadI64(ctx)
	case thrift.DOUBLE:
		return p.ReadDouble(ctx)
	case thrift.STRING:
		return p.ReadBinary(ctx)
	case thrift.UUID:
		return p.ReadUUID(ctx)
	case thrift.STRUCT:
		return readThriftStruct(ctx, p, depth+1)
	case thrift.LIST, thrift.SET:
		var (
			elem thrift.TType
			n    int
			err  error
		)
		if typ == thrift.SET {
			elem, n, err = p.ReadSetBegin(ctx)
		} else {
			elem, n, err = p.ReadListBegin(ctx)
		}
		if err != nil {
			return nil, err
		}
		l := thriftList{elem: elem, set: typ == thrift.SET}
		for range n {
			v, err := readThriftValue(ctx, p, elem, depth+1)
			if err != nil {
				return nil, err
			}
			l.vals = append(l.vals, v)
		}
		if typ == thrift.SET {
			return l, p.ReadSetEnd(ctx)
		}
		return l, p.ReadListEnd(ctx)
	case thrift.MAP:
		kt, vt, n, err := p.ReadMapBegin(ctx)
		if err != nil {
			return nil, err
		}
		m := thriftMap{key: kt, val: vt}
		for range n {
			k, err := readThriftValue(ctx, p, kt, depth+1)
			if err != nil {
				return nil, err
			}
			v, err := readThriftValue(ctx, p, vt, depth+1)
			if err != nil {
				return nil, err
			}
			m.keys, m.vals = append(m.keys, k), append(m.vals, v)
		}
		return m, p.ReadMapEnd(ctx)
	}
	return nil, fmt.Errorf("footer: Thrift type %d", typ)
}

func writeThriftStruct(ctx context.Context, p *thrift.TCompactProtocol, s thriftStruct) error {
	if err := p.WriteStructBegin(ctx, ""); err != nil {
		return err
	}
	for _, f := range s {
		if err := p.WriteFieldBegin(ctx, "", f.typ, f.id); err != nil {
			return err
		}
		if err := writeThriftValue(ctx, p, f.typ, f.val); err != nil {
			return err
		}
		if err := p.WriteFieldEnd(ctx); err != nil {
			return err
		}
	}
	if err := p.WriteFieldStop(ctx); err != nil {
		return err
	}
	return p.WriteStructEnd(ctx)
}

func writeThriftValue(ctx context.Context, p *thrift.TCompactProtocol, typ thrift.TType, v any) error {
	switch typ {
	case thrift.BOOL:
		return p.WriteBool(ctx, v.(bool))
	case thrift.BYTE:
		return p.WriteByte(ctx, v.(int8))
	case thrift.I16:
		return p.WriteI16(ctx, v.(int16))
	case thrift.I32:
		return p.WriteI32(ctx, v.(int32))
	case thrift.I64:
		return p.WriteI64(ctx, v.(int64))
	case thrift.DOUBLE:
		return p.WriteDouble(ctx, v.(float64))
	case thrift.STRING:
		return p.WriteBinary(ctx, v.([]byte))
	case thrift.UUID:
		return p.WriteUUID(ctx, v.(thrift.Tuuid))
	case thrift.STRUCT:
		return writeThriftStruct(ctx, p, v.(thriftStruct))
	case thrift.LIST, thrift.SET:
		l := v.(thriftList)
		var err error
		if l.set {
			err = p.WriteSetBegin(ctx, l.elem, len(l.vals))
		} else {
			err = p.WriteListBegin(ctx, l.elem, len(l.vals))
		}
		if err != nil {
			return err
		}
		for _, x := range l.vals {
			if err := writeThriftValue(ctx, p, l.elem, x); err != nil {
				return err
			}
		}
		if l.set {
			return p.WriteSetEnd(ctx)
		}
		return p.WriteListEnd(ctx)
	case thrift.MAP:
		m := v.(thriftMap)
		if err := p.WriteMapBegin(ctx, m.key, m.val, len(m.keys)); err != nil {
			return err
		}
		for i := range m.keys {
			if err := writeThriftValue(ctx, p, m.key, m.keys[i]); err != nil {
				return err
			}
			if err := writeThriftValue(ctx, p, m.val, m.vals[i]); err != nil {
				return err
			}
		}
		return p.WriteMapEnd(ctx)
	}
	return fmt.Errorf("footer: Thrift type %d", typ)
}
