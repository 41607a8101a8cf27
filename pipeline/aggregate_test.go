package pipeline

import (
	"reflect"
	"testing"
	"unsafe"
)

// TestMergeCoversEveryField fills every number of two partials with distinct non-zero
// values, merges them and checks every field: each number is the sum, each list the
// concatenation. A field added to an accumulator and forgotten in its merge fails here.
func TestMergeCoversEveryField(t *testing.T) {
	next := 0
	var a, b partial
	fill(reflect.ValueOf(&a).Elem(), &next)
	fill(reflect.ValueOf(&b).Elem(), &next)
	before := clonePartial(&a)
	a.merge(&b)
	checkMerged(t, "partial", reflect.ValueOf(&a).Elem(), reflect.ValueOf(before).Elem(), reflect.ValueOf(&b).Elem())
}

// settable returns v, made settable even when it is an unexported field.
func settable(v reflect.Value) reflect.Value {
	if v.CanSet() {
		return v
	}
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}

// fill gives every number in v a distinct non-zero value, every bool true, and every
// slice two elements.
func fill(v reflect.Value, next *int) {
	v = settable(v)
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), next)
		}
	case reflect.Array:
		for i := range v.Len() {
			fill(v.Index(i), next)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			fill(v.Index(i), next)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		*next++
		v.SetInt(int64(*next%100 + 1))
	case reflect.Float64:
		*next++
		v.SetFloat(float64(*next) + 0.5)
	case reflect.Bool:
		v.SetBool(true)
	default:
		panic("fill: unexpected kind " + v.Kind().String())
	}
}

func clonePartial(p *partial) *partial {
	c := *p
	c.reasons = append([]groupAcc(nil), p.reasons...)
	c.segments = append([]groupAcc(nil), p.segments...)
	c.mitigation = append([]mitigationAcc(nil), p.mitigation...)
	c.offers = append([]offerAcc(nil), p.offers...)
	c.channels = append([]mitigationAcc(nil), p.channels...)
	c.curve = append([]int64(nil), p.curve...)
	c.departed = append([]departedAcc(nil), p.departed...)
	for k := range p.trendReasons {
		c.trendReasons[k] = append([]reasonAcc(nil), p.trendReasons[k]...)
	}
	c.winback = append([]winback(nil), p.winback...)
	c.care = append([]care(nil), p.care...)
	return &c
}

// checkMerged checks that got is a merged with b: numbers summed; a slice as long as
// both (a list) is a's elements then b's; a slice as long as each (an accumulator per
// id) is merged element by element.
func checkMerged(t *testing.T, path string, got, a, b reflect.Value) {
	t.Helper()
	got, a, b = settable(got), settable(a), settable(b)
	switch got.Kind() {
	case reflect.Struct:
		for i := range got.NumField() {
			checkMerged(t, path+"."+got.Type().Field(i).Name, got.Field(i), a.Field(i), b.Field(i))
		}
	case reflect.Array:
		for i := range got.Len() {
			checkMerged(t, path+"[]", got.Index(i), a.Index(i), b.Index(i))
		}
	case reflect.Slice:
		switch got.Len() {
		case a.Len() + b.Len():
			for i := range a.Len() {
				if !reflect.DeepEqual(got.Index(i).Interface(), a.Index(i).Interface()) {
					t.Errorf("%s[%d] is not the first list's element", path, i)
				}
			}
			for i := range b.Len() {
				if !reflect.DeepEqual(got.Index(a.Len()+i).Interface(), b.Index(i).Interface()) {
					t.Errorf("%s[%d] is not the second list's element", path, a.Len()+i)
				}
			}
		case a.Len():
			for i := range got.Len() {
				checkMerged(t, path+"[]", got.Index(i), a.Index(i), b.Index(i))
			}
		default:
			t.Errorf("%s: %d elements after merging %d and %d", path, got.Len(), a.Len(), b.Len())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if got.Int() != a.Int()+b.Int() {
			t.Errorf("%s = %d, want %d + %d: not merged", path, got.Int(), a.Int(), b.Int())
		}
	case reflect.Float64:
		if got.Float() != a.Float()+b.Float() {
			t.Errorf("%s = %v, want %v + %v: not merged", path, got.Float(), a.Float(), b.Float())
		}
	default:
		t.Errorf("%s: unexpected kind %s in an accumulator", path, got.Kind())
	}
}
