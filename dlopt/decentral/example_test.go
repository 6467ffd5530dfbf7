package decentral_test

import (
	"fmt"

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
