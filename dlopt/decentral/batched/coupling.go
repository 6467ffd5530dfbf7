package batched

import (
	"fmt"
	"slices"

	"github.com/dlopt/course/dlopt/optim"
)

// coupling lists, per dlopt/optim library, the optimizers whose update of a parameter tensor
// depends on the whole tensor (a norm, a trust ratio, factored or cover-set statistics, an
// orthogonalisation) or on all parameters (a global distance or step-size estimate). On
// parameters with a leading worker axis such an update would mix the workers' states: worker i's
// step would depend on worker j's parameters without any communication. The rest update each
// element from its own gradient and state (and the step count), so they act per worker exactly
// (TestElementwiseOptimizersActPerWorker checks every one of them).
var coupling = map[string][]string{
	optim.Torch: {"Adafactor", "Muon"},
	optim.Optax: {"adafactor", "dadapt_adamw", "dog", "dowg", "fromage", "lamb", "lars", "muon", "novograd", "prodigy", "sm3"},
}

// CouplesWorkers reports whether optimizer name of library (optim.Torch or optim.Optax) would
// couple the workers of a worker-batched model (see [Rounds]), with the reason.
func CouplesWorkers(library, name string) (bool, string) {
	if slices.Contains(coupling[library], name) {
		return true, fmt.Sprintf("%s optimizer %q uses per-tensor or global statistics (norms, trust ratios, factored moments, "+
			"distance estimates), which on the workers' stacked parameters would couple the workers", library, name)
	}
	return false, ""
}

// ElementwiseOptimizers lists the optimizers of library that act per worker exactly: every
// registered name but those that couple the workers.
func ElementwiseOptimizers(library string) []string {
	var names []string
	for _, n := range optim.Names(library) {
		if couples, _ := CouplesWorkers(library, n); !couples {
			names = append(names, n)
		}
	}
	return names
}
