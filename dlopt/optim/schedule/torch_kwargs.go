package schedule

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// kwargs reads torch keyword arguments given as a map (decoded JSON or Go values), keeping the
// first error so that a constructor reads all its arguments and checks once.
type kwargs struct {
	who string
	m   map[string]any
	err error
}

// newKwargs rejects keywords outside accepted, listing what is accepted.
func newKwargs(who string, m map[string]any, accepted []string) *kwargs {
	k := &kwargs{who: who, m: m}
	for key := range m {
		if !contains(accepted, key) {
			k.err = fmt.Errorf("%s: unknown keyword %q; accepted: %s", who, key, strings.Join(accepted, ", "))
			return k
		}
	}
	return k
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (k *kwargs) fail(format string, args ...any) {
	if k.err == nil {
		k.err = fmt.Errorf(k.who+": "+format, args...)
	}
}

// get returns the value and whether it was given (a JSON null counts as not given, like None).
func (k *kwargs) get(name string, required bool) (any, bool) {
	v, ok := k.m[name]
	if (!ok || v == nil) && required {
		k.fail("missing required keyword %q", name)
	}
	return v, ok && v != nil
}

func asFloat(v any) (float64, bool) {
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
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func asInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case int32:
		return int(x), true
	}
	f, ok := asFloat(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int(f), true
}

func (k *kwargs) float(name string, def float64, required bool) float64 {
	v, ok := k.get(name, required)
	if !ok {
		return def
	}
	f, isNum := asFloat(v)
	if !isNum {
		k.fail("%s=%v (%T) must be a number", name, v, v)
		return def
	}
	return f
}

func (k *kwargs) int(name string, def int, required bool) int {
	v, ok := k.get(name, required)
	if !ok {
		return def
	}
	i, isInt := asInt(v)
	if !isInt {
		k.fail("%s=%v (%T) must be an integer", name, v, v)
		return def
	}
	return i
}

func (k *kwargs) bool(name string, def bool) bool {
	v, ok := k.get(name, false)
	if !ok {
		return def
	}
	b, isBool := v.(bool)
	if !isBool {
		k.fail("%s=%v (%T) must be true or false", name, v, v)
		return def
	}
	return b
}

func (k *kwargs) str(name, def string) string {
	v, ok := k.get(name, false)
	if !ok {
		return def
	}
	s, isStr := v.(string)
	if !isStr {
		k.fail("%s=%v (%T) must be a string", name, v, v)
		return def
	}
	return s
}

func (k *kwargs) ints(name string, required bool) []int {
	v, ok := k.get(name, required)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case []int:
		return x
	case []any:
		out := make([]int, len(x))
		for i, e := range x {
			n, isInt := asInt(e)
			if !isInt {
				k.fail("%s[%d]=%v (%T) must be an integer", name, i, e, e)
				return nil
			}
			out[i] = n
		}
		return out
	case []float64:
		out := make([]int, len(x))
		for i, e := range x {
			n, isInt := asInt(e)
			if !isInt {
				k.fail("%s[%d]=%v must be an integer", name, i, e)
				return nil
			}
			out[i] = n
		}
		return out
	}
	k.fail("%s=%v (%T) must be a list of integers", name, v, v)
	return nil
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
