package dlopt_test

import (
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// An Exec compiled once and called again after a variable changed must see the new value, for
// graphs not built for training too (an evaluation between training steps). Without dlopt's
// livevars.go the Go backend bakes the value into the compiled graph and this reads 20 three times.
func TestEvaluationSeesNewWeights(t *testing.T) {
	backend, err := dlopt.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	w := store.RootScope().VariableWithValue("w", float32(1))
	exec, err := model.NewExec(backend, store, func(_ *model.Scope, x *graph.Node) *graph.Node {
		return graph.Mul(x, w.NodeValue(x.Graph()))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, weight := range []float32{10, 11, 12} {
		w.MustSetValue(tensors.FromValue(weight))
		got, err := exec.Call1(tensors.FromValue(float32(2)))
		if err != nil {
			t.Fatal(err)
		}
		if v := tensors.ToScalar[float32](got); v != 2*weight {
			t.Fatalf("with w = %g the compiled graph computed 2w = %g: it used a stale weight", weight, v)
		}
	}
}
