package batched

import (
	"fmt"

	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// StateScope is the model store scope of the decentralized round's own variables: the mixing
// matrix "mixing" [n, n] and each algorithm's per-parameter state (exact diffusion's x - psi,
// gradient tracking's y and previous gradient), all saved by checkpoints with the rest.
const StateScope = "/decentral"

// Rounds turns a dlopt optimizer into one round of a decentralized algorithm over n workers
// whose parameters carry a leading worker axis ([n, ...], see [WorkerModel]); it implements
// GoMLX's optimizer.Interface, so train.Trainer runs it as it runs any optimizer.
//
// The loss it receives is the mean over the workers of their batch losses; it differentiates n
// times that, the sum of the workers' losses, so worker i's slice of each gradient is exactly
// the gradient of its own loss. The local optimizer then acts per worker exactly when its update
// is elementwise (SGD, momentum, Adam, ...; see [CouplesWorkers] for those that are not). With W
// the mixing matrix ([SetMixing]), mix(W, z)_i = sum_j W_ij z_j (along the worker axis), and
// psi = the local optimizer's step from x with gradient g:
//
//	dsgd              x <- mix(W, psi)                                 (adapt, then combine)
//	dsgd-cta          x <- mix(W, x) + (psi - x)                       (combine, then adapt)
//	exact-diffusion   x <- mix(Wbar, psi + d), d <- x_new - psi        (Wbar = (I+W)/2; d = x - psi_prev, d_0 = 0)
//	gradient-tracking y <- mix(W, y) + g - g_prev; psi = step from x with gradient y; x <- mix(W, x) + (psi - x)
//
// With plain SGD psi - x = -lr g, which gives the formulas of package decentral's doc; with any
// other optimizer psi is its step. Gradient tracking starts from y = g_prev = 0, so its first y is g(x_0).
type Rounds struct {
	local     *optim.Optimizer
	algorithm string
	workers   int
}

var _ optimizer.Interface = (*Rounds)(nil)

// NewRounds returns the round of algorithm (one of [decentral.Algorithms]) over workers workers
// with the local optimizer local.
func NewRounds(local *optim.Optimizer, algorithm string, workers int) (*Rounds, error) {
	if local == nil {
		return nil, fmt.Errorf("%w: no local optimizer", decentral.ErrInvalidValue)
	}
	alg, err := decentral.ParseAlgorithm(algorithm)
	if err != nil {
		return nil, err
	}
	if workers < 1 {
		return nil, fmt.Errorf("%w: %d workers: need at least 1", decentral.ErrInvalidValue, workers)
	}
	return &Rounds{local: local, algorithm: alg, workers: workers}, nil
}

// UpdateGraph implements optimizer.Interface: one round for every trainable variable in use.
func (r *Rounds) UpdateGraph(scope *model.Scope, g *graph.Graph, loss *graph.Node) {
	var vars []*model.Variable
	for v := range scope.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			if d := v.Shape().Dimensions; len(d) == 0 || d[0] != r.workers {
				panic(fmt.Errorf("batched: variable %s has shape %s: every trainable variable needs the leading worker axis of %d",
					v.Path(), v.Shape(), r.workers))
			}
			vars = append(vars, v)
		}
	}
	grads := scope.BuildTrainableVariablesGradientsGraph(graph.MulScalar(loss, float64(r.workers)))
	if len(grads) != len(vars) {
		panic(fmt.Errorf("batched: %d gradients for %d trainable variables", len(grads), len(vars)))
	}
	_ = optimizer.IncrementGlobalStep(g, dtypes.Int64)
	store := scope.Store()
	w := mixingVariable(store, r.workers, loss.DType()).NodeValue(g)
	x := make([]*graph.Node, len(vars))
	for i, v := range vars {
		x[i] = v.NodeValue(g)
	}
	if r.algorithm == decentral.GradientTracking {
		tracked := make([]*graph.Node, len(vars))
		for i, v := range vars {
			y, prev := stateVariable(store, "y", v), stateVariable(store, "g_prev", v)
			tracked[i] = graph.Add(Mix(w, y.NodeValue(g)), graph.Sub(grads[i], prev.NodeValue(g)))
			y.SetNodeValue(tracked[i])
			prev.SetNodeValue(grads[i])
		}
		grads = tracked
	}
	r.local.Apply(scope, vars, grads)
	for i, v := range vars {
		psi := v.NodeValue(g)
		switch r.algorithm {
		case decentral.DSGD:
			v.SetNodeValue(Mix(w, psi))
		case decentral.DSGDCombineFirst, decentral.GradientTracking:
			v.SetNodeValue(graph.Add(Mix(w, x[i]), graph.Sub(psi, x[i])))
		case decentral.ExactDiffusion:
			d := stateVariable(store, "x_minus_psi", v)
			phi := graph.Add(psi, d.NodeValue(g))
			wbar := graph.DivScalar(graph.Add(w, eye(g, w.DType(), r.workers)), 2)
			next := Mix(wbar, phi)
			d.SetNodeValue(graph.Sub(next, psi))
			v.SetNodeValue(next)
		}
	}
}

// Clear implements optimizer.Interface: it deletes the local optimizer's state and the round's.
func (r *Rounds) Clear(scope *model.Scope) error {
	if err := r.local.Clear(scope); err != nil {
		return err
	}
	return scope.Store().DeleteVariablesInScope(StateScope)
}

// Mix returns W z along the leading (worker) axis: (W z)_i = sum_j W_ij z_j, for w [n, n] and
// z [n, ...] (an einsum "ij,j...->i...").
func Mix(w, z *graph.Node) *graph.Node {
	d := z.Shape().Dimensions
	flat := graph.Reshape(z, d[0], z.Shape().Size()/d[0])
	return graph.Reshape(graph.DotGeneral(w, []int{1}, nil, graph.ConvertDType(flat, w.DType()), []int{0}, nil), d...)
}

// mixingVariable returns the [n, n] mixing matrix variable of store (the identity until
// [SetMixing] sets it).
func mixingVariable(store *model.Store, n int, dtype dtypes.DType) *model.Variable {
	path := model.JoinPath(StateScope, "mixing")
	if v := store.GetVariable(path); v != nil {
		return v.SetTrainable(false) // restored from a checkpoint, it comes back trainable
	}
	identity := func(g *graph.Graph, shape shapes.Shape) *graph.Node { return eye(g, dtype, n) }
	return store.VariableWithShape(path, shapes.Make(dtype, n, n), identity).SetTrainable(false)
}

// SetMixing writes w (n x n) as the mixing matrix the next rounds use: for a time-varying
// topology the trainer sets it before every round; the graph reads it as a variable, so a new
// matrix needs no recompilation.
func SetMixing(store *model.Store, w [][]float64, dtype dtypes.DType) error {
	n := len(w)
	flat := make([]float64, 0, n*n)
	for i, row := range w {
		if len(row) != n {
			return fmt.Errorf("%w: mixing matrix row %d has %d entries, want %d", decentral.ErrInvalidValue, i, len(row), n)
		}
		flat = append(flat, row...)
	}
	t := tensors.FromFlatDataAndDimensions(flat, n, n)
	if dtype == dtypes.Float32 {
		f32 := make([]float32, len(flat))
		for i, x := range flat {
			f32[i] = float32(x)
		}
		t = tensors.FromFlatDataAndDimensions(f32, n, n)
	}
	return mixingVariable(store, n, dtype).SetValue(t)
}

// stateVariable returns the round's state name of parameter v, shaped like v, starting at 0.
func stateVariable(store *model.Store, name string, v *model.Variable) *model.Variable {
	path := model.JoinPath(StateScope, name+v.Scope(), v.Name())
	if s := store.GetVariable(path); s != nil {
		return s.SetTrainable(false)
	}
	zeros := func(g *graph.Graph, shape shapes.Shape) *graph.Node { return graph.Zeros(g, shape) }
	return store.VariableWithShape(path, v.Shape(), zeros).SetTrainable(false)
}

// eye is the n x n identity matrix.
func eye(g *graph.Graph, dtype dtypes.DType, n int) *graph.Node {
	return graph.DiagonalWithValue(graph.Scalar(g, dtype, 1), n)
}
