package optim

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// The oracle's gradients do not depend on x, so the distance estimates of the learning-rate-free
// methods hardly move there. These tests drive them on a quadratic, f(x) = ½ Σ a_i (x_i - x*_i)²,
// whose minimiser is far from x₀, so that the estimates grow, and compare with plain-Go loops
// written from optax's update rules.

var (
	lrFreeA     = []float64{1, 3, 0.5, 2}
	lrFreeStar  = []float64{3, -2, 5, 1}
	lrFreeStart = []float64{0.1, 0.2, -0.3, 0.4}
)

func lrFreeGrad(x []float64) []float64 {
	g := make([]float64, len(x))
	for i := range x {
		g[i] = lrFreeA[i] * (x[i] - lrFreeStar[i])
	}
	return g
}

func lrFreeGradGraph(x *Node) *Node {
	return Mul(Const(x.Graph(), lrFreeA), Sub(x, Const(x.Graph(), lrFreeStar)))
}

// checkLRFree runs opt for len(want) steps on the quadratic and compares with want.
func checkLRFree(t *testing.T, opt *Optimizer, want [][]float64) {
	t.Helper()
	traj, err := RunFunc(opt, lrFreeStart, []int{len(lrFreeStart)}, lrFreeGradGraph, len(want), dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	if msg := compareTrajectories(traj.Params, want, dtypes.Float64); msg != "" {
		t.Fatal(msg)
	}
}

func sumAbsHost(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += math.Abs(v)
	}
	return s
}

func TestProdigyEstimateGrows(t *testing.T) {
	const steps, lr, b1, b2, eps, d0, coef, wd = 30, 1.0, 0.9, 0.999, 1e-8, 1e-3, 1.0, 0.01
	b3 := math.Sqrt(b2)
	x := append([]float64(nil), lrFreeStart...)
	n := len(x)
	ea, eas, gs := make([]float64, n), make([]float64, n), make([]float64, n)
	// optax's init_fn stores the first estimate as a float32 (jnp.asarray(estim_lr0, jnp.float32)).
	d, num := float64(float32(d0)), 0.0
	var want [][]float64
	for k := 0; k < steps; k++ {
		g := lrFreeGrad(x)
		dlr := d * lr * math.Sqrt(1-math.Pow(b2, float64(k+1))) / (1 - math.Pow(b1, float64(k+1)))
		acc := 0.0
		for i := range x {
			acc += g[i] * (lrFreeStart[i] - x[i])
			dg := d * g[i]
			ea[i] = b1*ea[i] + (1-b1)*dg
			eas[i] = b2*eas[i] + (1-b2)*dg*dg
			gs[i] = b3*gs[i] + dlr*dg/d0
		}
		num = b3*num + (d/d0)*dlr*acc
		d = math.Max(d, coef*num/sumAbsHost(gs))
		for i := range x {
			x[i] += -wd*dlr*x[i] - dlr*ea[i]/(math.Sqrt(eas[i])+d*eps)
		}
		want = append(want, append([]float64(nil), x...))
	}
	if d < 100*d0 {
		t.Fatalf("the estimate only grew to %g from %g: the test does not exercise it", d, d0)
	}
	opt, err := New(Optax, "prodigy", map[string]any{"estim_lr0": d0, "weight_decay": wd})
	if err != nil {
		t.Fatal(err)
	}
	checkLRFree(t, opt, want)
}

func TestDAdaptAdamWEstimateGrows(t *testing.T) {
	const steps, lr, b1, b2, eps, d0, wd = 30, 1.0, 0.9, 0.999, 1e-8, 1e-3, 0.01
	sb2 := math.Sqrt(b2)
	x := append([]float64(nil), lrFreeStart...)
	n := len(x)
	ea, eas, gs := make([]float64, n), make([]float64, n), make([]float64, n)
	d, num := d0, 0.0
	var want [][]float64
	for k := 1; k <= steps; k++ {
		g := lrFreeGrad(x)
		dlr := d * lr * math.Sqrt(1-math.Pow(b2, float64(k))) / (1 - math.Pow(b1, float64(k)))
		acc := 0.0
		for i := range x {
			acc += g[i] * gs[i] / (math.Sqrt(eas[i]) + eps)
			ea[i] = b1*ea[i] + (1-b1)*dlr*g[i]
			eas[i] = b2*eas[i] + (1-b2)*g[i]*g[i]
			gs[i] = sb2*gs[i] + (1-sb2)*dlr*g[i]
		}
		num = sb2*num + (1-sb2)*dlr*acc
		dNew := math.Max(d, num/((1-sb2)*sumAbsHost(gs)))
		for i := range x {
			x[i] += -ea[i]/(math.Sqrt(eas[i])+eps) - wd*dlr*x[i]
		}
		d = dNew
		want = append(want, append([]float64(nil), x...))
	}
	if d < 100*d0 {
		t.Fatalf("the estimate only grew to %g from %g: the test does not exercise it", d, d0)
	}
	opt, err := New(Optax, "dadapt_adamw", map[string]any{"estim_lr0": d0, "weight_decay": wd})
	if err != nil {
		t.Fatal(err)
	}
	checkLRFree(t, opt, want)
}

func TestDoWGEstimateGrows(t *testing.T) {
	const steps, eps = 30, 1e-4
	x := append([]float64(nil), lrFreeStart...)
	est, weighted := eps, 0.0
	var want [][]float64
	for k := 0; k < steps; k++ {
		g := lrFreeGrad(x)
		dist, gn := 0.0, 0.0
		for i := range x {
			dist += (lrFreeStart[i] - x[i]) * (lrFreeStart[i] - x[i])
			gn += g[i] * g[i]
		}
		est = math.Max(est, dist)
		weighted = est*gn + weighted
		step := est / (math.Sqrt(weighted) + eps)
		for i := range x {
			x[i] -= step * g[i]
		}
		want = append(want, append([]float64(nil), x...))
	}
	if est < 100*eps {
		t.Fatalf("the distance estimate only grew to %g: the test does not exercise it", est)
	}
	opt, err := New(Optax, "dowg", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkLRFree(t, opt, want)
}
