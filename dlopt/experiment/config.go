package experiment

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
)

// Model names accepted by [Config.Model].
const (
	ModelLinear = "linear" // the lecture's linear classifier s = Xh
	ModelMLP    = "mlp"    // feature extractor (dense layers) + linear classifier
	ModelCNN    = "cnn"    // conv, pool, conv, pool, dense
)

// Models lists the accepted model names, in the order the help text shows them.
var Models = []string{ModelLinear, ModelMLP, ModelCNN}

// Learning-rate schedules accepted by [Config.Schedule].
const (
	ScheduleConstant = "constant" // the learning rate stays at Config.LearningRate
	ScheduleCosine   = "cosine"   // one cosine half-period from Config.LearningRate down to 0 over all steps
	// ScheduleWarmupConstant rises linearly from 0 to Config.LearningRate over Config.Warmup
	// steps (lr k/W at step k, from 0), then stays there: optax.warmup_constant_schedule(0, lr, W).
	ScheduleWarmupConstant = "warmup_constant"
	// ScheduleWarmupCosine rises linearly from 0 to Config.LearningRate over Config.Warmup steps,
	// then decays along a cosine half-period to 0 over the remaining steps K - W: lr k/W for
	// k < W, lr (1 + cos(pi (k - W)/(K - W)))/2 after. It is optax.warmup_cosine_decay_schedule
	// (init_value=0, peak_value=lr, warmup_steps=W, decay_steps=K, end_value=0) exactly; torch's
	// SequentialLR(LinearLR, CosineAnnealingLR) differs at the first step (its LinearLR cannot
	// start at 0) and is available through Config.LRSchedule.
	ScheduleWarmupCosine = "warmup_cosine"
	// ScheduleWarmupLinear rises linearly from 0 to Config.LearningRate over Config.Warmup steps,
	// then decays linearly to 0 over the remaining steps: lr k/W for k < W, lr (K - k)/(K - W)
	// after (Hugging Face's get_linear_schedule_with_warmup; optax.join_schedules of two
	// linear_schedule).
	ScheduleWarmupLinear = "warmup_linear"
)

// Schedules lists the accepted schedule names (presets); [Config.LRSchedule] takes any other.
var Schedules = []string{ScheduleConstant, ScheduleCosine, ScheduleWarmupConstant, ScheduleWarmupCosine, ScheduleWarmupLinear}

// Input normalisations accepted by [Config.Normalization].
const (
	NormStandardize = "standardize" // (pixel - mean) / std, with the training set's mean and std
	NormUnit        = "unit"        // pixel / 255, in [0, 1]
)

// Normalizations lists the accepted normalisation names.
var Normalizations = []string{NormStandardize, NormUnit}

// Config describes one training run. The zero value of a field means "use the default" where
// a default is documented; [Config.WithDefaults] fills them in and [Config.Validate] checks the result.
type Config struct {
	// Model is one of [Models]. Default: linear.
	Model string
	// Hidden are the MLP's hidden-layer widths, input side first. Default: 256, 256. Only for mlp.
	Hidden []int
	// Optimizer is the optimizer's name, see [Optimizers] and [ResolveOptimizer]. Default: adam
	// (optax's adam). Names differ by case across libraries, with their own defaults: "AdamW"
	// is PyTorch's (weight_decay 0.01 by default), "adamw" optax's (weight_decay 1e-4).
	Optimizer string
	// OptimizerArgs are extra keyword arguments for the optimizer, with its library's names
	// (e.g. {"momentum": 0.9} for torch SGD); the learning rate goes in LearningRate.
	OptimizerArgs map[string]any
	// LearningRate is the (initial, or peak for the warmup presets) step size; it must be finite
	// and > 0. Default: 1e-3. Leave it 0 with an optax LRSchedule, which gives the rate itself.
	LearningRate float64
	// Schedule is one of the presets [Schedules]. Default: constant (unless LRSchedule is set).
	Schedule string
	// Warmup is the number of warmup steps of the warmup presets (warmup_constant,
	// warmup_cosine): >= 1 for them, less than the run's steps, and 0 for the others.
	Warmup int
	// ScheduleEpochs is the horizon, in epochs, of the presets that decay over the run (cosine,
	// warmup_cosine): their learning rate reaches 0 after that many epochs and stays there.
	// 0 means Epochs. A run extended to more epochs keeps its original horizon (see
	// [Checkpointing.Resume]) unless this says otherwise.
	ScheduleEpochs int
	// LRSchedule, instead of a preset, is any schedule of dlopt/optim/schedule: a torch
	// scheduler or an optax schedule, warmup compositions included (SequentialLR, join_schedules,
	// warmup_cosine_decay_schedule, ...). It sets the learning rate of every step.
	LRSchedule *ScheduleSpec `json:",omitempty"`
	// Normalization maps pixels to inputs: "standardize" (default: subtract the training set's
	// pixel mean, divide by its standard deviation) or "unit" (pixels in [0, 1]).
	Normalization string
	// Epochs is the number of passes over the training set, >= 1. Default: 1.
	Epochs int
	// BatchSize is the number of examples per step, >= 1. Default: 128.
	BatchSize int
	// Seed makes a run repeatable: it seeds the weight initialisation and the shuffling.
	Seed int64
	// DType is the floating-point type of weights and inputs: Float32 (default) or Float64.
	DType dtypes.DType
	// Backend is a backend configuration for dlopt.NewBackend ("go", "xla:cpu", ...);
	// empty means dlopt.Backend() (from $DLOPT_BACKEND, else $GOMLX_BACKEND, else "go").
	Backend string
	// TrainLimit and TestLimit, when > 0, keep only the first that many examples of each split
	// (for quick runs and tests). The training split is shuffled by Seed before it is cut.
	TrainLimit, TestLimit int
	// InitFrom is a checkpoint directory (".../checkpoints/ckpt-...") whose model weights this
	// new run starts from instead of random ones: fine-tuning, or a second phase with another
	// optimizer or schedule. Only the trainable variables are taken; the optimizer, its state,
	// the step count and the schedule start afresh. The model (Model, Hidden, DType) and the
	// image size must be the checkpoint's; the error names both otherwise.
	InitFrom string `json:",omitempty"`
	// AllowNonFinite lets a run go on when a parameter becomes NaN or infinite, or its batch
	// loss infinite (for demonstrations of divergence: the step records show it); a NaN batch
	// loss still ends it, with the steps so far, since GoMLX's train.Loop (v0.28) stops there.
	// By default the run stops with [ErrDiverged] at the first step that leaves a parameter
	// non-finite, naming the step and the parameter.
	AllowNonFinite bool `json:",omitempty"`
	// Workers is the number of simulated workers: 0 or 1 trains one model, as without it; n > 1
	// trains n models as one batched graph (package decentral/batched), each worker on its own
	// shard of the training set with BatchSize examples per step, mixing with its neighbours after
	// every step. Evaluation and Predict use the workers' average model. See the package doc.
	Workers int `json:",omitempty"`
	// Topology is the workers' communication graph, one of decentral.Names. Default: ring.
	Topology string `json:",omitempty"`
	// Algorithm is one of decentral.Algorithms. Default: dsgd.
	Algorithm string `json:",omitempty"`
	// Sharding is how the training set is split across the workers, one of [Shardings].
	// Default: iid.
	Sharding string `json:",omitempty"`
	// ShardClasses is label-skew's number of class chunks per worker (data.ShardByLabel): each
	// worker sees about that many classes. Default: 2.
	ShardClasses int `json:",omitempty"`
	// ShardAlpha is dirichlet sharding's concentration (data.ShardDirichlet): 0.1 very skewed,
	// 100 nearly iid. Default: 0.5.
	ShardAlpha float64 `json:",omitempty"`
	// Devices says where an all-reduce run (topology all-reduce, algorithm dsgd, optimizer torch
	// SGD or optax sgd, whose data-parallel step equals the simulated workers' exactly) trains:
	// 0 (default) on all the backend's devices when it has more than one and they divide
	// Workers, through GoMLX's distributed execution (the batch sharded over a DeviceMesh, one
	// replicated model); 1 always as simulated workers on one device (the reference); d > 1 on d
	// devices (an error if the backend has fewer). Not part of a run's identity: a checkpoint
	// resumes on other hardware. Result.Devices says what ran.
	Devices int `json:",omitempty"`
	// Checkpoint says where and when to save checkpoints and whether to resume from one; the
	// zero value saves none. It is not part of the run's identity: a resumed run may change it.
	Checkpoint Checkpointing `json:"-"`
}

// Defaults for the fields of [Config] left at their zero value.
const (
	DefaultModel         = ModelLinear
	DefaultOptimizer     = "adam"
	DefaultLearningRate  = 1e-3
	DefaultSchedule      = ScheduleConstant
	DefaultNormalization = NormStandardize
	DefaultEpochs        = 1
	DefaultBatchSize     = 128
)

// DefaultHidden are the MLP's hidden-layer widths when Config.Hidden is empty.
var DefaultHidden = []int{256, 256}

// ErrInvalidConfig is wrapped by every error of [Config.Validate].
var ErrInvalidConfig = errors.New("invalid training configuration")

// WithDefaults returns a copy of c with every zero-valued field that has a default filled in.
// LearningRate is filled in only when it is exactly 0: a negative or NaN value is kept so that
// Validate reports it.
func (c Config) WithDefaults() Config {
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if len(c.Hidden) == 0 && c.Model == ModelMLP {
		c.Hidden = slices.Clone(DefaultHidden)
	}
	if c.Optimizer == "" {
		c.Optimizer = DefaultOptimizer
	}
	if c.LearningRate == 0 && !c.optaxSpec() {
		c.LearningRate = DefaultLearningRate
	}
	if c.Schedule == "" && c.LRSchedule == nil {
		c.Schedule = DefaultSchedule
	}
	if c.Normalization == "" {
		c.Normalization = DefaultNormalization
	}
	if c.Epochs == 0 {
		c.Epochs = DefaultEpochs
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.DType == dtypes.InvalidDType {
		c.DType = dtypes.Float32
	}
	c = c.withWorkerDefaults()
	return c
}

// Validate checks every field; the error names the bad value and what is allowed. It does not
// fill in defaults: call it on the result of [Config.WithDefaults].
func (c Config) Validate() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !slices.Contains(Models, c.Model) {
		bad("model %q is unknown: allowed are %s", c.Model, strings.Join(Models, ", "))
	}
	if c.Model == ModelMLP {
		if len(c.Hidden) == 0 {
			bad("mlp needs at least one hidden layer width")
		}
		for i, h := range c.Hidden {
			if h < 1 {
				bad("hidden layer %d has width %d: widths must be >= 1", i+1, h)
			}
		}
	} else if len(c.Hidden) > 0 {
		bad("hidden layer widths %v are only for the mlp model, not %q", c.Hidden, c.Model)
	}
	if err := checkOptimizerName(c.Optimizer); err != nil {
		bad("%v", err)
	}
	switch {
	case c.optaxSpec() && c.LearningRate == 0: // the optax schedule gives the rate
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		bad("learning rate %g is invalid: it must be finite and > 0", c.LearningRate)
	case c.DType == dtypes.Float32 && c.LearningRate > math.MaxFloat32:
		bad("learning rate %g is invalid for Float32: it must be at most %g", c.LearningRate, math.MaxFloat32)
	}
	c.validateSchedule(bad)
	if !slices.Contains(Normalizations, c.Normalization) {
		bad("normalization %q is unknown: allowed are %s", c.Normalization, strings.Join(Normalizations, ", "))
	}
	if c.Epochs < 1 {
		bad("epochs %d is invalid: it must be >= 1", c.Epochs)
	}
	if c.BatchSize < 1 {
		bad("batch size %d is invalid: it must be >= 1", c.BatchSize)
	}
	if c.DType != dtypes.Float32 && c.DType != dtypes.Float64 {
		bad("dtype %s is not supported: allowed are Float32 and Float64", c.DType)
	}
	if c.TrainLimit < 0 {
		bad("train limit %d is invalid: it must be >= 0 (0 means the whole split)", c.TrainLimit)
	}
	if c.TestLimit < 0 {
		bad("test limit %d is invalid: it must be >= 0 (0 means the whole split)", c.TestLimit)
	}
	c.validateWorkers(bad)
	c.Checkpoint.validate(bad)
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(problems, "; "))
}
