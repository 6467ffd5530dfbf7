package batched_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/decentral/batched"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// lsqBatch is one round's data of heterogeneous least squares: worker i's rows a [B][d] and
// targets y [B]; worker i's loss is (1/2B) sum_b (a_b . x_i - y_b)^2.
type lsqBatch struct {
	a [][][]float64 // [n][B][d]
	y [][]float64   // [n][B]
}

// lsqBatches draws rounds batches for n workers; worker i's targets are shifted by i, so the
// workers' minimisers differ (heterogeneous data, where D-SGD is biased).
func lsqBatches(rounds, n, b, d int, seed uint64) []lsqBatch {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]lsqBatch, rounds)
	for k := range out {
		out[k] = lsqBatch{a: make([][][]float64, n), y: make([][]float64, n)}
		for i := range n {
			for range b {
				row := make([]float64, d)
				for j := range row {
					row[j] = rng.NormFloat64()
				}
				out[k].a[i] = append(out[k].a[i], row)
				out[k].y[i] = append(out[k].y[i], rng.NormFloat64()+float64(i))
			}
		}
	}
	return out
}

// lsqGrad is worker i's gradient at x: (1/B) A^T (A x - y).
func lsqGrad(a [][]float64, y, x []float64) []float64 {
	g := make([]float64, len(x))
	for b, row := range a {
		r := -y[b]
		for j, v := range row {
			r += v * x[j]
		}
		for j, v := range row {
			g[j] += v * r / float64(len(a))
		}
	}
	return g
}

// graphRun trains the [n, d] least-squares parameters with batched.Rounds in a float64 graph and
// returns the parameters after each round.
func graphRun(t *testing.T, opt *optim.Optimizer, algorithm string, w [][]float64, x0 []float64, batches []lsqBatch) [][][]float64 {
	t.Helper()
	n, d := len(w), len(x0)
	rounds, err := batched.NewRounds(opt, algorithm, n)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	start := make([]float64, 0, n*d)
	for range n {
		start = append(start, x0...)
	}
	xVar := store.RootScope().In("lsq").VariableWithValue("x", tensors.FromFlatDataAndDimensions(start, n, d))
	if err := batched.SetMixing(store, w, dtypes.Float64); err != nil {
		t.Fatal(err)
	}
	backend, err := dlopt.Backend()
	if err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, a, y *graph.Node) *graph.Node {
		g := a.Graph()
		x := scope.At("lsq").VariableWithShape("x", xVar.Shape()).NodeValue(g)
		pred := graph.DotGeneral(a, []int{2}, []int{0}, x, []int{1}, []int{0}) // [n, B]
		loss := graph.DivScalar(graph.ReduceAllMean(graph.Square(graph.Sub(pred, y))), 2)
		rounds.UpdateGraph(scope, g, loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	var iterates [][][]float64
	for _, b := range batches {
		bs := len(b.y[0])
		var a, y []float64
		for i := range n {
			for r := range bs {
				a = append(a, b.a[i][r]...)
			}
			y = append(y, b.y[i]...)
		}
		if _, err := exec.Exec(tensors.FromFlatDataAndDimensions(a, n, bs, d), tensors.FromFlatDataAndDimensions(y, n, bs)); err != nil {
			t.Fatal(err)
		}
		v, err := xVar.Value()
		if err != nil {
			t.Fatal(err)
		}
		flat := tensors.MustCopyFlatData[float64](v)
		x := make([][]float64, n)
		for i := range x {
			x[i] = flat[i*d : (i+1)*d]
		}
		iterates = append(iterates, x)
	}
	return iterates
}

func sgd(t *testing.T, lr float64) *optim.Optimizer {
	t.Helper()
	opt, err := optim.New(optim.Torch, "SGD", map[string]any{"lr": lr})
	if err != nil {
		t.Fatal(err)
	}
	return opt
}

func maxDiff(t *testing.T, what string, got, want [][]float64) float64 {
	t.Helper()
	worst := 0.0
	for i := range want {
		for j := range want[i] {
			worst = max(worst, math.Abs(got[i][j]-want[i][j]))
		}
	}
	return worst
}

// TestAllReduceIsLargeBatchSGD: n workers with batches of B, all-reduce mixing and SGD follow
// the iterates of one model trained with the n B examples together (data-parallel SGD).
func TestAllReduceIsLargeBatchSGD(t *testing.T) {
	const n, b, d, rounds, lr = 4, 3, 5, 6, 0.1
	x0 := []float64{0.5, -1, 0.25, 2, 0}
	batches := lsqBatches(rounds, n, b, d, 7)
	allReduce, err := decentral.AllReduce(n)
	if err != nil {
		t.Fatal(err)
	}
	parallel := graphRun(t, sgd(t, lr), decentral.DSGD, allReduce.Mixing(0), x0, batches)
	joined := make([]lsqBatch, rounds)
	for k, bt := range batches {
		joined[k] = lsqBatch{a: [][][]float64{nil}, y: [][]float64{nil}}
		for i := range n {
			joined[k].a[0] = append(joined[k].a[0], bt.a[i]...)
			joined[k].y[0] = append(joined[k].y[0], bt.y[i]...)
		}
	}
	single := graphRun(t, sgd(t, lr), decentral.DSGD, [][]float64{{1}}, x0, joined)
	for k := range rounds {
		for i := range n {
			if diff := maxDiff(t, "", [][]float64{parallel[k][i]}, single[k]); diff > 1e-12 {
				t.Fatalf("round %d, worker %d: %v, the large-batch model %v (max difference %g)", k+1, i, parallel[k][i], single[k][0], diff)
			}
		}
	}
}
