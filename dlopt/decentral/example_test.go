package decentral_test

import (
	"fmt"
	"math"

	"github.com/dlopt/course/dlopt/decentral"
)

// Mixing matrices, their spectral gap and their traffic, for every topology over 16 workers.
func Example() {
	for _, name := range decentral.Names {
		top, err := decentral.New(name, 16)
		if err != nil {
			panic(err)
		}
		c := decentral.CommunicationPerRound(top, 0)
		fmt.Printf("%-11s rho=%.3f sends/worker=%.3f busiest=%g\n", name, decentral.Rho(top.Mixing(0)), c.MeanSends, c.MaxSends)
	}
	// Output:
	// ring        rho=0.949 sends/worker=2.000 busiest=2
	// torus       rho=0.600 sends/worker=4.000 busiest=4
	// star        rho=0.938 sends/worker=1.875 busiest=15
	// complete    rho=0.000 sends/worker=15.000 busiest=15
	// exponential rho=0.600 sends/worker=4.000 busiest=4
	// one-peer    rho=0.981 sends/worker=1.000 busiest=1
	// all-reduce  rho=0.000 sends/worker=1.875 busiest=1.875
}

// The one-peer exponential graph averages exactly after log2 n rounds when n is a power of two.
func ExampleOnePeerExponential() {
	for _, n := range []int{8, 6} {
		top, _ := decentral.OnePeerExponential(n)
		tau := decentral.ExponentialDegree(n)
		fmt.Printf("n=%d: rho of %d rounds = %.3f\n", n, tau, decentral.RhoOfProduct(top, 0, tau))
	}
	// Output:
	// n=8: rho of 3 rounds = 0.000
	// n=6: rho of 3 rounds = 0.217
}

func ExampleCheckDoublyStochastic() {
	w := [][]float64{{0.5, 0.5}, {0.25, 0.75}}
	fmt.Println(decentral.CheckDoublyStochastic(w, 1e-12))
	// Output:
	// decentral: column 0 sums to 0.75, want 1 (tolerance 1e-12)
}

// D-SGD with a constant step stops at a biased point on heterogeneous data; gradient tracking
// and exact diffusion reach the optimum.
func ExampleSimulate() {
	p, err := decentral.NewLeastSquares(decentral.LeastSquaresConfig{Workers: 8, Dim: 5, Rows: 40, Heterogeneity: 1, Seed: 1})
	if err != nil {
		panic(err)
	}
	ring, _ := decentral.Ring(8)
	for _, alg := range decentral.Algorithms {
		tr, err := decentral.Simulate(p, decentral.SimConfig{Topology: ring, Algorithm: alg, Step: 0.1, Rounds: 2000})
		if err != nil {
			panic(err)
		}
		k := len(tr.Distance) - 1
		fmt.Printf("%-17s ||xbar - x*|| < 1e-10: %-5v  KiB sent per worker: %.0f\n", alg, tr.Distance[k] < 1e-10, tr.Bytes[k]/1024)
	}
	fp, _ := decentral.DSGDFixedPoint(p, ring, decentral.DSGD, 0.1)
	fmt.Printf("closed-form D-SGD fixed point: xbar* is %.4f from x*\n", distance(decentral.Mean(fp), p.Optimum()))
	// Output:
	// dsgd              ||xbar - x*|| < 1e-10: false  KiB sent per worker: 156
	// dsgd-cta          ||xbar - x*|| < 1e-10: false  KiB sent per worker: 156
	// exact-diffusion   ||xbar - x*|| < 1e-10: true   KiB sent per worker: 156
	// gradient-tracking ||xbar - x*|| < 1e-10: true   KiB sent per worker: 312
	// closed-form D-SGD fixed point: xbar* is 0.0283 from x*
}

func distance(a, b []float64) float64 {
	s := 0.0
	for k := range a {
		s += (a[k] - b[k]) * (a[k] - b[k])
	}
	return math.Sqrt(s)
}
