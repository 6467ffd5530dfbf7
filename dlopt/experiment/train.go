package experiment

import (
	"fmt"

	"github.com/dlopt/course/dlopt/data"
)

// Datasets are the two splits of a classification problem.
type Datasets struct {
	Train, Test *data.Dataset
}

// LoadFashionMNIST reads both Fashion-MNIST splits (from data.Dir(): the Debian package
// dataset-fashion-mnist, or $DLOPT_DATA).
func LoadFashionMNIST() (Datasets, error) {
	trainSet, err := data.LoadFashionMNIST(data.Train)
	if err != nil {
		return Datasets{}, err
	}
	testSet, err := data.LoadFashionMNIST(data.Test)
	if err != nil {
		return Datasets{}, err
	}
	return Datasets{Train: trainSet, Test: testSet}, nil
}

// EpochMetrics are the figures of one epoch. Losses are softmax cross-entropies in nats.
type EpochMetrics struct {
	Epoch        int     // from 1
	TrainLoss    float64 // mean over the epoch's training examples of the loss at the step that used them
	TestLoss     float64 // mean over the test set, after the epoch
	TestAccuracy float64 // fraction of the test set classified correctly, in [0, 1]
	Seconds      float64 // wall time of the epoch's training steps (the first epoch includes compiling)
	EvalSeconds  float64 // wall time of the evaluation on the test set
	// Workers is Config.Workers for a run of simulated workers (> 1), else 0; ConsensusError is
	// then sqrt(sum_i ||x_i - xbar||^2) over all parameters after the epoch (see the package doc).
	Workers        int     `json:",omitempty"`
	ConsensusError float64 `json:",omitempty"`
	// Optimizer is the optimizer that ran, qualified as library:name ("optax:adam" for
	// Config.Optimizer "adam"), so that a metrics file says which library's definition it is.
	Optimizer string `json:",omitempty"`
}

// Progress is reported after every training step, for progress bars.
type Progress struct {
	Epoch, Epochs int     // current epoch (from 1) and total
	Step, Steps   int     // steps done in this epoch and steps per epoch
	GlobalStep    int     // steps done in the whole run, from 1
	BatchLoss     float64 // loss of the step's batch
	LearningRate  float64 // learning rate the step used (after the schedule)
}

// StepMetrics are the figures of one training step, kept for every step in [Result.Steps]:
// a one-epoch run still has a loss curve, and the schedule can be seen.
type StepMetrics struct {
	Step         int     `json:"step"`  // from 1, over the whole run
	Epoch        int     `json:"epoch"` // from 1
	Loss         float64 `json:"loss"`  // the batch's mean loss
	LearningRate float64 `json:"lr"`    // learning rate the step used
}

// Callbacks are optional hooks into [Train]; nil fields are skipped.
type Callbacks struct {
	// OnStep runs after every training step; keep it cheap.
	OnStep func(Progress)
	// OnEpoch runs after each epoch's evaluation; an error stops the training and is returned.
	OnEpoch func(EpochMetrics) error
	// Stop is asked after every training step; when it returns true, Train writes a checkpoint
	// (when Config.Checkpoint.Dir is set) and returns the result so far with an error wrapping
	// [ErrInterrupted]. `dlopt train` sets it from SIGINT and SIGTERM.
	Stop func() bool
}

// evalBatchSize is the batch of the test-set evaluation: larger than a typical training batch
// (fewer steps) but small enough for the CNN's im2col on the pure-Go backend.
const evalBatchSize = 250

// Train trains the classifier cfg describes on ds.Train with GoMLX's train.Trainer and
// train.Loop, evaluates it on ds.Test after every epoch and returns the history. The run is
// determined by cfg.Seed: the same seed gives the same initial weights, the same batches and
// (on the same backend) the same metrics.
//
// With cfg.Checkpoint.Dir set, Train writes checkpoints (see [Checkpointing]) and can resume
// from one: a run interrupted at any step and resumed ends with the same parameters, bit for
// bit, and the same metrics (all but the wall times) as an uninterrupted run.
//
// A run that fails after it started (a loss that became NaN or infinite: [ErrDiverged]; an
// error from cb.OnEpoch; cb.Stop: [ErrInterrupted]) returns the result so far, with the epochs
// completed, together with the error.
func Train(cfg Config, ds Datasets, cb Callbacks) (*Result, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	resume, err := checkpointToResume(cfg)
	if err != nil {
		return nil, err
	}
	rn, err := newRun(cfg, ds, cb, resume)
	if err != nil {
		return nil, err
	}
	if cb.Stop != nil && cb.Stop() && len(rn.result.History) < cfg.Epochs {
		// Asked while the data was loading: nothing new to save.
		rn.result.Close()
		return rn.result, fmt.Errorf("%w before the first step of this run", ErrInterrupted)
	}
	for e := len(rn.result.History) + 1; e <= cfg.Epochs; e++ {
		m, err := rn.epoch(e)
		if err != nil {
			return rn.result, err
		}
		rn.result.History = append(rn.result.History, m)
		if cb.OnEpoch != nil {
			if err := cb.OnEpoch(m); err != nil {
				return rn.result, err
			}
		}
		if rn.ckpt != nil && (cfg.Checkpoint.Every == 0 || e == cfg.Epochs) {
			if err := rn.saveCheckpoint(); err != nil {
				return rn.result, err
			}
		}
		if e < cfg.Epochs && cb.Stop != nil && cb.Stop() {
			// Asked during the evaluation: stop here rather than after one more step.
			return rn.result, rn.interrupt()
		}
	}
	if err := rn.keepEvalParams(); err != nil {
		return rn.result, err
	}
	return rn.result, nil
}
