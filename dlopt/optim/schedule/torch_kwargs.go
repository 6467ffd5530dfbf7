package schedule

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	core "github.com/dlopt/course/dlopt/internal/kwargs"
)

// kwargs reads torch keyword arguments given as a map (decoded JSON or Go values), keeping the
// first error so that a constructor reads all its arguments and checks once.
type kwargs struct {
	*core.Reader
	who string
}

// newKwargs rejects keywords outside accepted, listing what is accepted.
func newKwargs(who string, m map[string]any, accepted []string) *kwargs {
	k := &kwargs{who: who, Reader: core.New(m, core.Errors{
		Wrong: func(key string, v any, want string) error {
			return fmt.Errorf("%s: %s=%v (%T) must be %s", who, key, v, v, want)
		},
		Missing: func(key string) error { return fmt.Errorf("%s: missing required keyword %q", who, key) },
	})}
	if unknown := k.Unknown(accepted); len(unknown) > 0 {
		k.Fail(fmt.Errorf("%s: unknown keyword %q; accepted: %s", who, unknown[0], strings.Join(accepted, ", ")))
	}
	return k
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

func (k *kwargs) fail(format string, args ...any) { k.Fail(fmt.Errorf(k.who+": "+format, args...)) }

// get returns the value and whether it was given (a JSON null counts as not given, like None).
func (k *kwargs) get(name string, required bool) (any, bool) {
	if required {
		return k.Require(name)
	}
	return k.Lookup(name)
}

func (k *kwargs) float(name string, def float64, required bool) float64 {
	if _, ok := k.get(name, required); !ok {
		return def
	}
	return k.Float(name, def)
}

func (k *kwargs) int(name string, def int, required bool) int {
	if _, ok := k.get(name, required); !ok {
		return def
	}
	return k.Int(name, def)
}

func (k *kwargs) bool(name string, def bool) bool { return k.Bool(name, def) }

func (k *kwargs) str(name, def string) string { return k.String(name, def) }

func (k *kwargs) ints(name string, required bool) []int {
	v, ok := k.get(name, required)
	if !ok {
		return nil
	}
	list, isList := core.ToList(v)
	if !isList {
		k.Wrong(name, v, "a list of integers")
		return nil
	}
	out := make([]int, len(list))
	for i, e := range list {
		n, isInt := core.ToInt(e)
		if !isInt {
			k.Wrong(fmt.Sprintf("%s[%d]", name, i), e, "an integer")
			return nil
		}
		out[i] = n
	}
	return out
}

func (k *kwargs) intFunc(name string) func(int) float64 {
	v, ok := k.get(name, true)
	if !ok {
		return nil
	}
	f, isFunc := v.(func(int) float64)
	if !isFunc {
		k.fail("%s (%T) must be a Go func(epoch int) float64 (a function cannot come from JSON)", name, v)
		return nil
	}
	return f
}

func (k *kwargs) floatFunc(name string) func(float64) float64 {
	v, ok := k.get(name, false)
	if !ok {
		return nil
	}
	f, isFunc := v.(func(float64) float64)
	if !isFunc {
		k.fail("%s (%T) must be a Go func(x float64) float64", name, v)
		return nil
	}
	return f
}

// common reads torch's last_epoch (only -1, a fresh start, is supported) and verbose (ignored).
func (k *kwargs) common() {
	if le := k.int("last_epoch", -1, false); le != -1 {
		k.fail("last_epoch=%d: only -1 (start from the beginning) is supported", le)
	}
	k.bool("verbose", false)
}

// TorchSpec names a torch scheduler and its keyword arguments, as the children of
// SequentialLR and ChainedScheduler are given to [FromTorch].
type TorchSpec struct {
	Name   string
	Kwargs map[string]any
}

// specs reads a list of [NAME, {kwargs}] pairs (decoded JSON) or a []TorchSpec.
func (k *kwargs) specs(name string) []TorchSpec {
	v, ok := k.get(name, true)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case []TorchSpec:
		return x
	case []any:
		out := make([]TorchSpec, len(x))
		for i, e := range x {
			pair, isList := e.([]any)
			if !isList || len(pair) < 1 || len(pair) > 2 {
				k.fail("%s[%d]=%v must be [NAME, {kwargs}]", name, i, e)
				return nil
			}
			n, isStr := pair[0].(string)
			if !isStr {
				k.fail("%s[%d][0]=%v must be a scheduler name", name, i, pair[0])
				return nil
			}
			out[i].Name = n
			if len(pair) == 2 && pair[1] != nil {
				kw, isMap := pair[1].(map[string]any)
				if !isMap {
					k.fail("%s[%d][1]=%v must be an object of keyword arguments", name, i, pair[1])
					return nil
				}
				out[i].Kwargs = kw
			}
		}
		return out
	}
	k.fail("%s=%v (%T) must be a list of [NAME, {kwargs}]", name, v, v)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}
