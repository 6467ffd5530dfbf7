package kwargs

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func testErrors() Errors {
	return Errors{
		Wrong:   func(key string, v any, want string) error { return fmt.Errorf("%s=%v must be %s", key, v, want) },
		Missing: func(key string) error { return fmt.Errorf("missing %q", key) },
	}
}

func TestConversions(t *testing.T) {
	for _, c := range []struct {
		v           any
		f           float64
		fOK         bool
		i           int
		iOK         bool
		listOK      bool
		description string
	}{
		{v: 2.5, f: 2.5, fOK: true, description: "non-integral float64"},
		{v: 3.0, f: 3, fOK: true, i: 3, iOK: true, description: "integral float64"},
		{v: float32(-2), f: -2, fOK: true, i: -2, iOK: true, description: "float32"},
		{v: float32(0.1), f: 0.1, fOK: true, description: "float32 reads as the decimal it prints as"},
		{v: 7, f: 7, fOK: true, i: 7, iOK: true, description: "int"},
		{v: int64(1) << 60, f: 1 << 60, fOK: true, i: 1 << 60, iOK: true, description: "large int64 stays exact"},
		{v: int32(-4), f: -4, fOK: true, i: -4, iOK: true, description: "int32"},
		{v: json.Number("12"), f: 12, fOK: true, i: 12, iOK: true, description: "json.Number integer"},
		{v: json.Number("0.25"), f: 0.25, fOK: true, description: "json.Number fraction"},
		{v: json.Number("x"), description: "malformed json.Number"},
		{v: float64(1<<53) * 4, f: float64(1<<53) * 4, fOK: true, description: "float beyond 2^53 is no integer"},
		{v: "1", description: "string"},
		{v: true, description: "bool"},
		{v: nil, description: "nil"},
		{v: []any{1.0, "a"}, listOK: true, description: "[]any"},
		{v: []float64{1, 2}, listOK: true, description: "[]float64"},
		{v: []int{1, 2}, listOK: true, description: "[]int"},
		{v: [2]float64{1, 2}, listOK: true, description: "[2]float64"},
		{v: []float32{1}, listOK: true, description: "[]float32"},
	} {
		f, fOK := ToFloat(c.v)
		if fOK != c.fOK || f != c.f {
			t.Errorf("%s: ToFloat(%#v) = %v, %v; want %v, %v", c.description, c.v, f, fOK, c.f, c.fOK)
		}
		i, iOK := ToInt(c.v)
		if iOK != c.iOK || i != c.i {
			t.Errorf("%s: ToInt(%#v) = %v, %v; want %v, %v", c.description, c.v, i, iOK, c.i, c.iOK)
		}
		list, listOK := ToList(c.v)
		if listOK != c.listOK || listOK && reflect.ValueOf(c.v).Len() != len(list) {
			t.Errorf("%s: ToList(%#v) = %v, %v; want ok %v", c.description, c.v, list, listOK, c.listOK)
		}
	}
}

func TestReads(t *testing.T) {
	values := map[string]any{
		"lr": 0.5, "steps": 3.0, "nesterov": true, "mode": "max", "none": nil, "n": json.Number("4"),
	}
	r := New(values, testErrors())
	if got := r.Float("lr", 1); got != 0.5 {
		t.Errorf("Float(lr) = %v, want 0.5", got)
	}
	if got := r.Float("none", 1); got != 1 {
		t.Errorf("Float(none) = %v, want the default 1 for null", got)
	}
	if got := r.Int("steps", 0); got != 3 {
		t.Errorf("Int(steps) = %v, want 3", got)
	}
	if got := r.Int("n", 0); got != 4 {
		t.Errorf("Int(n) = %v, want 4 from json.Number", got)
	}
	if got := r.Bool("nesterov", false); !got {
		t.Errorf("Bool(nesterov) = false, want true")
	}
	if got := r.String("mode", "min"); got != "max" {
		t.Errorf("String(mode) = %q, want max", got)
	}
	if got := r.String("absent", "min"); got != "min" {
		t.Errorf("String(absent) = %q, want the default", got)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err() = %v after good reads", err)
	}
	if got, want := r.Read(), []string{"absent", "lr", "mode", "n", "nesterov", "none", "steps"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Read() = %v, want %v", got, want)
	}
	if got := r.Unknown(r.Read()); len(got) != 0 {
		t.Errorf("Unknown(Read()) = %v, want none", got)
	}
	if got, want := r.Unknown([]string{"lr", "mode"}), []string{"n", "nesterov", "none", "steps"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unknown = %v, want %v (sorted)", got, want)
	}
}

func TestFirstErrorKept(t *testing.T) {
	for _, c := range []struct {
		read func(r *Reader)
		want string
	}{
		{func(r *Reader) { r.Float("s", 0) }, "s=x must be a number"},
		{func(r *Reader) { r.Int("f", 0) }, "f=2.5 must be an integer"},
		{func(r *Reader) { r.Bool("i", false) }, "i=1 must be true or false"},
		{func(r *Reader) { r.String("i", "") }, "i=1 must be a string"},
		{func(r *Reader) { r.Require("absent") }, `missing "absent"`},
		{func(r *Reader) { r.Require("none") }, `missing "none"`},
	} {
		r := New(map[string]any{"s": "x", "f": 2.5, "i": 1, "none": nil}, testErrors())
		c.read(r)
		r.Float("s", 0) // a second bad read must not replace the first error
		r.Fail(errors.New("later"))
		if err := r.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Err() = %v, want %q", err, c.want)
		}
	}
}

func TestQuote(t *testing.T) {
	if got, want := Quote([]string{"a", `b"c`}), `"a", "b\"c"`; got != want {
		t.Errorf("Quote = %s, want %s", got, want)
	}
}
