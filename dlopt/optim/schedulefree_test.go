package optim

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
)

// TestScheduleFreeWarmup: with warmup_steps, optax's base optimizer uses the schedule at the
// 0-based count, where the rate is 0, so the first update leaves the parameters (and z) where
// they are, while without warmup they move. Afterwards the warmed-up run keeps moving.
func TestScheduleFreeWarmup(t *testing.T) {
	o := loadOracle(t)
	for _, name := range []string{"schedule_free_sgd", "schedule_free_adamw"} {
		t.Run(name, func(t *testing.T) {
			run := func(kwargs map[string]any) *Trajectory {
				opt, err := New(Optax, name, kwargs)
				if err != nil {
					t.Fatal(err)
				}
				traj, err := RunGradients(opt, o.Problem.X0, []int{8}, o.Problem.Grads[:5], dtypes.Float64)
				if err != nil {
					t.Fatal(err)
				}
				return traj
			}
			warm := run(map[string]any{"learning_rate": 0.1, "warmup_steps": 3.0})
			cold := run(map[string]any{"learning_rate": 0.1})
			for i, x := range o.Problem.X0 {
				if warm.Params[0][i] != x || warm.Eval[0][i] != x {
					t.Fatalf("warmup: step 1 moved x[%d] from %v to %v (eval %v)", i, x, warm.Params[0][i], warm.Eval[0][i])
				}
			}
			if cold.Params[0][2] == o.Problem.X0[2] {
				t.Fatalf("no warmup: step 1 did not move x[2]")
			}
			if warm.Params[4][2] == o.Problem.X0[2] {
				t.Fatalf("warmup: x[2] never moved in 5 steps")
			}
		})
	}
}

// TestScheduleFreeEvalIsAverage checks the evaluation parameters of schedule-free SGD against
// their definition, with lr_max constant and weight_lr_power 2: c_t = 1/t, so x_t is the plain
// average of z_1..z_t, and z_t = x₀ - lr·Σ_{k≤t} g_k.
func TestScheduleFreeEvalIsAverage(t *testing.T) {
	o := loadOracle(t)
	const lr = 0.1
	opt, err := New(Optax, "schedule_free_sgd", map[string]any{"learning_rate": lr})
	if err != nil {
		t.Fatal(err)
	}
	traj, err := RunGradients(opt, o.Problem.X0, []int{8}, o.Problem.Grads, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	z := append([]float64(nil), o.Problem.X0...)
	avg := make([]float64, len(z))
	for step, g := range o.Problem.Grads {
		for i := range z {
			z[i] -= lr * g[i]
			avg[i] += (z[i] - avg[i]) / float64(step+1)
			// x_1 = z_1: the running mean starts from 0 and its first weight is 1.
			if got := traj.Eval[step][i]; math.Abs(got-avg[i]) > 1e-12*math.Max(1, math.Abs(avg[i])) {
				t.Fatalf("step %d, x[%d]: eval %.17g, mean of z %.17g", step+1, i, got, avg[i])
			}
		}
	}
}
