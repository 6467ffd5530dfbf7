package optim

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/dlopt/course/dlopt"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
)

// stepper applies one update per call to a single parameter variable "/model/x" of a context.
type stepper struct {
	ctx  *context.Context
	x    *context.Variable
	exec *context.Exec
}

func newStepper(t *testing.T, ctx *context.Context, opt *Optimizer, x0 []float64, shape []int) *stepper {
	t.Helper()
	st := &stepper{ctx: ctx}
	// With a checkpoint attached, VariableWithValue returns the saved value instead of x0.
	st.x = ctx.In("model").Checked(false).VariableWithValue("x", tensors.FromFlatDataAndDimensions(slices.Clone(x0), shape...))
	var err error
	st.exec, err = context.NewExec(dlopt.MustBackend(), ctx, func(ctx *context.Context, grad *Node) *Node {
		opt.Apply(ctx, []*context.Variable{st.x}, []*Node{Reshape(grad, shape...)})
		return st.x.ValueGraph(grad.Graph())
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (st *stepper) run(t *testing.T, grads [][]float64) [][]float64 {
	t.Helper()
	var out [][]float64
	for _, g := range grads {
		res, err := st.exec.Exec(slices.Clone(g))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tensors.MustCopyFlatData[float64](res[0]))
	}
	return out
}

// checkpointCase is one optimizer configuration of the checkpoint test.
type checkpointCase struct {
	name  string
	shape []int
	build func() (*Optimizer, error)
}

// checkpointCases lists every oracle configuration whose optimizer is registered, the lecture's
// forms and the stateful wrappers.
func checkpointCases(t *testing.T) []checkpointCase {
	o := loadOracle(t)
	var cases []checkpointCase
	for _, e := range append(slices.Clone(o.Torch.Entries), o.Optax.Entries...) {
		name := e.registryName()
		if !slices.Contains(Names(e.Library), name) {
			continue
		}
		cases = append(cases, checkpointCase{e.Library + "/" + e.Name, e.ParamShape, func() (*Optimizer, error) {
			return New(e.Library, name, e.Kwargs)
		}})
	}
	adam := func() *Optimizer { return mustOpt(t)(New(Torch, "Adam", map[string]any{"lr": 0.1})) }
	cases = append(cases,
		checkpointCase{"heavy_ball", []int{8}, func() (*Optimizer, error) { return HeavyBall(0.1, 0.9) }},
		checkpointCase{"nag", []int{8}, func() (*Optimizer, error) { return NAG(0.1, 0.9) }},
		checkpointCase{"accumulate(Adam, 3)", []int{8}, func() (*Optimizer, error) { return AccumulateGradients(adam(), 3) }},
		checkpointCase{"skip_non_finite(Adam)", []int{8}, func() (*Optimizer, error) { return SkipNonFinite(adam(), 2) }},
		checkpointCase{"param_ema(Adam)", []int{8}, func() (*Optimizer, error) { return WithParamEMA(adam(), 0.9) }},
		checkpointCase{"swa(Adam)", []int{8}, func() (*Optimizer, error) { return WithSWA(adam(), 2, 2) }},
		checkpointCase{"lookahead(Adam)", []int{8}, func() (*Optimizer, error) { return WithLookahead(adam(), 3, 0.5) }},
	)
	return cases
}

// TestCheckpointRoundTrip checks, for every optimizer, that 10 steps straight equal 5 steps,
// a GoMLX checkpoint, a restore into a fresh context with a fresh optimizer, and 5 more steps,
// bit for bit: all of the state lives in context variables and is saved.
func TestCheckpointRoundTrip(t *testing.T) {
	o := loadOracle(t)
	grads := o.Problem.Grads[:10]
	for _, c := range checkpointCases(t) {
		t.Run(c.name, func(t *testing.T) {
			newOpt := func() *Optimizer { return mustOpt(t)(c.build()) }
			straight := newStepper(t, context.New(), newOpt(), o.Problem.X0, c.shape).run(t, grads)

			dir := t.TempDir()
			first := newStepper(t, context.New(), newOpt(), o.Problem.X0, c.shape)
			first.run(t, grads[:5])
			h, err := checkpoints.Build(first.ctx).Dir(dir).Done()
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Save(); err != nil {
				t.Fatal(err)
			}

			ctx := context.New()
			if _, err := checkpoints.Build(ctx).Dir(dir).Done(); err != nil {
				t.Fatal(err)
			}
			resumed := newStepper(t, ctx, newOpt(), make([]float64, len(o.Problem.X0)), c.shape).run(t, grads[5:])
			for k := range resumed {
				for i := range resumed[k] {
					a, b := resumed[k][i], straight[5+k][i]
					if a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
						t.Fatalf("step %d, index %d: resumed %v, straight %v (diff %g)\n%s", 6+k, i, a, b, a-b, fmt.Sprint(resumed[k]))
					}
				}
			}
		})
	}
}

// TestCheckpointCarriesState is the control of TestCheckpointRoundTrip: restarting Adam from the
// parameters alone (without its moments and step count) does change the next steps, so the
// round trip really depends on the optimizer state in the checkpoint.
func TestCheckpointCarriesState(t *testing.T) {
	o := loadOracle(t)
	grads := o.Problem.Grads[:10]
	adam := func() *Optimizer { return mustOpt(t)(New(Torch, "Adam", map[string]any{"lr": 0.1})) }
	straight := newStepper(t, context.New(), adam(), o.Problem.X0, []int{8}).run(t, grads)
	restarted := newStepper(t, context.New(), adam(), straight[4], []int{8}).run(t, grads[5:])
	if slices.Equal(restarted[0], straight[5]) {
		t.Fatal("restarting Adam without its state gave the same step: the round-trip test would prove nothing")
	}
}
