package models

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// TestLinearFollowsLectureNotation checks s = X h + b with X of shape [C, d] for one input,
// and H X^T + b for a batch, against sums written out by hand.
func TestLinearFollowsLectureNotation(t *testing.T) {
	const c, d, n = 3, 5, 4
	rng := rand.New(rand.NewPCG(5, 6))
	x, b, h := randMatrix(rng, c, d, 1), randMatrix(rng, 1, c, 1)[0], randMatrix(rng, n, d, 1)
	store := model.NewStore()
	lin := store.RootScope().In("linear")
	lin.VariableWithValue("X", x)
	lin.VariableWithValue("b", b)
	m := Linear{Classes: c, Bias: true}
	exec := model.MustNewExec(backend(t), store, func(scope *model.Scope, in *graph.Node) *graph.Node {
		return m.Logits(scope, in)
	})
	batch := exec.MustCall1(h)
	single := exec.MustCall1(h[2])
	if !slices.Equal(batch.Shape().Dimensions, []int{n, c}) || !slices.Equal(single.Shape().Dimensions, []int{c}) {
		t.Fatalf("scores have shapes %s (batch) and %s (single), want [%d %d] and [%d]", batch.Shape(), single.Shape(), n, c, c)
	}
	var want []float64
	for row := range n {
		for class := range c {
			s := b[class]
			for j := range d {
				s += x[class][j] * h[row][j]
			}
			want = append(want, s)
		}
	}
	assertClose(t, "H X^T + b", flat64(t, batch), want, 1e-15)
	assertClose(t, "X h + b", flat64(t, single), want[2*c:3*c], 1e-15)
	v := store.GetVariable("/linear/X")
	if v == nil || !slices.Equal(v.Shape().Dimensions, []int{c, d}) {
		t.Fatalf("variable linear/X: %v, want shape [C, d] = [%d, %d]", v, c, d)
	}
}

func TestModelValidation(t *testing.T) {
	bad := []Model{
		Linear{Classes: 1},
		MLP{Hidden: []int{4, 0}, Classes: 3, Activation: ReLU},
		MLP{Hidden: []int{4}, Classes: 3, Activation: "swish"},
		MLP{Hidden: []int{4}, Classes: 0, Activation: ReLU},
		TwoLayer{Hidden: 0, Classes: 3, Activation: ReLU},
		TwoLayer{Hidden: 4, Classes: 3, Activation: "elu"},
		CNN{Channels: [2]int{4, 0}, Kernel: 3, Classes: 3, Activation: ReLU},
		CNN{Channels: [2]int{4, 4}, Kernel: 2, Classes: 3, Activation: ReLU},
		CNN{Channels: [2]int{4, 4}, Kernel: 3, Hidden: -1, Classes: 3, Activation: ReLU},
	}
	for _, m := range bad {
		if _, err := ModelFn(m); err == nil {
			t.Errorf("ModelFn accepted %+v", m)
		}
	}
	for _, m := range []Model{MLP{Classes: 2, Activation: GELU}, DefaultCNN, CNN{Channels: [2]int{1, 1}, Kernel: 1, Classes: 2, Activation: Identity}} {
		if _, err := ModelFn(m); err != nil {
			t.Errorf("valid %+v rejected: %v", m, err)
		}
	}
}
