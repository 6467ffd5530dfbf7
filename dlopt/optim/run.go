package optim

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// stepsPerExec is how many steps one graph execution runs: the graph unrolls that many updates,
// so host round trips are paid once per chunk, not once per step.
const stepsPerExec = 128

var (
	sequentialOnce    sync.Once
	sequentialBackend compute.Backend
	sequentialErr     error
)

// runBackend is dlopt's backend, except that the plain Go backend ("go" without options) is
// replaced by the Go backend executing ops one after another ("go:ops_sequential"): trajectory
// graphs are thousands of tiny ops, and spreading them over goroutines costs more than it gives
// (GoMLX v0.28.16, BenchmarkQuadratic10k on 2 cores: 0.12-0.16 s sequential, 0.19-0.29 s with
// the backend's default scheduling, 0.27 s with ops_parallel).
func runBackend() (compute.Backend, error) {
	name, options, _ := strings.Cut(dlopt.BackendConfig(), ":")
	if name = strings.ToLower(name); (name != "go" && name != "simplego") || options != "" {
		return dlopt.Backend()
	}
	sequentialOnce.Do(func() { sequentialBackend, sequentialErr = dlopt.NewBackend("go:ops_sequential") })
	return sequentialBackend, sequentialErr
}

// runner holds one parameter variable in a fresh context and the executables of the chunks.
type runner struct {
	opt   *Optimizer
	x0    []float64
	cfg   runConfig
	store *model.Store
	x     *model.Variable
	shape shapes.Shape
	size  int
	execs map[int]*model.Exec // by number of steps per execution
}

func newRunner(opt *Optimizer, x0 []float64, shape []int, dtype dtypes.DType, opts []RunOption) (*runner, error) {
	if opt == nil || opt.root == nil {
		return nil, errorf("run: nil optimizer, or one consumed by a wrapper")
	}
	if dtype != dtypes.Float64 && dtype != dtypes.Float32 {
		return nil, errorf("run: dtype %s not supported: use float64 or float32", dtype)
	}
	size := 1
	for _, d := range shape {
		if d <= 0 {
			return nil, errorf("run: parameter shape %v has a non-positive dimension", shape)
		}
		size *= d
	}
	if len(x0) != size {
		return nil, errorf("run: x0 has %d values, parameter shape %v needs %d", len(x0), shape, size)
	}
	store := model.NewStore()
	x := store.RootScope().In("run").VariableWithValue("x", hostTensor(x0, dtype, shape...))
	return &runner{opt: opt, x0: slices.Clone(x0), cfg: newRunConfig(opts), store: store, x: x, shape: shapes.Make(dtype, shape...),
		size: size, execs: map[int]*model.Exec{}}, nil
}

// hostTensor copies values into a new tensor of the given dimensions, in dtype (float64 or
// float32: newRunner accepts no other).
func hostTensor(values []float64, dtype dtypes.DType, dims ...int) *tensors.Tensor {
	if dtype == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(slices.Clone(values), dims...)
	}
	f := make([]float32, len(values))
	for i, v := range values {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

// newTrajectory is the trajectory of no steps yet.
func (r *runner) newTrajectory() *Trajectory {
	return &Trajectory{Shape: slices.Clone(r.shape.Dimensions), X0: slices.Clone(r.x0)}
}

// run executes steps updates in chunks, appending the parameters to traj; grad builds the
// gradient of step k (0-based within the chunk) from the current parameters and the chunk's
// input. fed, when not nil, gives the gradient fed at a step (for error messages).
func (r *runner) run(traj *Trajectory, steps int, input func(start, n int) *tensors.Tensor, grad func(k int, x, in *Node) *Node, fed func(step int) []float64) (err error) {
	backend, err := runBackend()
	if err != nil {
		return err
	}
	hasEval := r.opt.HasEval()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("optim: run %s: %v", r.opt.Name(), p)
		}
	}()
	for start := 0; start < steps; start += stepsPerExec {
		n := min(stepsPerExec, steps-start)
		e := r.execs[n]
		if e == nil {
			e, err = model.NewExec(backend, r.store, func(scope *model.Scope, in *Node) []*Node {
				var xs, evals []*Node
				for k := range n {
					xv := r.x.NodeValue(in.Graph())
					r.opt.Apply(scope, []*model.Variable{r.x}, []*Node{grad(k, xv, in)})
					xs = append(xs, Reshape(r.x.NodeValue(in.Graph()), r.size))
					if hasEval {
						ev := r.opt.EvalParamsGraph(scope, in.Graph(), []*model.Variable{r.x})[0]
						evals = append(evals, Reshape(ev, r.size))
					}
				}
				out := []*Node{Stack(xs, 0)}
				if hasEval {
					out = append(out, Stack(evals, 0))
				}
				return out
			})
			if err != nil {
				return err
			}
			r.execs[n] = e
		}
		outs, err := e.Exec(input(start, n))
		if err != nil {
			return fmt.Errorf("optim: run %s: %w", r.opt.Name(), err)
		}
		from := len(traj.Params)
		traj.Params = append(traj.Params, rows(outs[0], n, r.size)...)
		if hasEval {
			traj.Eval = append(traj.Eval, rows(outs[1], n, r.size)...)
		}
		if err := traj.checkFinite(from, r.cfg, r.opt.Name(), fed); err != nil {
			return err
		}
	}
	return nil
}

func rows(t *tensors.Tensor, n, size int) [][]float64 {
	flat := make([]float64, n*size)
	switch t.DType() {
	case dtypes.Float64:
		copy(flat, tensors.MustCopyFlatData[float64](t))
	case dtypes.Float32:
		for i, v := range tensors.MustCopyFlatData[float32](t) {
			flat[i] = float64(v)
		}
	}
	out := make([][]float64, n)
	for i := range out {
		out[i] = flat[i*size : (i+1)*size : (i+1)*size]
	}
	return out
}

// RunGradients applies opt to a parameter of the given shape starting at x0 (flattened
// row-major), feeding grads[t] (flattened) at step t+1, in dtype (float64 or float32), on
// dlopt's backend. It returns x0 and the parameters after each step; no gradients give a
// trajectory of x0 alone. It stops at the first non-finite step with an [ErrNonFinite] error
// and the trajectory up to it; opts: [ContinueOnNonFinite].
func RunGradients(opt *Optimizer, x0 []float64, shape []int, grads [][]float64, dtype dtypes.DType, opts ...RunOption) (*Trajectory, error) {
	r, err := newRunner(opt, x0, shape, dtype, opts)
	if err != nil {
		return nil, err
	}
	for t, g := range grads {
		if len(g) != r.size {
			return nil, errorf("run: gradient %d has %d values, the parameter has %d", t, len(g), r.size)
		}
	}
	input := func(start, n int) *tensors.Tensor {
		return hostTensor(slices.Concat(grads[start:start+n]...), dtype, n, r.size)
	}
	traj := r.newTrajectory()
	err = r.run(traj, len(grads), input, func(k int, x, in *Node) *Node {
		return Reshape(Slice(in, AxisElem(k)), r.shape.Dimensions...)
	}, func(step int) []float64 { return grads[step-1] })
	return result(traj, err)
}

// result returns the trajectory with a non-finite error (it is the trajectory up to that step)
// and nil with any other error.
func result(traj *Trajectory, err error) (*Trajectory, error) {
	if err != nil && !errors.Is(err, ErrNonFinite) {
		return nil, err
	}
	return traj, err
}

// HostGradFunc computes the gradient on the host from the current parameters x (flattened, a
// copy the function may keep) and the step number (1 for the first), e.g.
// models.Rosenbrock.GradStep or a stochastic oracle's GradStep.
type HostGradFunc func(x []float64, step int) []float64

// RunHostFunc is like RunFunc with the gradient computed on the host by grad: for gradients a
// graph cannot express, such as noise from a Go random generator. Each step is one graph
// execution, so it is slower than RunFunc. steps = 0 returns the trajectory of x0 alone. A
// panic in grad (e.g. a wrong-length x) is returned as an error naming the step. It stops at
// the first non-finite step with an [ErrNonFinite] error and the trajectory up to it; opts:
// [ContinueOnNonFinite].
func RunHostFunc(opt *Optimizer, x0 []float64, shape []int, grad HostGradFunc, steps int, dtype dtypes.DType, opts ...RunOption) (*Trajectory, error) {
	if steps < 0 {
		return nil, errorf("run: steps = %d is invalid: must be >= 0", steps)
	}
	if grad == nil {
		return nil, errorf("run: nil gradient function")
	}
	r, err := newRunner(opt, x0, shape, dtype, opts)
	if err != nil {
		return nil, err
	}
	traj := r.newTrajectory()
	x := r.x0
	for k := 1; k <= steps; k++ {
		g, err := callHostGrad(grad, x, k)
		if err != nil {
			return nil, fmt.Errorf("optim: run %s: %w", opt.Name(), err)
		}
		if len(g) != r.size {
			return nil, errorf("run: the gradient function returned %d values at step %d, the parameter has %d", len(g), k, r.size)
		}
		input := func(_, _ int) *tensors.Tensor { return hostTensor(g, dtype, 1, r.size) }
		err = r.run(traj, 1, input, func(_ int, _, in *Node) *Node {
			return Reshape(in, r.shape.Dimensions...)
		}, func(int) []float64 { return g })
		if err != nil {
			return result(traj, err)
		}
		x = traj.Final()
	}
	return traj, nil
}

// callHostGrad calls grad on a copy of x and turns a panic into an error naming the step.
func callHostGrad(grad HostGradFunc, x []float64, step int) (g []float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the gradient function panicked at step %d: %v", step, p)
		}
	}()
	return grad(slices.Clone(x), step), nil
}

// GradFunc computes the gradient at x in the graph (e.g. A·x - b for a quadratic;
// models.Rosenbrock.GradGraph).
type GradFunc func(x *Node) *Node

// RunFunc applies opt for steps updates to a parameter of the given shape starting at x0,
// with the gradient computed in the graph by grad at the current parameters. It runs
// stepsPerExec steps per graph execution, so 10,000 steps cost about 80 executions. steps = 0
// returns the trajectory of x0 alone. It stops at the first non-finite step with an
// [ErrNonFinite] error and the trajectory up to it; opts: [ContinueOnNonFinite].
func RunFunc(opt *Optimizer, x0 []float64, shape []int, grad GradFunc, steps int, dtype dtypes.DType, opts ...RunOption) (*Trajectory, error) {
	if steps < 0 {
		return nil, errorf("run: steps = %d is invalid: must be >= 0", steps)
	}
	if grad == nil {
		return nil, errorf("run: nil gradient function")
	}
	r, err := newRunner(opt, x0, shape, dtype, opts)
	if err != nil {
		return nil, err
	}
	dummy := func(_, _ int) *tensors.Tensor { return tensors.FromScalar(int32(0)) }
	traj := r.newTrajectory()
	err = r.run(traj, steps, dummy, func(_ int, x, _ *Node) *Node {
		g := grad(x)
		if g == nil || !g.Shape().Equal(x.Shape()) {
			panic(fmt.Sprintf("gradient function returned shape %v for a parameter of shape %s", shapeOf(g), x.Shape()))
		}
		return g
	}, nil)
	return result(traj, err)
}

func shapeOf(n *Node) any {
	if n == nil {
		return "nil"
	}
	return n.Shape()
}
