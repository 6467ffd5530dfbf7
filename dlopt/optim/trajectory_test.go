package optim

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// TestTrajectoryIncludesX0: every run records x0, Iterates starts with it and a run of no steps
// has Final() == x0 (the doc's promise).
func TestTrajectoryIncludesX0(t *testing.T) {
	x0 := []float64{1, -2}
	grad := func(x *Node) *Node { return x }
	hostGrad := func(x []float64, _ int) []float64 { return x }
	for _, steps := range []int{0, 3} {
		grads := slices.Repeat([][]float64{{1, 1}}, steps)
		runs := map[string]func() (*Trajectory, error){
			"RunGradients": func() (*Trajectory, error) {
				return RunGradients(sgd(t, 0.5), x0, []int{2}, grads, dtypes.Float64)
			},
			"RunFunc": func() (*Trajectory, error) { return RunFunc(sgd(t, 0.5), x0, []int{2}, grad, steps, dtypes.Float64) },
			"RunHostFunc": func() (*Trajectory, error) {
				return RunHostFunc(sgd(t, 0.5), x0, []int{2}, hostGrad, steps, dtypes.Float64)
			},
		}
		for name, run := range runs {
			traj, err := run()
			if err != nil {
				t.Fatalf("%s, %d steps: %v", name, steps, err)
			}
			it := traj.Iterates()
			if traj.Steps() != steps || len(it) != steps+1 || !slices.Equal(it[0], x0) || !slices.Equal(traj.X0, x0) {
				t.Errorf("%s, %d steps: Steps() = %d, Iterates() = %v, X0 = %v: want %d steps starting at %v", name, steps, traj.Steps(), it, traj.X0, steps, x0)
			}
			if steps == 0 && !slices.Equal(traj.Final(), x0) {
				t.Errorf("%s, 0 steps: Final() = %v, want x0 = %v", name, traj.Final(), x0)
			}
			if steps > 0 && !slices.Equal(it[steps], traj.Final()) {
				t.Errorf("%s: last iterate %v != Final() %v", name, it[steps], traj.Final())
			}
		}
	}
	x0[0] = 99 // the trajectory keeps its own copy
	traj, _ := RunGradients(sgd(t, 1), []float64{1, -2}, []int{2}, nil, dtypes.Float64)
	if traj.X0[0] != 1 {
		t.Errorf("X0 = %v, want a copy of the caller's x0", traj.X0)
	}
}

// TestEvalIterates: evaluation parameters start at x0 as well; none without evaluation.
func TestEvalIterates(t *testing.T) {
	la := mustOpt(t)(WithLookahead(sgd(t, 0.5), 2, 0.5))
	traj, err := RunGradients(la, []float64{3}, []int{1}, [][]float64{{1}, {1}}, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	ev := traj.EvalIterates()
	if len(ev) != 3 || ev[0][0] != 3 || ev[2][0] != traj.Eval[1][0] {
		t.Errorf("EvalIterates() = %v, Eval = %v: want x0 then Eval", ev, traj.Eval)
	}
	plain, _ := RunGradients(sgd(t, 0.5), []float64{3}, []int{1}, [][]float64{{1}}, dtypes.Float64)
	if plain.EvalIterates() != nil {
		t.Errorf("EvalIterates() = %v without evaluation parameters, want nil", plain.EvalIterates())
	}
}

// TestNonFinite: by default every Run function stops at the first non-finite step with an
// ErrNonFinite error naming the step (and the NaN gradient fed there); ContinueOnNonFinite goes
// on to the last step, only recording NonFiniteStep; StopOnNonFinite after it restores the stop.
func TestNonFinite(t *testing.T) {
	const bad, steps = 3, 6 // the step that receives a NaN gradient, and the steps asked for
	hostGrad := func(x []float64, step int) []float64 {
		if step == bad {
			return []float64{math.NaN(), 0}
		}
		return []float64{1, 1}
	}
	grads := [][]float64{{1, 1}, {1, 1}, {math.NaN(), 0}, {1, 1}, {1, 1}, {1, 1}}
	runs := []struct {
		name string
		run  func(opts ...RunOption) (*Trajectory, error)
	}{
		{"RunHostFunc", func(opts ...RunOption) (*Trajectory, error) {
			return RunHostFunc(sgd(t, 0.1), []float64{0, 0}, []int{2}, hostGrad, steps, dtypes.Float64, opts...)
		}},
		{"RunGradients", func(opts ...RunOption) (*Trajectory, error) {
			return RunGradients(sgd(t, 0.1), []float64{0, 0}, []int{2}, grads, dtypes.Float64, opts...)
		}},
	}
	for _, r := range runs {
		traj, err := r.run()
		checkStopped(t, r.name+" by default", traj, err, bad, "g[0] = NaN")
		traj, err = r.run(ContinueOnNonFinite(), StopOnNonFinite())
		checkStopped(t, r.name+" with ContinueOnNonFinite then StopOnNonFinite", traj, err, bad, "g[0] = NaN")
		traj, err = r.run(ContinueOnNonFinite())
		if err != nil || traj == nil || traj.NonFiniteStep != bad || traj.Steps() != steps {
			t.Errorf("%s with ContinueOnNonFinite: err %v, trajectory %+v: want nil, NonFiniteStep %d, %d steps", r.name, err, traj, bad, steps)
		}
	}

	// Divergence without a bad gradient: gradient descent with lr 10 on x², in float32, leaves
	// the float range after about 30 steps (|x| grows 19x per step).
	diverge := func(opts ...RunOption) (*Trajectory, error) {
		return RunFunc(sgd(t, 10), []float64{1}, []int{1}, func(x *Node) *Node { return MulScalar(x, 2) }, 200, dtypes.Float32, opts...)
	}
	traj, err := diverge()
	if err == nil || !errors.Is(err, ErrNonFinite) || traj == nil || traj.NonFiniteStep == 0 || traj.Steps() != traj.NonFiniteStep ||
		!strings.Contains(err.Error(), "step "+itoa(traj.NonFiniteStep)+":") {
		t.Errorf("RunFunc diverging by default: err %v, trajectory %v: want ErrNonFinite naming the step the trajectory stops at", err, traj)
	}
	stoppedAt := traj.NonFiniteStep
	traj, err = diverge(ContinueOnNonFinite())
	if err != nil || traj == nil || traj.NonFiniteStep != stoppedAt || traj.Steps() != 200 {
		t.Errorf("RunFunc diverging with ContinueOnNonFinite: err %v, trajectory %v: want nil, NonFiniteStep %d, 200 steps", err, traj, stoppedAt)
	}
}

func checkStopped(t *testing.T, name string, traj *Trajectory, err error, step int, detail string) {
	t.Helper()
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "step "+itoa(step)+":") || !strings.Contains(err.Error(), detail) {
		t.Errorf("%s: err = %v, want ErrNonFinite naming step %d and %q", name, err, step, detail)
	}
	if traj == nil || traj.Steps() != step || traj.NonFiniteStep != step {
		t.Errorf("%s: trajectory %+v, want %d steps ending at the non-finite one", name, traj, step)
	}
}

// TestRunHostFuncPanicsBecomeErrors: a gradient function that panics (a wrong-length x for a
// test problem, say) gives an error naming the step instead of crashing the program.
func TestRunHostFuncPanicsBecomeErrors(t *testing.T) {
	grad := func(x []float64, step int) []float64 {
		if step == 2 {
			panic("len(x) = 2, want 3")
		}
		return x
	}
	_, err := RunHostFunc(sgd(t, 0.1), []float64{1, 1}, []int{2}, grad, 4, dtypes.Float64)
	if err == nil || !strings.Contains(err.Error(), "panicked at step 2") || !strings.Contains(err.Error(), "want 3") {
		t.Errorf("err = %v, want the panic as an error naming step 2", err)
	}
}
