package decentral

import "strings"

// Algorithm names accepted by ParseAlgorithm and the CLI --algorithm. With the all-reduce
// topology (W = 11^T/n) every one of them keeps the average on the path of synchronous
// data-parallel SGD; DSGD (adapt-then-combine) is exactly it, every worker holding the same model
// after each round (combine-then-adapt leaves each worker its own last local step).
const (
	// DSGD is adapt-then-combine (BlueFog's neighbor_allreduce): x <- W (x - a g(x)).
	DSGD = "dsgd"
	// DSGDCombineFirst is combine-then-adapt (Lian et al. 2017): x <- W x - a g(x).
	DSGDCombineFirst = "dsgd-cta"
	// ExactDiffusion is Yuan et al. 2019 with Wbar = (I+W)/2:
	// psi_k = x_k - a g(x_k); phi_k = psi_k + x_k - psi_{k-1}; x_{k+1} = Wbar phi_k.
	ExactDiffusion = "exact-diffusion"
	// GradientTracking is x <- W x - a y; y <- W y + g(x_new) - g(x_old), y_0 = g(x_0).
	GradientTracking = "gradient-tracking"
)

// Algorithms lists the algorithm names, in help-text order.
var Algorithms = []string{DSGD, DSGDCombineFirst, ExactDiffusion, GradientTracking}

// ParseAlgorithm returns name when it is one of Algorithms, or an ErrUnknownName error listing them.
func ParseAlgorithm(name string) (string, error) {
	for _, a := range Algorithms {
		if a == name {
			return a, nil
		}
	}
	return "", kindErrorf(ErrUnknownName, "unknown algorithm %q; known: %s", name, strings.Join(Algorithms, ", "))
}
