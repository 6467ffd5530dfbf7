package experiment

import (
	"fmt"

	"math"
	"time"

	"github.com/dlopt/course/dlopt"

	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/dlopt/course/dlopt/optim/schedule"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/metrics"
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
}

// Progress is reported after every training step, for progress bars.
type Progress struct {
	Epoch, Epochs int     // current epoch (from 1) and total
	Step, Steps   int     // steps done in this epoch and steps per epoch
	BatchLoss     float64 // loss of the step's batch
}

// Callbacks are optional hooks into [Train]; nil fields are skipped.
type Callbacks struct {
	// OnStep runs after every training step; keep it cheap.
	OnStep func(Progress)
	// OnEpoch runs after each epoch's evaluation; an error stops the training and is returned.
	OnEpoch func(EpochMetrics) error
}

// evalBatchSize is the batch of the test-set evaluation: larger than a typical training batch
// (fewer steps) but small enough for the CNN's im2col on the pure-Go backend.
const evalBatchSize = 250

// Train trains the classifier cfg describes on ds.Train with GoMLX's train.Trainer and
// train.Loop, evaluates it on ds.Test after every epoch and returns the history. The run is
// determined by cfg.Seed: the same seed gives the same initial weights, the same batches and
// (on the same backend) the same metrics.
//
// A run that fails after it started (a loss that became NaN or infinite, an error from
// cb.OnEpoch) returns the result so far, with the epochs completed, together with the error.
func Train(cfg Config, ds Datasets, cb Callbacks) (*Result, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rn, err := newRun(cfg, ds, cb)
	if err != nil {
		return nil, err
	}
	for e := 1; e <= cfg.Epochs; e++ {
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
	}
	return rn.result, nil
}

// run is one training run in progress.
type run struct {
	cfg           Config
	result        *Result
	opt           *builtOptimizer
	trainer       *train.Trainer
	loop          *train.Loop
	trainData     *countingDataset
	testLoader    *data.Loader
	stepsPerEpoch int
	epochLoss     epochAccumulator // of the epoch being trained
	onStep        func(Progress)
}

// newRun builds everything a run needs: splits, model, optimizer, loaders, backend, context,
// trainer, loop and its hooks. cfg has been validated.
func newRun(cfg Config, ds Datasets, cb Callbacks) (*run, error) {
	trainSet, testSet, err := prepareSplits(cfg, ds)
	if err != nil {
		return nil, err
	}
	model, err := buildModel(cfg, trainSet.NumClasses())
	if err != nil {
		return nil, err
	}
	opt, err := buildOptimizer(cfg)
	if err != nil {
		return nil, err
	}
	norm := data.UnitRange
	if cfg.Normalization == NormStandardize {
		norm = data.Standardization(trainSet)
	}
	trainLoader, err := data.NewLoader(trainSet, data.LoaderConfig{
		BatchSize: cfg.BatchSize, Shuffle: true, Seed: uint64(cfg.Seed), DType: cfg.DType, Norm: norm})
	if err != nil {
		return nil, err
	}
	testLoader, err := data.NewLoader(testSet, data.LoaderConfig{
		BatchSize: min(evalBatchSize, testSet.N), DType: cfg.DType, Norm: norm})
	if err != nil {
		return nil, err
	}
	r := &Result{Config: cfg, Classes: trainSet.ClassNames, TestSet: testSet, model: model, norm: norm,
		height: trainSet.Height, width: trainSet.Width}
	if r.backend, r.ownsBackend, err = backendFor(cfg); err != nil {
		return nil, err
	}
	if r.ownsBackend && opt.evaluated != nil {
		r.Close()
		// optim.SwapInEvalParams computes the evaluation parameters on dlopt.Backend().
		return nil, fmt.Errorf("%w: optimizer %q is evaluated at averaged parameters, which needs the default backend "+
			"(set $%s=%s instead of Config.Backend)", ErrInvalidConfig, cfg.Optimizer, dlopt.BackendEnv, cfg.Backend)
	}
	r.ctx = context.New()
	if err := r.ctx.SetRNGStateFromSeed(cfg.Seed); err != nil {
		return nil, err
	}
	configureGoMLXRate(r.ctx, cfg)
	modelFn, err := models.ModelFn(model)
	if err != nil {
		return nil, err
	}
	accuracy := metrics.NewSparseCategoricalAccuracy("Accuracy", "acc")
	trainer := train.NewTrainer(r.backend, r.ctx, modelFn, models.CrossEntropyLoss, opt.opt, nil, []metrics.Interface{accuracy})
	rn := &run{cfg: cfg, result: r, opt: opt, trainer: trainer, loop: train.NewLoop(trainer),
		trainData: &countingDataset{Dataset: trainLoader}, testLoader: testLoader,
		stepsPerEpoch: trainLoader.BatchesPerEpoch(), onStep: cb.OnStep}
	if cfg.Schedule == ScheduleCosine {
		if err := rn.driveCosine(); err != nil {
			return nil, err
		}
	}
	rn.loop.OnStep("dlopt experiment", 0, rn.afterStep)
	return rn, nil
}

// driveCosine makes the loop set the learning rate before every step to
// lr (1 + cos(pi k / K)) / 2, k the step and K the steps of all epochs.
func (rn *run) driveCosine() error {
	setLR, err := rn.opt.setLR(rn.result.ctx)
	if err != nil {
		return err
	}
	cosine, err := schedule.CosineDecay(rn.cfg.LearningRate, rn.cfg.Epochs*rn.stepsPerEpoch, 0, 1)
	if err != nil {
		return err
	}
	return schedule.DriveSchedule(rn.loop, "cosine learning rate", cosine, setLR)
}

// afterStep is the loop's OnStep hook: it accumulates the epoch's loss and reports progress.
func (rn *run) afterStep(_ *train.Loop, stepMetrics []*tensors.Tensor) error {
	loss := shapes.ConvertTo[float64](stepMetrics[0].Value())
	rn.epochLoss.add(loss, rn.trainData.lastBatch)
	if rn.onStep != nil {
		rn.onStep(Progress{Epoch: len(rn.result.History) + 1, Epochs: rn.cfg.Epochs, Step: rn.epochLoss.steps,
			Steps: rn.stepsPerEpoch, BatchLoss: loss})
	}
	return nil
}

// epoch trains epoch e (from 1) and evaluates the model on the test split.
func (rn *run) epoch(e int) (EpochMetrics, error) {
	rn.epochLoss = epochAccumulator{}
	start := time.Now()
	if _, err := rn.loop.RunEpochs(rn.trainData, 1); err != nil {
		return EpochMetrics{}, fmt.Errorf("training %s with %s, epoch %d: %w", rn.cfg.Model, rn.cfg.Optimizer, e, err)
	}
	m := EpochMetrics{Epoch: e, TrainLoss: rn.epochLoss.mean(), Seconds: time.Since(start).Seconds()}
	start = time.Now()
	var err error
	if m.TestLoss, m.TestAccuracy, err = rn.evaluate(e == rn.cfg.Epochs); err != nil {
		return EpochMetrics{}, fmt.Errorf("evaluating %s after epoch %d: %w", rn.cfg.Model, e, err)
	}
	m.EvalSeconds = time.Since(start).Seconds()
	return m, nil
}

// evaluate returns the mean loss and the accuracy on the test split. Schedule-free methods and
// averages are evaluated at their evaluation parameters; after the last epoch (last) these stay
// in the context, for Predict, otherwise the trained ones are put back.
func (rn *run) evaluate(last bool) (loss, accuracy float64, err error) {
	restore := func() error { return nil }
	if rn.opt.evaluated != nil {
		if restore, err = optim.SwapInEvalParams(rn.result.ctx, rn.opt.evaluated); err != nil {
			return 0, 0, err
		}
	}
	evalMetrics, err := rn.trainer.Eval(rn.testLoader)
	if err != nil {
		return 0, 0, err
	}
	if !last {
		if err := restore(); err != nil {
			return 0, 0, err
		}
	}
	// Eval's metrics: mean loss with regularisation, mean loss, then ours (accuracy).
	return shapes.ConvertTo[float64](evalMetrics[1].Value()), shapes.ConvertTo[float64](evalMetrics[2].Value()), nil
}

// countingDataset passes batches through and remembers the size of the last one, so that the
// epoch's mean loss weights each batch by its number of examples.
type countingDataset struct {
	train.Dataset
	lastBatch int
}

func (c *countingDataset) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	spec, inputs, labels, err = c.Dataset.Yield()
	if err == nil && len(labels) > 0 {
		c.lastBatch = labels[0].Shape().Dimensions[0]
	}
	return spec, inputs, labels, err
}

// epochAccumulator sums batch losses weighted by batch size.
type epochAccumulator struct {
	sum      float64
	examples int
	steps    int
}

func (a *epochAccumulator) add(batchLoss float64, batchSize int) {
	a.sum += batchLoss * float64(batchSize)
	a.examples += batchSize
	a.steps++
}

func (a *epochAccumulator) mean() float64 {
	if a.examples == 0 {
		return math.NaN()
	}
	return a.sum / float64(a.examples)
}
