package viz

import (
	"math"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

func TestStoreLandscape(t *testing.T) {
	backend, err := dlopt.Backend()
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	root := store.RootScope()
	m := root.In("model")
	m.VariableWithValue("w", [][]float32{{1, 2, 3}, {4, 5, 6}})
	m.VariableWithValue("b", []float32{0.5, -0.5, 1})
	root.In("optimizer").VariableWithValue("state", []float32{7})
	p, err := NewStoreParams(store, "/model", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Vars) != 2 || p.Size() != 9 || p.Blocks[0].Name != "/model/b" || p.Blocks[1].FilterAxis != -1 {
		t.Fatalf("params %d vars, size %d, blocks %+v: want b then w, 9 values, filter axis -1", len(p.Vars), p.Size(), p.Blocks)
	}
	theta, err := p.Flatten()
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.5, -0.5, 1, 1, 2, 3, 4, 5, 6}
	for i := range want {
		if theta[i] != want[i] {
			t.Fatalf("Flatten = %v, want %v", theta, want)
		}
	}
	// loss(x) = sum((x w + b)^2) for x = (1, -1): x w + b = (-2.5, -3.5, -2).
	x := [][]float32{{1, -1}}
	l, err := StoreLandscape(backend, store, p, func(scope *model.Scope, in []*graph.Node) *graph.Node {
		m := scope.In("model")
		wv := m.GetVariable("w").NodeValue(in[0].Graph())
		bv := m.GetVariable("b").NodeValue(in[0].Graph())
		return graph.ReduceAllSum(graph.Square(graph.Add(graph.Dot(in[0], wv).Product(), graph.InsertAxes(bv, 0))))
	}, x)
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.Slice1D(make([]float64, 9), []float64{0})
	if err != nil {
		t.Fatal(err)
	}
	if w := 2.5*2.5 + 3.5*3.5 + 2*2; math.Abs(got[0]-w) > 1e-5 {
		t.Errorf("loss at the center %v, want %v", got[0], w)
	}
	// Moving b by +1 in every coordinate: (-1.5, -2.5, -1).
	dir := []float64{1, 1, 1, 0, 0, 0, 0, 0, 0}
	got, _ = l.Slice1D(dir, []float64{1})
	if w := 1.5*1.5 + 2.5*2.5 + 1; math.Abs(got[0]-w) > 1e-5 {
		t.Errorf("loss at center + b-direction %v, want %v", got[0], w)
	}
	if err := p.Set(l.Center); err != nil {
		t.Fatal(err)
	}
	back, _ := p.Flatten()
	if back[0] != 0.5 {
		t.Errorf("after Set(Center) b[0] = %v, want 0.5", back[0])
	}
	if err := p.Set([]float64{1}); err == nil || !strings.Contains(err.Error(), "1 values for 9 parameters") {
		t.Errorf("Set with a short vector: error %v", err)
	}
	if _, err := NewStoreParams(store, "/nothing", nil); err == nil || !strings.Contains(err.Error(), `"/model"`) {
		t.Errorf("unknown scope: error %v, want one listing the trainable scopes", err)
	}
}
