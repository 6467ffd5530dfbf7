package models

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// panicMessage runs f and returns what it panicked with, failing the test on a runtime error
// (a nil dereference) or no panic at all.
func panicMessage(t *testing.T, what string, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Errorf("%s did not panic", what)
			return
		}
		if re, ok := r.(runtime.Error); ok {
			t.Errorf("%s: runtime error %v; want a message naming the invalid problem", what, re)
		}
		msg = fmt.Sprint(r)
	}()
	f()
	return ""
}

// Problems not built by their New function (nil pointers, zero values) fail with a message
// that names them and says how to build one; ValueAndGrad returns it as an error.
func TestUnbuiltProblems(t *testing.T) {
	x := []float64{1, 2}
	for _, tc := range []struct {
		name string
		p    Problem
		want string
	}{
		{"nil *Quadratic", (*Quadratic)(nil), "nil *Quadratic: build one with NewQuadratic"},
		{"Quadratic{}", &Quadratic{}, "Dim = 0 with len(A) = 0"},
		{"nil *NoisyLeastSquares", (*NoisyLeastSquares)(nil), "nil *NoisyLeastSquares: build one with NewNoisyLeastSquares"},
		{"NoisyLeastSquares{}", &NoisyLeastSquares{}, "its Quadratic: models.Quadratic: the problem is a nil *Quadratic"},
		{"Rosenbrock{}", Rosenbrock{}, "want Dim >= 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := tc.p.ValueAndGrad(x); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ValueAndGrad: err = %v; want one saying %q", err, tc.want)
			}
			if d := tc.p.Dimension(); d != 0 {
				t.Errorf("Dimension() = %d, want 0", d)
			}
			for name, f := range map[string]func(){
				"Value":      func() { tc.p.Value(x) },
				"Grad":       func() { tc.p.Grad(x) },
				"GradStep":   func() { tc.p.GradStep(x, 0) },
				"ValueGraph": func() { tc.p.ValueGraph(nil) },
				"GradGraph":  func() { tc.p.GradGraph(nil) },
			} {
				if msg := panicMessage(t, name, f); !strings.Contains(msg, tc.want) {
					t.Errorf("%s panicked with %q; want a message saying %q", name, msg, tc.want)
				}
			}
		})
	}
	var nls *NoisyLeastSquares
	for name, f := range map[string]func(){
		"Condition":     func() { (*Quadratic)(nil).Condition() },
		"Oracle":        func() { nls.Oracle(1) },
		"Delta0":        func() { nls.Delta0([]float64{1}) },
		"ResidualValue": func() { nls.ResidualValue([]float64{1}) },
		"oracle Grad":   func() { (&GradientOracle{}).Grad([]float64{1}) },
		"nil oracle":    func() { (*GradientOracle)(nil).Grad([]float64{1}) },
	} {
		if msg := panicMessage(t, name, f); !strings.Contains(msg, "build") && !strings.Contains(msg, "get one") {
			t.Errorf("%s panicked with %q; want it to say how to build the problem", name, msg)
		}
	}
}

func TestUnbuiltTwoLayerF64(t *testing.T) {
	var net *TwoLayerF64
	if err := net.Validate(); err == nil || !strings.Contains(err.Error(), "build one with NewTwoLayerF64") {
		t.Errorf("nil Validate: %v", err)
	}
	for name, f := range map[string]func(){
		"Forward":         func() { net.Forward([]float64{1}, []float64{1}) },
		"Backward":        func() { net.Backward(TwoLayerPassF64{}) },
		"LossAndGradient": func() { net.LossAndGradient([][]float64{{1}}, [][]float64{{1}}) },
		"zero Forward":    func() { (&TwoLayerF64{}).Forward(nil, nil) },
	} {
		if msg := panicMessage(t, name, f); !strings.Contains(msg, "models.TwoLayerF64") {
			t.Errorf("%s panicked with %q; want it to name the network", name, msg)
		}
	}
}
