// Package experiment trains a classifier end to end: the one place the command line
// (`dlopt train`), the notebooks and the benchmarks call to train.
//
// A [Config] names the model (linear, mlp, cnn from dlopt/models), the optimizer (by its
// PyTorch or optax name through dlopt/optim, or one of GoMLX's own), the learning rate and its
// schedule, epochs, batch size, seed, dtype and backend. [Train] validates it (errors name the
// bad value and what is allowed), feeds the training split through GoMLX's train.Trainer and
// train.Loop in batches shuffled by the seed (dlopt/data), evaluates the test split after every
// epoch and returns the per-epoch [EpochMetrics]: mean training loss over the epoch, test loss,
// test accuracy and wall time. [Callbacks] report progress while it runs.
//
// A run is repeatable: the seed fixes the initial weights and every batch. [Result.Steps]
// keeps the loss and the learning rate of every step ([StepCurve], [LearningRateCurve]); a
// diverged run (a NaN or infinite loss, or a parameter that an update left non-finite, checked
// in the training graph) stops with [ErrDiverged], naming the step, the parameter, the
// optimizer and its learning rate; Config.AllowNonFinite opts out for divergence demonstrations.
//
// Schedules: the presets of [Schedules] (constant, cosine, and with Config.Warmup steps
// warmup_constant and warmup_cosine, which is optax.warmup_cosine_decay_schedule), decaying over
// Config.ScheduleEpochs, or any torch or optax schedule of dlopt/optim/schedule as a
// [ScheduleSpec] in Config.LRSchedule. A hook sets the optimizer's learning rate before every
// step to the schedule's value at the global step.
//
// Checkpoints: with Config.Checkpoint ([Checkpointing]) set, Train saves the model's variables,
// the optimizer's state and hyperparameters, the global step, the RNG state (GoMLX's
// checkpoints package), the data loader's position and the metrics so far (state.json), every
// N steps or after every epoch, atomically, keeping the last [CheckpointsKept], each with a
// manifest of SHA-256 sums that [ReadCheckpoint] verifies. Callbacks.Stop ends a run after its
// current step with a checkpoint ([ErrInterrupted]); Checkpointing.Resume continues it, and
// the result equals an uninterrupted run's bit for bit (parameters and metrics, not wall times).
// A notebook cell that trains with Resume set continues after a kernel restart.
// A resumed run may have more Epochs (extending a finished run) or fewer (not below those done);
// a decaying preset's horizon must then be set in ScheduleEpochs, kept (the extended run equals
// an uninterrupted one with that horizon, bit for bit) or re-planned. Config.InitFrom starts a
// new run from a checkpoint's model weights with a fresh optimizer (fine-tuning).
//
// Runnable examples: ExampleTrain, ExampleStepCurve (`go doc -all` lists the API; the
// examples are in example_test.go and example_steps_test.go, rendered by pkg.go.dev-style tools).
//
// The trained model stays usable: [Result.Predict] and [Result.ConfusionMatrix] classify more
// data for notebooks; [WriteCSV] and [Curves] save and plot the history.
//
// # Simulated workers
//
// With Config.Workers = n > 1, Train trains n workers, each on its own shard of the training
// set (Config.Sharding: iid, label-skew or dirichlet), as decentralized SGD over Config.Topology with
// Config.Algorithm (package decentral; the trainer is package decentral/batched). The n models
// are one graph: every variable has a leading worker axis ([n, ...], batched.WorkerModel), a
// training batch is [n, BatchSize, ...] (worker i's rows from its own shard), and one step is
// one round of batched.Rounds: each worker's local step with the configured optimizer (which
// must update elementwise: batched.CouplesWorkers names those that do not), then mixing along
// the worker axis with the topology's matrix W, a variable of the store set before every round
// (a time-varying topology needs no recompilation). An epoch is one pass of every worker over its shard (floor(shard /
// BatchSize) steps); the batch loss is the mean over all workers' examples. After each epoch the
// consensus error sqrt(sum_i ||x_i - xbar||^2) over all parameters is recorded
// (EpochMetrics.ConsensusError), and the test split is evaluated with the workers' average
// model xbar, which Predict uses too. Checkpoints hold every worker's parameters, the
// optimizer's state, the round's state (exact diffusion's x - psi, gradient tracking's y and
// last gradient) and the step count. With the all-reduce topology and dsgd it is synchronous
// data-parallel SGD with an n times larger batch. ExampleTrain_workers shows a run.
//
// Real devices: an all-reduce run with SGD (torch:SGD or optax:sgd, whose data-parallel step is
// the simulated workers' exactly) on a backend with several devices trains one replicated model
// through GoMLX's own distributed execution instead: the workers' rows sharded over a
// DeviceMesh (dataset.NewDistributedAccumulator), train.Loop.RunSteps, AutoSharding; the
// simulated workers are its one-device reference (Config.Devices, Result.Devices). Only the Go
// backend and ONNX Runtime, one device each, were at hand: the device path is compiled and
// unit-tested in parts here, never run; bench/cmd/dpcheck (in the GPU kit) compares it with the
// simulated workers on a multi-GPU machine.
//
// Importing experiment imports github.com/dlopt/course/dlopt, which registers the fast
// matrix-product gradient.
package experiment

import _ "github.com/dlopt/course/dlopt" // registers the matrix-product gradient
