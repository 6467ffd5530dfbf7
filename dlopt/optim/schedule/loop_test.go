package schedule

import (
	"math"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// constantBatch yields the same scalar input and label forever.
type constantBatch struct{}

func (constantBatch) Name() string { return "constant" }
func (constantBatch) Reset()       {}
func (constantBatch) Yield() (any, []*tensors.Tensor, []*tensors.Tensor, error) {
	return nil, []*tensors.Tensor{tensors.FromScalar(0.0)}, []*tensors.Tensor{tensors.FromScalar(100.0)}, nil
}

// TestDriveLoop runs a real train.Loop with GoMLX's plain SGD on the prediction p * s, where
// s is a dummy non-trainable variable. With a mean absolute error against a label far above,
// d loss / d p = -s, so each SGD step adds lr_k * s_k to p: after the run, p must equal
// sum_k lr_k s_k, which holds only if both variables had the scheduled values before step k.
func TestDriveLoop(t *testing.T) {
	lrTarget := Target{Scope: "/optimizers", Name: optimizers.ParamLearningRate, DType: dtypes.Float64}
	scaleTarget := Target{Scope: "/hyper", Name: "scale", DType: dtypes.Float64}
	for _, tc := range []struct {
		name   string
		torch  string
		kwargs map[string]any
		runs   []int // RunSteps calls, to check that a second run continues the schedules
	}{
		{"StepLR", "StepLR", map[string]any{"step_size": 3, "gamma": 0.5}, []int{10}},
		{"OneCycleLR_two_runs", "OneCycleLR", map[string]any{"max_lr": 0.5, "total_steps": 12}, []int{5, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.New()
			modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
				g := inputs[0].Graph()
				p := ctx.In("model").VariableWithValue("p", 0.0).ValueGraph(g)
				s := ctx.InAbsPath(scaleTarget.Scope).Checked(false).VariableWithValue(scaleTarget.Name, 0.0).
					SetTrainable(false).ValueGraph(g)
				return []*Node{Add(Mul(p, s), inputs[0])}
			}
			sgd := optimizers.StochasticGradientDescent().WithDecay(false).WithLearningRate(123).Done()
			trainer := train.NewTrainer(dlopt.MustBackend(), ctx, modelFn, losses.MeanAbsoluteError, sgd, nil, nil)
			loop := train.NewLoop(trainer)

			sched, err := FromTorch(tc.torch, tc.kwargs, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			scale, err := Linear(1, 3, 8, 2)
			if err != nil {
				t.Fatal(err)
			}
			// Reference values, from a twin scheduler driven by hand.
			twin, _ := FromTorch(tc.torch, tc.kwargs, 0.1)
			total := 0
			for _, n := range tc.runs {
				total += n
			}
			lrs, _, err := Values(twin, total, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := 0.0
			for k, lr := range lrs {
				want += lr * scale.Value(k)
			}

			if err := DriveScheduler(loop, sched, SchedulerTargets{LR: lrTarget}); err != nil {
				t.Fatal(err)
			}
			if err := DriveSchedule(loop, scale, scaleTarget); err != nil {
				t.Fatal(err)
			}
			for _, n := range tc.runs {
				if _, err := loop.RunSteps(constantBatch{}, n); err != nil {
					t.Fatal(err)
				}
			}
			pv := ctx.GetVariableByScopeAndName("/model", "p")
			got := pv.MustValue().Value().(float64)
			if math.Abs(got-want) > 1e-12*math.Abs(want) {
				t.Errorf("p = %.17g after %d steps, want sum lr_k*s_k = %.17g", got, total, want)
			}
			// After the run the variables hold the values for the next step.
			sv := ctx.GetVariableByScopeAndName(scaleTarget.Scope, scaleTarget.Name).MustValue().Value().(float64)
			if sv != scale.Value(total) {
				t.Errorf("scale after the run = %v, want the next step's %v", sv, scale.Value(total))
			}
		})
	}
}

func TestTargetErrors(t *testing.T) {
	ctx := context.New()
	for _, tc := range []struct {
		target Target
		value  float64
	}{
		{Target{Scope: "optimizers", Name: "lr", DType: dtypes.Float64}, 1},
		{Target{Scope: "/optimizers", Name: "", DType: dtypes.Float64}, 1},
		{Target{Scope: "/optimizers", Name: "lr", DType: dtypes.Int32}, 1},
		{Target{Scope: "/optimizers", Name: "lr", DType: dtypes.Float32}, math.NaN()},
	} {
		if err := SetVariable(ctx, tc.target, tc.value); err == nil {
			t.Errorf("SetVariable(%+v, %v): no error", tc.target, tc.value)
		}
	}
	// A float32 variable keeps its dtype.
	target := Target{Scope: "/h", Name: "beta1", DType: dtypes.Float32}
	for _, v := range []float64{0.9, 0.85} {
		if err := SetVariable(ctx, target, v); err != nil {
			t.Fatal(err)
		}
		if got := ctx.GetVariableByScopeAndName("/h", "beta1").MustValue().Value().(float32); got != float32(v) {
			t.Errorf("beta1 = %v, want %v", got, float32(v))
		}
	}
}
