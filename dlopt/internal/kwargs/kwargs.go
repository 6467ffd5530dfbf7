package kwargs

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Errors words a Reader's errors; each caller keeps its own prefix and error kinds.
type Errors struct {
	// Wrong is the error for key = v of the wrong type; want says what is allowed ("a number").
	Wrong func(key string, v any, want string) error
	// Missing is the error for a required key that is absent or null.
	Missing func(key string) error
}

// Reader reads keyword arguments, recording which keys were read and keeping the first error.
type Reader struct {
	values map[string]any
	read   map[string]bool
	errs   Errors
	err    error
}

// New wraps values (which may be nil); errs words the errors of the typed reads.
func New(values map[string]any, errs Errors) *Reader {
	return &Reader{values: values, read: map[string]bool{}, errs: errs}
}

// Err returns the first error met, if any.
func (r *Reader) Err() error { return r.err }

// Fail records err unless an earlier error was recorded.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Wrong records that key = v has the wrong type; want says what is allowed.
func (r *Reader) Wrong(key string, v any, want string) { r.Fail(r.errs.Wrong(key, v, want)) }

// Lookup marks key read and returns its value if given and not nil.
func (r *Reader) Lookup(key string) (any, bool) {
	r.read[key] = true
	v, ok := r.values[key]
	return v, ok && v != nil
}

// Require is Lookup for a key without default: its absence (or null) is an error.
func (r *Reader) Require(key string) (any, bool) {
	v, ok := r.Lookup(key)
	if !ok {
		r.Fail(r.errs.Missing(key))
	}
	return v, ok
}

// Read lists the keys looked up so far, sorted.
func (r *Reader) Read() []string {
	keys := make([]string, 0, len(r.read))
	for key := range r.read {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

// Unknown lists the keys given but not in accepted, sorted.
func (r *Reader) Unknown(accepted []string) []string {
	var unknown []string
	for key := range r.values {
		if !slices.Contains(accepted, key) {
			unknown = append(unknown, key)
		}
	}
	sort.Strings(unknown)
	return unknown
}

// Float reads a number; def if absent or nil.
func (r *Reader) Float(key string, def float64) float64 {
	return read(r, key, def, ToFloat, "a number")
}

// Int reads an integer; def if absent or nil.
func (r *Reader) Int(key string, def int) int { return read(r, key, def, ToInt, "an integer") }

// Bool reads a boolean; def if absent or nil.
func (r *Reader) Bool(key string, def bool) bool { return read(r, key, def, is[bool], "true or false") }

// String reads a string; def if absent or nil.
func (r *Reader) String(key string, def string) string {
	return read(r, key, def, is[string], "a string")
}

// read looks key up and converts its value, recording a Wrong error (want) if it cannot.
func read[T any](r *Reader, key string, def T, convert func(any) (T, bool), want string) T {
	v, ok := r.Lookup(key)
	if !ok {
		return def
	}
	x, ok := convert(v)
	if !ok {
		r.Wrong(key, v, want)
		return def
	}
	return x
}

func is[T any](v any) (T, bool) {
	x, ok := v.(T)
	return x, ok
}

// ToFloat converts any Go integer or float kind or a json.Number to float64. A float32 is read
// as the decimal it prints as: float32(0.1) gives 0.1, not float64(float32(0.1)) =
// 0.10000000149011612, since the shortest decimal that rounds to a float32 is what its author
// wrote (and what Python's float() of a NumPy float32 repr gives).
func ToFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return Float32(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// Float32 converts x to the float64 nearest to its shortest decimal representation, e.g.
// float32(0.1) to 0.1 (±Inf and NaN stay what they are). The decimal is exact for every
// float32 that came from a decimal of at most 6 significant digits (float32 keeps 6 safely), the values people write.
func Float32(x float32) float64 {
	f, err := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
	if err != nil { // cannot happen for FormatFloat's output; the plain conversion is a safe fallback
		return float64(x)
	}
	return f
}

// ToInt converts a Go integer, or a number with an integral value of magnitude at most 2^53
// (where float64 still counts every integer), to int.
func ToInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case int32:
		return int(x), true
	}
	f, ok := ToFloat(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int(f), true
}

// ToList converts a list to []any: a decoded JSON list ([]any), or any Go slice or array
// (such as []float64, []float32, [2]float64 or []int). Its elements are not checked.
func ToList(v any) ([]any, bool) {
	if x, ok := v.([]any); ok {
		return x, true
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// Quote joins keys as Go-quoted strings separated by ", ".
func Quote(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = strconv.Quote(k)
	}
	return strings.Join(q, ", ")
}
