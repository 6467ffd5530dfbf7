package experiment

import (
	"errors"
	"fmt"
	"math"
	"time"

	"iter"

	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/decentral/batched"
	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/dlopt/course/dlopt/optim/schedule"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/metric"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// ErrDiverged is wrapped by the error of a run whose batch loss or parameters became NaN or
// infinite (unless Config.AllowNonFinite); the message names the step, the first parameter
// that went non-finite, the optimizer and its learning rate.
var ErrDiverged = errors.New("training diverged")

// ErrInterrupted is wrapped by the error of a run stopped by Callbacks.Stop.
var ErrInterrupted = errors.New("training interrupted")

// run is one training run in progress.
type run struct {
	cfg           Config
	result        *Result
	opt           *builtOptimizer
	trainer       *train.Trainer
	loop          *train.Loop
	trainLoader   trainSource // a data.Loader, or a workerLoader for Config.Workers > 1
	trainData     *countingDataset
	testLoader    *data.Loader
	stepsPerEpoch int
	lrAt          func(step int) float64 // learning rate of step (from 0)
	epochLoss     epochAccumulator       // of the epoch being trained
	epochStart    time.Time              // when this process started training the current epoch
	epochSeconds  float64                // training time of the current epoch before a resume
	cb            Callbacks
	ckpt          *checkpointer // nil without Config.Checkpoint.Dir
	savedAt       [2]int        // (step, epochs) of the last checkpoint, to write each state once
	stopErr       error         // why afterStep stopped the loop
	devices       *deviceData   // the workers' batches over several devices (all-reduce), else nil
}

// newRun builds everything a run needs: splits, model, optimizer, loaders, backend, store,
// trainer, loop and its hooks; from resume (nil for a new run) it restores the state of a
// checkpoint. cfg has been validated.
func newRun(cfg Config, ds Datasets, cb Callbacks, resume *Checkpoint) (*run, error) {
	trainSet, testSet, err := prepareSplits(cfg, ds)
	if err != nil {
		return nil, err
	}
	classifier, err := buildModel(cfg, trainSet.NumClasses())
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
	r := &Result{Config: cfg, Classes: trainSet.ClassNames, TestSet: testSet, model: classifier, norm: norm,
		height: trainSet.Height, width: trainSet.Width}
	if r.backend, r.ownsBackend, err = backendFor(cfg); err != nil {
		return nil, err
	}
	if r.Devices, err = devicesFor(cfg, r.backend, resume); err != nil {
		r.Close()
		return nil, err
	}
	if cfg.Workers > 1 && r.Devices == 1 { // simulated workers: one batched graph
		if classifier, err = forWorkers(cfg, classifier, opt); err != nil {
			r.Close()
			return nil, err
		}
		r.model = classifier
	}
	// The loaders build their batches in the backend's shared buffers (the Go backend's), which
	// the training and evaluation steps read without a copy.
	var trainLoader trainSource
	if cfg.Workers > 1 {
		trainLoader, err = newWorkerLoader(cfg, trainSet, norm, r.backend)
	} else {
		trainLoader, err = data.NewLoader(trainSet, data.LoaderConfig{
			BatchSize: cfg.BatchSize, Shuffle: true, Seed: uint64(cfg.Seed), DType: cfg.DType, Norm: norm, Backend: r.backend})
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	testLoader, err := data.NewLoader(testSet, data.LoaderConfig{
		BatchSize: min(evalBatchSize, testSet.N), DType: cfg.DType, Norm: norm, Backend: r.backend})
	if err != nil {
		r.Close()
		return nil, err
	}
	r.store = model.NewStore()
	if err := r.store.SetRNGStateFromSeed(cfg.Seed); err != nil {
		return nil, err
	}
	configureGoMLXRate(r.store, cfg)
	if cfg.InitFrom != "" && resume == nil {
		if err := initFromCheckpoint(cfg, r.backend, r.store, classifier, trainSet); err != nil {
			r.Close()
			return nil, err
		}
	}
	rn := &run{cfg: cfg, result: r, opt: opt, trainLoader: trainLoader, trainData: &countingDataset{Dataset: trainLoader},
		testLoader: testLoader, stepsPerEpoch: trainLoader.BatchesPerEpoch(), cb: cb}
	if r.Devices > 1 {
		rn.devices = &deviceData{workers: trainLoader.(*workerLoader), devices: r.Devices, backend: r.backend}
	}
	if cfg.Checkpoint.Dir != "" {
		// Attached before the trainer exists, so that every variable it creates (weights,
		// optimizer state, global step) takes its value from the checkpoint.
		if rn.ckpt, err = openCheckpointer(r.store, cfg.Checkpoint.Dir, resume); err != nil {
			r.Close()
			return nil, err
		}
	}
	modelFn, err := models.ModelFn(classifier)
	if err != nil {
		return nil, err
	}
	if wm, ok := classifier.(batched.WorkerModel); ok {
		if modelFn, err = wm.ModelFn(); err != nil {
			return nil, err
		}
	}
	accuracy := metric.NewSparseCategoricalAccuracy("Accuracy", "acc")
	var trained optimizer.Interface = opt.opt
	if !cfg.AllowNonFinite {
		trained = finiteGuard{opt.opt}
	}
	rn.trainer = train.NewTrainer(r.backend, r.store, modelFn, models.CrossEntropyLoss, trained, nil, []metric.Interface{accuracy})
	rn.loop = train.NewLoop(rn.trainer) // its LoopStep starts at the (restored) global step
	if cfg.Workers > 1 && rn.devices == nil {
		if err := rn.driveMixing(); err != nil {
			r.Close()
			return nil, err
		}
	}
	if err := rn.driveSchedule(); err != nil {
		r.Close()
		return nil, err
	}
	if resume != nil {
		if err := rn.restore(resume); err != nil {
			r.Close()
			return nil, err
		}
	}
	rn.loop.OnStep("dlopt experiment", 0, rn.afterStep)
	return rn, nil
}

// driveSchedule makes the loop set the learning rate before every step k (the global step, so
// a resumed run goes on where it was) to the schedule's value at k; rn.lrAt gives the same
// values to the step records.
func (rn *run) driveSchedule() error {
	lr, constant, err := rn.cfg.schedule(rn.stepsPerEpoch)
	if err != nil {
		return err
	}
	rn.lrAt = lr.Value
	if constant {
		return nil
	}
	setLR, err := rn.opt.setLR(rn.result.store)
	if err != nil {
		return err
	}
	return schedule.DriveSchedule(rn.loop, "learning rate", lr, setLR)
}

// afterStep is the loop's OnStep hook: it records the step, accumulates the epoch's loss,
// reports progress, stops a diverged run and writes the checkpoints due.
func (rn *run) afterStep(loop *train.Loop, stepMetrics []*tensors.Tensor) error {
	loss := shapes.ConvertTo[float64](stepMetrics[0].Value())
	step, epoch := loop.LoopStep+1, len(rn.result.History)+1 // LoopStep counts from 0 and moves on after the hooks
	lr := rn.lrAt(loop.LoopStep)
	rn.epochLoss.add(loss, rn.trainData.lastBatch)
	rn.result.Steps = append(rn.result.Steps, StepMetrics{Step: step, Epoch: epoch, Loss: loss, LearningRate: lr})
	if err := rn.divergence(step, epoch, loss, lr); err != nil {
		rn.stopErr = err
		return err
	}
	if rn.cb.OnStep != nil {
		rn.cb.OnStep(Progress{Epoch: epoch, Epochs: rn.cfg.Epochs, Step: rn.epochLoss.steps, Steps: rn.stepsPerEpoch,
			GlobalStep: step, BatchLoss: loss, LearningRate: lr})
	}
	if every := rn.cfg.Checkpoint.Every; rn.ckpt != nil && every > 0 && step%every == 0 {
		if err := rn.saveCheckpoint(); err != nil {
			rn.stopErr = err
			return err
		}
	}
	if rn.cb.Stop != nil && rn.cb.Stop() {
		rn.stopErr = rn.interrupt()
		return rn.stopErr
	}
	return nil
}

// interrupt writes a checkpoint (if checkpointing) of the state after the last step and
// returns the error that ends the run, wrapping ErrInterrupted.
func (rn *run) interrupt() error {
	step, epoch := len(rn.result.Steps), len(rn.result.History)+1
	at := fmt.Sprintf("after step %d (epoch %d, batch %d of %d)", step, epoch, rn.epochLoss.steps, rn.stepsPerEpoch)
	if rn.epochLoss.steps == 0 {
		at = fmt.Sprintf("after step %d (the end of epoch %d)", step, epoch-1)
	}
	if rn.ckpt == nil {
		return fmt.Errorf("%w %s", ErrInterrupted, at)
	}
	if err := rn.saveCheckpoint(); err != nil {
		return errors.Join(fmt.Errorf("%w %s", ErrInterrupted, at), err)
	}
	return fmt.Errorf("%w %s; checkpoint %s", ErrInterrupted, at, rn.result.Checkpoint)
}

// epoch trains epoch e (from 1), or what is left of it after a resume, and evaluates the
// model on the test split.
func (rn *run) epoch(e int) (EpochMetrics, error) {
	if rn.epochLoss.steps == 0 {
		rn.epochSeconds = 0
	}
	rn.epochStart = time.Now()
	if rn.epochLoss.steps < rn.stepsPerEpoch {
		if err := rn.trainEpoch(); err != nil {
			if rn.stopErr != nil {
				return EpochMetrics{}, rn.stopErr // ours, without GoMLX's "failed reading from Dataset"
			}
			return EpochMetrics{}, fmt.Errorf("training %s with %s, epoch %d: %w", rn.cfg.Model, rn.cfg.Optimizer, e, err)
		}
	} else {
		rn.trainLoader.Reset() // resumed at the end of the epoch's steps, before its evaluation
	}
	m := EpochMetrics{Epoch: e, TrainLoss: rn.epochLoss.mean(), Seconds: rn.epochSeconds + time.Since(rn.epochStart).Seconds(),
		Optimizer: QualifiedOptimizer(rn.cfg.Optimizer)}
	if err := rn.recordConsensus(&m); err != nil {
		return EpochMetrics{}, err
	}
	rn.epochLoss = epochAccumulator{}
	start := time.Now()
	var err error
	if m.TestLoss, m.TestAccuracy, err = rn.evaluate(); err != nil {
		return EpochMetrics{}, fmt.Errorf("evaluating %s after epoch %d: %w", rn.cfg.Model, e, err)
	}
	m.EvalSeconds = time.Since(start).Seconds()
	return m, nil
}

// evaluate returns the mean loss and the accuracy on the test split. Schedule-free methods and
// averages are evaluated at their evaluation parameters, then the trained ones are put back (so
// that checkpoints hold them and a run can be extended); [run.keepEvalParams] swaps them in
// for good at the end of the run.
func (rn *run) evaluate() (loss, accuracy float64, err error) {
	restore := func() error { return nil }
	if rn.opt.evaluated != nil {
		if restore, err = optim.SwapInEvalParams(rn.result.backend, rn.result.store, rn.opt.evaluated); err != nil {
			return 0, 0, err
		}
	}
	evalMetrics, err := rn.trainer.Eval(rn.testLoader)
	if err != nil {
		return 0, 0, err
	}
	if err := restore(); err != nil {
		return 0, 0, err
	}
	// Eval's metrics (GoMLX v0.28): the mean loss (the models have no regularisation term),
	// then ours (accuracy).
	return shapes.ConvertTo[float64](evalMetrics[0].Value()), shapes.ConvertTo[float64](evalMetrics[1].Value()), nil
}

// countingDataset passes batches through and remembers the size of the last one, so that the
// epoch's mean loss weights each batch by its number of examples.
type countingDataset struct {
	train.Dataset
	lastBatch int
}

func (c *countingDataset) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		for b, err := range c.Dataset.Iter() {
			if err == nil && len(b.Labels) > 0 {
				c.lastBatch = b.Labels[0].Shape().Dimensions[0]
			}
			if !yield(b, err) {
				return
			}
		}
	}
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

// keepEvalParams puts the evaluation parameters of a schedule-free method or an average into
// the store at the end of a run, after its last checkpoint (which holds the trained ones), so
// that Predict classifies with the parameters the last evaluation used.
func (rn *run) keepEvalParams() error {
	if rn.opt.evaluated == nil {
		return nil
	}
	if _, err := optim.SwapInEvalParams(rn.result.backend, rn.result.store, rn.opt.evaluated); err != nil {
		return fmt.Errorf("putting the evaluation parameters of %s into the store: %w", rn.cfg.Optimizer, err)
	}
	return nil
}
