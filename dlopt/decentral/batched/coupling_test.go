package batched_test

import (
	"testing"

	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/decentral/batched"
	"github.com/dlopt/course/dlopt/optim"
)

// newLocal builds optimizer name of library with a small learning rate when it takes one.
func newLocal(t *testing.T, library, name string) *optim.Optimizer {
	t.Helper()
	key := map[string]string{optim.Torch: "lr", optim.Optax: "learning_rate"}[library]
	kwargs := map[string]any{key: 0.05}
	if name == "dadapt_adamw" || name == "prodigy" {
		// Their global step-size estimate d grows from estim_lr0 only once the steps are large
		// enough; with the defaults it stays put for the few rounds here, hiding the coupling.
		kwargs = map[string]any{key: 1.0, "estim_lr0": 1e-3}
	}
	opt, err := optim.New(library, name, kwargs)
	if err != nil {
		if opt, err = optim.New(library, name, nil); err != nil { // no learning rate (cocob, ...)
			t.Fatal(err)
		}
	}
	return opt
}

// workerAlone returns how far worker 0's iterates, trained next to worker 1 (no mixing: W = I),
// are from the same worker trained alone: 0 when the optimizer acts per worker.
func workerAlone(t *testing.T, library, name string) float64 {
	const n, b, d = 2, 3, 4
	rounds := 4
	if name == "dadapt_adamw" || name == "prodigy" {
		rounds = 30 // see newLocal
	}
	x0 := []float64{0.5, -0.25, 1, -2}
	batches := lsqBatches(rounds, n, b, d, 5)
	together := graphRun(t, newLocal(t, library, name), decentral.DSGD, [][]float64{{1, 0}, {0, 1}}, x0, batches)
	alone := make([]lsqBatch, rounds)
	for k, bt := range batches {
		alone[k] = lsqBatch{a: bt.a[:1], y: bt.y[:1]}
	}
	single := graphRun(t, newLocal(t, library, name), decentral.DSGD, [][]float64{{1}}, x0, alone)
	worst := 0.0
	for k := range rounds {
		worst = max(worst, maxDiff(t, "", [][]float64{together[k][0]}, single[k]))
	}
	return worst
}

// TestElementwiseOptimizersActPerWorker runs every optimizer that CouplesWorkers accepts next to
// a second worker and alone: the iterates must agree to float64 rounding. The optimizers it
// refuses must indeed couple (else the list refuses one for nothing).
func TestElementwiseOptimizersActPerWorker(t *testing.T) {
	for _, library := range []string{optim.Torch, optim.Optax} {
		for _, name := range optim.Names(library) {
			t.Run(library+":"+name, func(t *testing.T) {
				couples, why := batched.CouplesWorkers(library, name)
				diff := workerAlone(t, library, name)
				switch {
				case !couples && diff > 1e-12:
					t.Errorf("worker 0's iterates differ by %g from the worker trained alone: the optimizer couples the workers; list it in coupling", diff)
				case couples && diff <= 1e-12:
					t.Errorf("refused (%s), yet worker 0 trains as if alone (difference %g)", why, diff)
				}
			})
		}
	}
}
