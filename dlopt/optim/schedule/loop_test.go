package schedule

import (
	"iter"
	"math"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// constantBatch yields the same scalar input and label forever (new tensors for each batch: the
// trainer frees them after the step).
type constantBatch struct{}

func (constantBatch) Name() string { return "constant" }
func (constantBatch) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		for {
			batch := train.Batch{Inputs: []*tensors.Tensor{tensors.FromScalar(0.0)}, Labels: []*tensors.Tensor{tensors.FromScalar(100.0)}}
			if !yield(batch, nil) {
				return
			}
		}
	}
}

// TestDriveLoop runs a real train.Loop with GoMLX's plain SGD on the prediction p * s * m,
// where s and m are dummy non-trainable variables. With a mean absolute error against a label
// far above, d loss / d p = -s m, so each SGD step adds lr_k s_k m_k to p: after the run p must
// equal sum_k lr_k s_k m_k, which holds only if every variable had its scheduled value before
// step k. lr comes from a torch-style scheduler (m from its cycled momentum when it has one,
// else m = 1), s from a pure schedule.
func TestDriveLoop(t *testing.T) {
	lrTarget := Target{Scope: "/optimizers", Name: optimizer.ParamLearningRate, DType: dtypes.Float64}
	scaleTarget := Target{Scope: "/hyper", Name: "scale", DType: dtypes.Float64}
	momTarget := Target{Scope: "/hyper", Name: "momentum", DType: dtypes.Float64}
	plateauMetrics := []float64{5, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3}
	for _, tc := range []struct {
		name     string
		torch    string
		kwargs   map[string]any
		runs     []int // RunSteps calls, to check that a second run continues the schedules
		momentum bool
		metrics  []float64
	}{
		{"StepLR", "StepLR", map[string]any{"step_size": 3, "gamma": 0.5}, []int{10}, false, nil},
		{"OneCycleLR_momentum_two_runs", "OneCycleLR", map[string]any{"max_lr": 0.5, "total_steps": 12}, []int{5, 7}, true, nil},
		{"ReduceLROnPlateau", "ReduceLROnPlateau", map[string]any{"patience": 1, "factor": 0.5}, []int{12}, false, plateauMetrics},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := model.NewStore()
			modelFn := func(scope *model.Scope, _ any, inputs []*Node) []*Node {
				g := inputs[0].Graph()
				p := scope.In("model").VariableWithValue("p", 0.0).NodeValue(g)
				hyper := scope.Store().Scope("/hyper")
				s := hyper.VariableWithValue(scaleTarget.Name, 0.0).SetTrainable(false).NodeValue(g)
				m := hyper.VariableWithValue(momTarget.Name, 1.0).SetTrainable(false).NodeValue(g)
				return []*Node{Add(Mul(Mul(p, s), m), inputs[0])}
			}
			sgd := optimizer.StochasticGradientDescent().WithDecay(false).WithLearningRate(123).Done()
			trainer := train.NewTrainer(dlopt.MustBackend(), store, modelFn, loss.MeanAbsoluteError, sgd, nil, nil)
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
			lrs, moms, err := Values(twin, total, tc.metrics)
			if err != nil {
				t.Fatal(err)
			}
			want := 0.0
			for k, lr := range lrs {
				m := 1.0
				if tc.momentum {
					m = moms[k]
				}
				want += lr * scale.Value(k) * m
			}

			setters := SchedulerSetters{LR: mustSetter(t, store, lrTarget)}
			if tc.momentum {
				setters.Momentum = mustSetter(t, store, momTarget)
			}
			if tc.metrics != nil {
				setters.Metric = func(loop *train.Loop, _ []*tensors.Tensor) (float64, error) {
					return tc.metrics[loop.LoopStep], nil
				}
			}
			if err := DriveScheduler(loop, "lr", sched, setters); err != nil {
				t.Fatal(err)
			}
			if err := DriveSchedule(loop, "scale", scale, mustSetter(t, store, scaleTarget)); err != nil {
				t.Fatal(err)
			}
			for _, n := range tc.runs {
				if _, err := loop.RunSteps(constantBatch{}, n); err != nil {
					t.Fatal(err)
				}
			}
			got := store.GetVariable("/model/p").MustValue().Value().(float64)
			if math.Abs(got-want) > 1e-12*math.Abs(want) {
				t.Errorf("p = %.17g after %d steps, want sum lr_k s_k m_k = %.17g", got, total, want)
			}
			// After the run the variables hold the values for the next step.
			sv := store.GetVariable(model.JoinPath(scaleTarget.Scope, scaleTarget.Name)).MustValue().Value().(float64)
			if sv != scale.Value(total) {
				t.Errorf("scale after the run = %v, want the next step's %v", sv, scale.Value(total))
			}
			lv := store.GetVariable(model.JoinPath(lrTarget.Scope, lrTarget.Name)).MustValue().Value().(float64)
			if lv != twin.LR() {
				t.Errorf("lr after the run = %v, want the next step's %v", lv, twin.LR())
			}
		})
	}
}

func mustSetter(t *testing.T, store *model.Store, target Target) Setter {
	t.Helper()
	set, err := VariableSetter(store, target)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestDriveErrors(t *testing.T) {
	store := model.NewStore()
	trainer := train.NewTrainer(dlopt.MustBackend(), store, train.ModelFn(nil), loss.MeanAbsoluteError,
		optimizer.StochasticGradientDescent().Done(), nil, nil)
	loop := train.NewLoop(trainer)
	set := mustSetter(t, store, Target{Scope: "/h", Name: "x", DType: dtypes.Float64})
	step, _ := FromTorch("StepLR", map[string]any{"step_size": 2}, 0.1)
	if err := DriveScheduler(loop, "lr", step, SchedulerSetters{LR: set, Momentum: set}); err == nil {
		t.Error("momentum setter for StepLR: no error")
	}
	if err := DriveScheduler(loop, "lr", step, SchedulerSetters{}); err == nil {
		t.Error("no LR setter: no error")
	}
	if err := DriveSchedule(loop, "x", nil, set); err == nil {
		t.Error("nil schedule: no error")
	}
	if _, err := VariableSetter(store, Target{Scope: "h", Name: "x", DType: dtypes.Float64}); err == nil {
		t.Error("relative scope: no error")
	}
}

func TestTargetErrors(t *testing.T) {
	store := model.NewStore()
	for _, tc := range []struct {
		target Target
		value  float64
	}{
		{Target{Scope: "optimizers", Name: "lr", DType: dtypes.Float64}, 1},
		{Target{Scope: "/optimizers", Name: "", DType: dtypes.Float64}, 1},
		{Target{Scope: "/optimizers", Name: "lr", DType: dtypes.Int32}, 1},
		{Target{Scope: "/optimizers", Name: "lr", DType: dtypes.Float32}, math.NaN()},
	} {
		if err := SetVariable(store, tc.target, tc.value); err == nil {
			t.Errorf("SetVariable(%+v, %v): no error", tc.target, tc.value)
		}
	}
	// A float32 variable keeps its dtype.
	target := Target{Scope: "/h", Name: "beta1", DType: dtypes.Float32}
	for _, v := range []float64{0.9, 0.85} {
		if err := SetVariable(store, target, v); err != nil {
			t.Fatal(err)
		}
		if got := store.GetVariable("/h/beta1").MustValue().Value().(float32); got != float32(v) {
			t.Errorf("beta1 = %v, want %v", got, float32(v))
		}
	}
}
