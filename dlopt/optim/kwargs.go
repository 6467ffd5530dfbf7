package optim

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Kwargs reads the keyword arguments of a name-based constructor (see [New]) with the
// library's own names and defaults. Every read records the keyword as accepted; after the
// factory ran, [New] rejects keywords that no read accepted, listing the accepted ones. Reads
// never fail on their own: the first type error is kept and returned by Err.
//
// JSON numbers arrive as float64; an integer keyword accepts a float64 with an integral value.
// A nil value (JSON null, Python None) means "use the default".
type Kwargs struct {
	Library, Name string

	values   map[string]any
	accepted map[string]bool
	err      error
}

// NewKwargs wraps values (which may be nil) for the constructor of library/name.
func NewKwargs(library, name string, values map[string]any) *Kwargs {
	return &Kwargs{Library: library, Name: name, values: values, accepted: map[string]bool{}}
}

// Err returns the first type error met by a read, if any.
func (k *Kwargs) Err() error { return k.err }

func (k *Kwargs) fail(key string, v any, want string) {
	if k.err == nil {
		k.err = kindErrorf(ErrBadKeyword, "%s %s: keyword %q = %#v has the wrong type: want %s", k.Library, k.Name, key, v, want)
	}
}

// lookup marks key accepted and returns its value if given and not nil.
func (k *Kwargs) lookup(key string) (any, bool) {
	k.accepted[key] = true
	v, ok := k.values[key]
	if !ok || v == nil {
		return nil, false
	}
	return v, true
}

// Has reports whether key was given with a non-nil value (and marks it accepted).
func (k *Kwargs) Has(key string) bool {
	_, ok := k.lookup(key)
	return ok
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	}
	return 0, false
}

// Float reads a number; def if absent or nil.
func (k *Kwargs) Float(key string, def float64) float64 {
	v, ok := k.lookup(key)
	if !ok {
		return def
	}
	f, ok := toFloat(v)
	if !ok {
		k.fail(key, v, "a number")
		return def
	}
	return f
}

// OptFloat reads a number whose default is None: ok is false if absent or nil.
func (k *Kwargs) OptFloat(key string) (value float64, ok bool) {
	v, given := k.lookup(key)
	if !given {
		return 0, false
	}
	f, isNum := toFloat(v)
	if !isNum {
		k.fail(key, v, "a number or null")
		return 0, false
	}
	return f, true
}

// Int reads an integer; def if absent or nil.
func (k *Kwargs) Int(key string, def int) int {
	v, ok := k.lookup(key)
	if !ok {
		return def
	}
	f, ok := toFloat(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		k.fail(key, v, "an integer")
		return def
	}
	return int(f)
}

// Bool reads a boolean; def if absent or nil.
func (k *Kwargs) Bool(key string, def bool) bool {
	v, ok := k.lookup(key)
	if !ok {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		k.fail(key, v, "true or false")
		return def
	}
	return b
}

// String reads a string; def if absent or nil.
func (k *Kwargs) String(key string, def string) string {
	v, ok := k.lookup(key)
	if !ok {
		return def
	}
	s, ok := v.(string)
	if !ok {
		k.fail(key, v, "a string")
		return def
	}
	return s
}

// Floats reads a list of numbers of length n (n < 0: any length), e.g. torch's betas=(0.9, 0.999).
func (k *Kwargs) Floats(key string, n int, def []float64) []float64 {
	v, ok := k.lookup(key)
	if !ok {
		return def
	}
	list, ok := v.([]any)
	if !ok {
		if fl, isFloats := v.([]float64); isFloats {
			list = make([]any, len(fl))
			for i, f := range fl {
				list[i] = f
			}
		} else {
			k.fail(key, v, fmt.Sprintf("a list of %d numbers", n))
			return def
		}
	}
	if n >= 0 && len(list) != n {
		k.fail(key, v, fmt.Sprintf("a list of %d numbers", n))
		return def
	}
	out := make([]float64, len(list))
	for i, e := range list {
		f, isNum := toFloat(e)
		if !isNum {
			k.fail(key, v, "a list of numbers")
			return def
		}
		out[i] = f
	}
	return out
}

// Ignored accepts keywords that only tune how the library runs, not what it computes
// (torch's foreach, fused, differentiable, capturable; optax's mu_dtype): any value is fine.
func (k *Kwargs) Ignored(keys ...string) {
	for _, key := range keys {
		k.lookup(key)
	}
}

// Accepted lists the keywords the constructor read, sorted.
func (k *Kwargs) Accepted() []string {
	names := make([]string, 0, len(k.accepted))
	for n := range k.accepted {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkUnknown returns an error naming the keywords given but never read.
func (k *Kwargs) checkUnknown() error {
	var unknown []string
	for key := range k.values {
		if !k.accepted[key] {
			unknown = append(unknown, key)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return kindErrorf(ErrUnknownKeyword, "%s %s: unknown keyword(s) %s; accepted: %s", k.Library, k.Name,
		strings.Join(quoteAll(unknown), ", "), strings.Join(k.Accepted(), ", "))
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

// RequiredFloat reads a number the library requires (a positional argument without default,
// such as optax's learning_rate); its absence is an error.
func (k *Kwargs) RequiredFloat(key string) float64 {
	v, ok := k.lookup(key)
	if !ok {
		if k.err == nil {
			k.err = kindErrorf(ErrBadKeyword, "%s %s: keyword %q is required", k.Library, k.Name, key)
		}
		return 0
	}
	f, isNum := toFloat(v)
	if !isNum {
		k.fail(key, v, "a number")
	}
	return f
}

// NoneOnly accepts keywords that can only be null here, such as optax's pytree masks (use the
// Masked wrapper instead); anything else is an error.
func (k *Kwargs) NoneOnly(keys ...string) {
	for _, key := range keys {
		if v, ok := k.lookup(key); ok {
			k.fail(key, v, "null (masks and dtypes are not supported by name; wrap the optimizer with Masked)")
		}
	}
}
