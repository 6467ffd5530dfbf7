package optim

import (
	"math"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/core/tensors"
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

// TestTorchMuonFullPrecision: with FullPrecision the Newton–Schulz iterations run in float64
// and the trajectory departs from PyTorch's (bfloat16) by bfloat16-sized amounts only: at most
// 0.05·lr per step so far, about 13 bfloat16 ulps of an entry of size 1. The emulated default
// matches the oracle exactly (TestOracle).
func TestTorchMuonFullPrecision(t *testing.T) {
	o := loadOracle(t)
	for _, e := range o.Torch.Entries {
		if e.registryName() != "Muon" {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			c := DefaultTorchMuon()
			c.LR = e.Kwargs["lr"].(float64)
			if wd, ok := e.Kwargs["weight_decay"]; ok {
				c.WeightDecay = wd.(float64)
			}
			c.FullPrecision = true
			opt, err := TorchMuon(c)
			if err != nil {
				t.Fatal(err)
			}
			traj, err := RunGradients(opt, o.Problem.X0, e.ParamShape, o.Problem.Grads, dtypes.Float64)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for step, want := range e.Trajectory {
				for i := range want {
					diff := math.Abs(traj.Params[step][i]-want[i]) / (c.LR * float64(step+1))
					worst = math.Max(worst, diff)
					if diff > 0.05 {
						t.Fatalf("step %d, index %d: %.10g, torch %.10g", step+1, i, traj.Params[step][i], want[i])
					}
				}
			}
			if worst < 1e-6 {
				t.Fatalf("full precision agrees with bfloat16 PyTorch to %.3g·lr per step: is FullPrecision ignored?", worst)
			}
			t.Logf("largest difference per step: %.3g·lr (bfloat16 ulp at 1: %.3g)", worst, math.Pow(2, -7))
		})
	}
}

// TestRoundToBFloat16 compares the graph's rounding with a bit-level round-to-nearest-even of
// the float32 pattern, on random values, exact bfloat16 values and the ties between them.
func TestRoundToBFloat16(t *testing.T) {
	backend, err := dlopt.Backend()
	if err != nil {
		t.Fatal(err)
	}
	var in []float32
	for i := 0; i < 2000; i++ {
		v := float32(math.Sin(float64(i)*12.9898) * math.Pow(10, float64(i%13-6)))
		in = append(in, v, -v)
	}
	for _, bits := range []uint32{0x3f808000, 0x3f818000, 0x3f800000, 0x40490fdb, 0x3f7fffff, 0x7f7f8000 - 0x10000, 0x00800000} {
		in = append(in, math.Float32frombits(bits))
	}
	in = append(in, 0, 1, -1, 0.5, 3)
	out := tensors.MustCopyFlatData[float32](MustExecOnce(backend, roundToBFloat16, tensors.FromFlatDataAndDimensions(in, len(in))))
	for i, x := range in {
		b := math.Float32bits(x)
		want := math.Float32frombits((b + 0x7fff + (b>>16)&1) &^ 0xffff)
		if out[i] != want {
			t.Fatalf("round(%v = %#08x) = %v, want %v", x, b, out[i], want)
		}
	}
}
