// Package batched trains n workers' models as one batched GoMLX graph with a leading worker
// axis: the decentralized algorithms of package decentral (D-SGD, exact diffusion, gradient
// tracking over any [decentral.Topology]) run on networks, with any elementwise dlopt optimizer
// as the local step. Package decentral keeps the mathematics and the float64 host simulations
// (pure Go and gonum); this package is the part that needs GoMLX.
//
// [WorkerModel] is a dlopt/models classifier (linear, MLP, CNN) with every variable given a
// leading worker axis [n, ...]: worker i's batch runs through worker i's slice, so n models cost
// one model n times as wide, in one GoMLX graph. [Rounds] is a GoMLX optimizer that makes one
// training step one round of an algorithm: it differentiates the sum of the workers' losses (so
// worker i's gradient slice is exactly its own gradient), takes the local step with any
// elementwise dlopt optimizer ([CouplesWorkers] names those that would mix the workers), and
// mixes along the worker axis ([Mix]) with the matrix [SetMixing] writes into the store before a
// round (a time-varying topology needs no recompilation). Its state (exact diffusion's x - psi,
// gradient tracking's y and last gradient) lives in the store under [StateScope], so checkpoints
// keep it.
//
// Algorithm names are decentral's ([decentral.Algorithms]) and mixing matrices come from
// [decentral.New]. The package's errors wrap decentral's kinds (errors.Is with
// [decentral.ErrInvalidValue], or [decentral.ErrUnknownName] for an algorithm name) and name the
// bad value; a base model's own invalid fields give dlopt/models' errors.
//
// experiment.Train runs all of it from Config.Workers, with shards and evaluation;
// ExampleNewRounds shows the pieces in GoMLX's train.Trainer.
package batched
