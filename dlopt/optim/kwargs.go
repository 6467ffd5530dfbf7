package optim

import (
	"fmt"
	"strings"

	"github.com/dlopt/course/dlopt/internal/kwargs"
)

// Kwargs reads the keyword arguments of a name-based constructor (see [New]) with the
// library's own names and defaults. Every read records the keyword as accepted; after the
// factory ran, [New] rejects keywords that no read accepted, listing the accepted ones. Reads
// never fail on their own: the first type error is kept and returned by Err.
//
// JSON numbers arrive as float64 (or json.Number); an integer keyword accepts a float64 with an
// integral value. A nil value (JSON null, Python None) means "use the default".
type Kwargs struct {
	Library, Name string

	values map[string]any
	r      *kwargs.Reader
}

// NewKwargs wraps values (which may be nil) for the constructor of library/name.
func NewKwargs(library, name string, values map[string]any) *Kwargs {
	k := &Kwargs{Library: library, Name: name, values: values}
	k.r = kwargs.New(values, kwargs.Errors{
		Wrong: func(key string, v any, want string) error {
			return kindErrorf(ErrBadKeyword, "%s %s: keyword %q = %#v has the wrong type: want %s", k.Library, k.Name, key, v, want)
		},
		Missing: func(key string) error {
			return kindErrorf(ErrBadKeyword, "%s %s: keyword %q is required: %s.%s has no default for it", k.Library, k.Name, key, k.Library, k.Name)
		},
	})
	return k
}

// Err returns the first type error met by a read, if any.
func (k *Kwargs) Err() error { return k.r.Err() }

func (k *Kwargs) fail(key string, v any, want string) { k.r.Wrong(key, v, want) }

// lookup marks key accepted and returns its value if given and not nil.
func (k *Kwargs) lookup(key string) (any, bool) { return k.r.Lookup(key) }

// Has reports whether key was given with a non-nil value (and marks it accepted).
func (k *Kwargs) Has(key string) bool {
	_, ok := k.lookup(key)
	return ok
}

func toFloat(v any) (float64, bool) { return kwargs.ToFloat(v) }

// Float reads a number; def if absent or nil.
func (k *Kwargs) Float(key string, def float64) float64 { return k.r.Float(key, def) }

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
func (k *Kwargs) Int(key string, def int) int { return k.r.Int(key, def) }

// Bool reads a boolean; def if absent or nil.
func (k *Kwargs) Bool(key string, def bool) bool { return k.r.Bool(key, def) }

// String reads a string; def if absent or nil.
func (k *Kwargs) String(key string, def string) string { return k.r.String(key, def) }

// Floats reads a list of numbers of length n (n < 0: any length), e.g. torch's betas=(0.9, 0.999):
// a JSON list, or any Go slice or array of numbers ([]float64, [2]float64, []float32, []any).
// A list of the wrong length is reported as such ("betas needs 2 values, got 1").
func (k *Kwargs) Floats(key string, n int, def []float64) []float64 {
	v, ok := k.lookup(key)
	if !ok {
		return def
	}
	list, ok := kwargs.ToList(v)
	if !ok {
		k.fail(key, v, listOf(n))
		return def
	}
	if n >= 0 && len(list) != n {
		k.r.Fail(kindErrorf(ErrBadKeyword, "%s %s: keyword %q = %v: %s needs %d values, got %d", k.Library, k.Name, key, v, key, n, len(list)))
		return def
	}
	out := make([]float64, len(list))
	for i, e := range list {
		f, isNum := toFloat(e)
		if !isNum {
			k.fail(key, v, fmt.Sprintf("%s (element %d is %#v)", listOf(n), i, e))
			return def
		}
		out[i] = f
	}
	return out
}

func listOf(n int) string {
	if n < 0 {
		return "a list of numbers"
	}
	return fmt.Sprintf("a list of %d numbers", n)
}

// Ignored accepts keywords that only tune how the library runs, not what it computes
// (torch's foreach, fused, differentiable, capturable; optax's mu_dtype): any value is fine.
func (k *Kwargs) Ignored(keys ...string) {
	for _, key := range keys {
		k.lookup(key)
	}
}

// Accepted lists the keywords the constructor read, sorted.
func (k *Kwargs) Accepted() []string { return k.r.Read() }

// checkUnknown returns an error naming the keywords given but never read.
func (k *Kwargs) checkUnknown() error {
	accepted := k.Accepted()
	unknown := k.r.Unknown(accepted)
	if len(unknown) == 0 {
		return nil
	}
	return kindErrorf(ErrUnknownKeyword, "%s %s: unknown keyword(s) %s; accepted: %s", k.Library, k.Name,
		kwargs.Quote(unknown), strings.Join(accepted, ", "))
}

// RequiredFloat reads a number the library requires (a positional argument without default,
// such as optax's learning_rate); its absence is an error.
func (k *Kwargs) RequiredFloat(key string) float64 {
	v, ok := k.r.Require(key)
	if !ok {
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
