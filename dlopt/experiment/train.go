package experiment

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/dlopt/course/dlopt/optim/schedule"
	"github.com/gomlx/gomlx/backends"
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

// Result is a finished training run: its metrics and the trained model, which can classify
// more data ([Result.Predict], [Result.ConfusionMatrix]).
type Result struct {
	Config  Config         // with the defaults filled in
	History []EpochMetrics // one entry per epoch
	Classes []string       // class names of the training set
	// TestSet is the test split as evaluated: the first Config.TestLimit examples, or all.
	TestSet *data.Dataset

	backend     backends.Backend
	ownsBackend bool
	ctx         *context.Context
	model       models.Model
	norm        data.Normalization
	height      int
	width       int
}

// Train trains the classifier cfg describes on ds.Train with GoMLX's train.Trainer and
// train.Loop, evaluates it on ds.Test after every epoch and returns the history. The run is
// determined by cfg.Seed: the same seed gives the same initial weights, the same batches and
// (on the same backend) the same metrics.
func Train(cfg Config, ds Datasets, cb Callbacks) (*Result, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
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
	loop := train.NewLoop(trainer)
	if cfg.Schedule == ScheduleCosine {
		setLR, err := opt.setLR(r.ctx)
		if err != nil {
			return nil, err
		}
		cosine, err := schedule.CosineDecay(cfg.LearningRate, cfg.Epochs*trainLoader.BatchesPerEpoch(), 0, 1)
		if err != nil {
			return nil, err
		}
		if err := schedule.DriveSchedule(loop, "cosine learning rate", cosine, setLR); err != nil {
			return nil, err
		}
	}

	counted := &countingDataset{Dataset: trainLoader}
	var epoch epochAccumulator
	loop.OnStep("dlopt experiment", 0, func(_ *train.Loop, stepMetrics []*tensors.Tensor) error {
		loss := shapes.ConvertTo[float64](stepMetrics[0].Value())
		epoch.add(loss, counted.lastBatch)
		if cb.OnStep != nil {
			cb.OnStep(Progress{Epoch: len(r.History) + 1, Epochs: cfg.Epochs, Step: epoch.steps,
				Steps: trainLoader.BatchesPerEpoch(), BatchLoss: loss})
		}
		return nil
	})

	for e := 1; e <= cfg.Epochs; e++ {
		epoch = epochAccumulator{}
		start := time.Now()
		if _, err := loop.RunEpochs(counted, 1); err != nil {
			return nil, fmt.Errorf("training %s with %s, epoch %d: %w", cfg.Model, cfg.Optimizer, e, err)
		}
		m := EpochMetrics{Epoch: e, TrainLoss: epoch.mean(), Seconds: time.Since(start).Seconds()}
		start = time.Now()
		restore := func() error { return nil }
		if opt.evaluated != nil {
			// Schedule-free methods and averages are evaluated at their evaluation parameters.
			if restore, err = optim.SwapInEvalParams(r.ctx, opt.evaluated); err != nil {
				return nil, fmt.Errorf("evaluating %s after epoch %d: %w", cfg.Model, e, err)
			}
		}
		evalMetrics, err := trainer.Eval(testLoader)
		if err != nil {
			return nil, fmt.Errorf("evaluating %s after epoch %d: %w", cfg.Model, e, err)
		}
		// After the last epoch the evaluation parameters stay, for Predict.
		if e < cfg.Epochs {
			if err := restore(); err != nil {
				return nil, err
			}
		}
		// Eval's metrics: mean loss with regularisation, mean loss, then ours (accuracy).
		m.TestLoss = shapes.ConvertTo[float64](evalMetrics[1].Value())
		m.TestAccuracy = shapes.ConvertTo[float64](evalMetrics[2].Value())
		m.EvalSeconds = time.Since(start).Seconds()
		r.History = append(r.History, m)
		if cb.OnEpoch != nil {
			if err := cb.OnEpoch(m); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

// prepareSplits checks that the splits fit together and applies the limits.
func prepareSplits(cfg Config, ds Datasets) (trainSet, testSet *data.Dataset, err error) {
	if ds.Train == nil || ds.Test == nil {
		return nil, nil, errors.New("experiment: both a training and a test dataset are needed")
	}
	for _, d := range []*data.Dataset{ds.Train, ds.Test} {
		if err := d.Validate(); err != nil {
			return nil, nil, err
		}
	}
	if ds.Train.Height != ds.Test.Height || ds.Train.Width != ds.Test.Width || ds.Train.NumClasses() != ds.Test.NumClasses() {
		return nil, nil, fmt.Errorf("experiment: training set %q has %dx%d images in %d classes but test set %q has %dx%d in %d",
			ds.Train.Name, ds.Train.Height, ds.Train.Width, ds.Train.NumClasses(),
			ds.Test.Name, ds.Test.Height, ds.Test.Width, ds.Test.NumClasses())
	}
	if trainSet, err = limit(ds.Train, cfg.TrainLimit, "train limit", true, cfg.Seed); err != nil {
		return nil, nil, err
	}
	if testSet, err = limit(ds.Test, cfg.TestLimit, "test limit", false, 0); err != nil {
		return nil, nil, err
	}
	if cfg.BatchSize > trainSet.N {
		return nil, nil, fmt.Errorf("%w: batch size %d is larger than the %d training examples", ErrInvalidConfig, cfg.BatchSize, trainSet.N)
	}
	return trainSet, testSet, nil
}

// limit keeps n examples of ds (all when n is 0): a random choice drawn from seed when random
// is set (a small training subset then still has every class), else the first n.
func limit(ds *data.Dataset, n int, what string, random bool, seed int64) (*data.Dataset, error) {
	if n == 0 || n == ds.N {
		return ds, nil
	}
	if n > ds.N {
		return nil, fmt.Errorf("%w: %s %d exceeds the %d examples of %q", ErrInvalidConfig, what, n, ds.N, ds.Name)
	}
	indices := make([]int, ds.N)
	for i := range indices {
		indices[i] = i
	}
	if random {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
		rng.Shuffle(len(indices), func(i, j int) { indices[i], indices[j] = indices[j], indices[i] })
	}
	return ds.Subset(fmt.Sprintf("%s[:%d]", ds.Name, n), indices[:n])
}

// buildModel returns the dlopt/models classifier cfg names.
func buildModel(cfg Config, classes int) (models.Model, error) {
	var m models.Model
	switch cfg.Model {
	case ModelLinear:
		m = models.Linear{Classes: classes, Bias: true}
	case ModelMLP:
		m = models.MLP{Hidden: cfg.Hidden, Classes: classes, Activation: models.ReLU}
	case ModelCNN:
		cnn := models.DefaultCNN
		cnn.Classes = classes
		m = cnn
	default:
		return nil, fmt.Errorf("experiment: model %q is unknown", cfg.Model) // Validate catches it first
	}
	return m, m.Validate()
}

// backendFor returns dlopt's shared backend, or a new one (owned by the result) when cfg names
// another configuration.
func backendFor(cfg Config) (b backends.Backend, owned bool, err error) {
	if cfg.Backend == "" || cfg.Backend == dlopt.BackendConfig() {
		b, err = dlopt.Backend()
		return b, false, err
	}
	b, err = dlopt.NewBackend(cfg.Backend)
	return b, true, err
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

// Context returns the GoMLX context holding the trained variables and the optimizer's state.
// For an optimizer with evaluation parameters (schedule-free methods, ASGD) the variables hold
// those, as in the last evaluation.
func (r *Result) Context() *context.Context { return r.ctx }

// Model returns the dlopt/models classifier that was trained.
func (r *Result) Model() models.Model { return r.model }

// Final returns the metrics of the last epoch.
func (r *Result) Final() EpochMetrics {
	if len(r.History) == 0 {
		return EpochMetrics{}
	}
	return r.History[len(r.History)-1]
}

// Close releases the backend if Train created one for Config.Backend; the shared backend of
// dlopt.Backend() stays open. The result cannot classify after Close.
func (r *Result) Close() {
	if r.ownsBackend && r.backend != nil {
		r.backend.Finalize()
	}
	r.backend = nil
}
