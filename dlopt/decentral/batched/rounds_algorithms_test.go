package batched_test

import (
	"testing"

	"github.com/dlopt/course/dlopt/decentral"
)

// hostRounds runs algorithm with SGD (step lr) on the least-squares batches in plain float64,
// from the textbook recursions (not from Rounds' bookkeeping):
//
//	dsgd              x+ = W (x - a g(x))
//	dsgd-cta          x+ = W x - a g(x)
//	exact-diffusion   psi+ = x - a g(x); phi = psi+ + x - psi; x+ = Wbar phi; psi_0 = x_0
//	gradient-tracking x+ = W x - a y; y+ = W y + g(x+) - g(x); y_0 = g(x_0)
//
// Gradient tracking's g(x+) is taken on the next round's batch, as the graph does (each round
// sees one batch per worker, and y_0 = g(x_0) on the first).
func hostRounds(algorithm string, w [][]float64, lr float64, x0 []float64, batches []lsqBatch) [][][]float64 {
	n := len(w)
	x := make([][]float64, n)
	for i := range x {
		x[i] = append([]float64(nil), x0...)
	}
	mix := func(m [][]float64, z [][]float64) [][]float64 {
		out := make([][]float64, n)
		for i := range out {
			out[i] = make([]float64, len(z[i]))
			for j := range z {
				for k := range z[j] {
					out[i][k] += m[i][j] * z[j][k]
				}
			}
		}
		return out
	}
	axpy := func(a float64, u, v [][]float64) [][]float64 { // u + a v
		out := make([][]float64, n)
		for i := range out {
			out[i] = make([]float64, len(u[i]))
			for k := range u[i] {
				out[i][k] = u[i][k] + a*v[i][k]
			}
		}
		return out
	}
	grads := func(b lsqBatch, at [][]float64) [][]float64 {
		g := make([][]float64, n)
		for i := range g {
			g[i] = lsqGrad(b.a[i], b.y[i], at[i])
		}
		return g
	}
	wbar := make([][]float64, n)
	for i := range wbar {
		wbar[i] = make([]float64, n)
		for j := range wbar[i] {
			wbar[i][j] = w[i][j] / 2
		}
		wbar[i][i] += 0.5
	}
	psi := x
	var y, gPrev [][]float64
	var iterates [][][]float64
	for k, b := range batches {
		g := grads(b, x)
		switch algorithm {
		case decentral.DSGD:
			x = mix(w, axpy(-lr, x, g))
		case decentral.DSGDCombineFirst:
			x = axpy(-lr, mix(w, x), g)
		case decentral.ExactDiffusion:
			next := axpy(-lr, x, g)
			phi := axpy(-1, axpy(1, next, x), psi)
			psi, x = next, mix(wbar, phi)
		case decentral.GradientTracking:
			if k == 0 {
				y = g
			} else {
				y = axpy(-1, axpy(1, mix(w, y), g), gPrev)
			}
			gPrev = g
			x = axpy(-lr, mix(w, x), y)
		}
		iterates = append(iterates, x)
	}
	return iterates
}

// TestAlgorithmsFollowTheirRecursions compares every algorithm of the graph trainer with SGD as
// its local step to the textbook recursion on the host, on heterogeneous least squares over a
// ring and a one-peer round (time-varying W is set before every round).
func TestAlgorithmsFollowTheirRecursions(t *testing.T) {
	const n, b, d, rounds, lr = 4, 2, 3, 5, 0.2
	x0 := []float64{1, -0.5, 0.25}
	batches := lsqBatches(rounds, n, b, d, 11)
	ring, err := decentral.Ring(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, algorithm := range decentral.Algorithms {
		t.Run(algorithm, func(t *testing.T) {
			w := ring.Mixing(0)
			got := graphRun(t, sgd(t, lr), algorithm, w, x0, batches)
			want := hostRounds(algorithm, w, lr, x0, batches)
			for k := range want {
				if diff := maxDiff(t, "", got[k], want[k]); diff > 1e-12 {
					t.Fatalf("round %d: graph %v, recursion %v (max difference %g)", k+1, got[k], want[k], diff)
				}
			}
			// The workers disagree (heterogeneous data, a sparse W): the test sees the mixing.
			if diff := maxDiff(t, "", [][]float64{got[rounds-1][0]}, [][]float64{got[rounds-1][1]}); diff < 1e-3 {
				t.Fatalf("workers 0 and 1 agree to %g after %d rounds: the test cannot see the mixing", diff, rounds)
			}
		})
	}
}
