package optim

import (
	"math"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestNewtonSchulzOrthogonalizes runs the classic cubic iteration X ← 1.5·X - 0.5·XXᵀX (a
// Newton–Schulz schedule with (a, b, c) = (1.5, -0.5, 0)) on a 3x5 matrix and on its 5x3
// transpose: it must converge to the orthogonal polar factor, XXᵀ = I (or XᵀX = I).
func TestNewtonSchulzOrthogonalizes(t *testing.T) {
	backend, err := dlopt.Backend()
	if err != nil {
		t.Fatal(err)
	}
	coeffs := nsSchedule([][3]float64{{1.5, -0.5, 0}}, 60)
	m := make([]float64, 15)
	for i := range m {
		m[i] = math.Sin(float64(3*i+1)) + 0.1*float64(i%3)
	}
	for _, dims := range [][2]int{{3, 5}, {5, 3}} {
		out := MustExecOnce(backend, func(x *Node) *Node {
			o := newtonSchulz(x, coeffs, func(x, norm *Node) *Node { return Div(x, norm) })
			if dims[0] < dims[1] {
				return MatMul(o, Transpose(o, 0, 1))
			}
			return MatMul(Transpose(o, 0, 1), o)
		}, tensors.FromFlatDataAndDimensions(m, dims[0], dims[1]))
		gram := tensors.MustCopyFlatData[float64](out)
		k := min(dims[0], dims[1])
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				want := 0.0
				if i == j {
					want = 1
				}
				if got := gram[i*k+j]; math.Abs(got-want) > 1e-10 {
					t.Fatalf("%dx%d: Gram matrix entry (%d,%d) = %.12g, want %g", dims[0], dims[1], i, j, got, want)
				}
			}
		}
	}
}

// TestOptaxMuonNonMatrixIsNAdamW: optax.muon trains the variables that are not matrices with
// adamw(nesterov=True), here a vector, so its trajectory is optax nadamw's.
func TestOptaxMuonNonMatrixIsNAdamW(t *testing.T) {
	o := loadOracle(t)
	muon, err := New(Optax, "muon", map[string]any{"learning_rate": 0.1, "adam_b2": 0.99})
	if err != nil {
		t.Fatal(err)
	}
	nadamw, err := New(Optax, "nadamw", map[string]any{"learning_rate": 0.1, "b2": 0.99, "weight_decay": 0.0})
	if err != nil {
		t.Fatal(err)
	}
	a, err := RunGradients(muon, o.Problem.X0, []int{8}, o.Problem.Grads, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RunGradients(nadamw, o.Problem.X0, []int{8}, o.Problem.Grads, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	if msg := compareTrajectories(a.Params, b.Params, dtypes.Float64); msg != "" {
		t.Fatal(msg)
	}
}

// TestTorchMuonMatchesOracleToBFloat16 compares torch.optim.Muon with the oracle. PyTorch runs
// the Newton–Schulz iterations in bfloat16 (8 significant bits) and this package in float64, so
// the steps agree only to bfloat16 precision: each step lr·O differs by at most a few bfloat16
// ulps of O, and the differences add up over the 20 steps. The bound, 0.05·lr per step, is about
// 13 ulps of an entry of size 1; the measured maximum is logged.
func TestTorchMuonMatchesOracleToBFloat16(t *testing.T) {
	o := loadOracle(t)
	for _, e := range o.Torch.Entries {
		if e.registryName() != "Muon" {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			opt, err := NewTorchMuonFromKwargs(e.Kwargs)
			if err != nil {
				t.Fatal(err)
			}
			traj, err := RunGradients(opt, o.Problem.X0, e.ParamShape, o.Problem.Grads, dtypes.Float64)
			if err != nil {
				t.Fatal(err)
			}
			lr := e.Kwargs["lr"].(float64)
			worst := 0.0
			for step, want := range e.Trajectory {
				for i := range want {
					diff := math.Abs(traj.Params[step][i] - want[i])
					worst = math.Max(worst, diff/(lr*float64(step+1)))
					if diff > 0.05*lr*float64(step+1) {
						t.Fatalf("step %d, index %d: %.10g, torch %.10g", step+1, i, traj.Params[step][i], want[i])
					}
				}
			}
			t.Logf("largest difference per step: %.3g·lr (bfloat16 ulp at 1: %.3g)", worst, math.Pow(2, -7))
		})
	}
}
