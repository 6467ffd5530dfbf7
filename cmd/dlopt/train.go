package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/experiment"
	"github.com/dlopt/course/dlopt/viz"
	"github.com/gomlx/compute/dtypes"
)

func init() {
	register("train", command{
		summary: "train a classifier on Fashion-MNIST; metrics, curves, confusion matrix and checkpoints go to --out",
		run:     runTrain,
	})
}

// trainFiles are the files `dlopt train` writes into --out.
const (
	metricsFile   = "metrics.csv"   // one row per epoch, see experiment.WriteCSV
	curvesFile    = "curves.png"    // losses and accuracy against the epoch
	stepsFile     = "steps.csv"     // loss and learning rate of every step, see experiment.WriteStepCSV
	stepCurveFile = "steps.png"     // the batch loss of every step
	confusionFile = "confusion.png" // the test set's confusion matrix after the last epoch
)

func runTrain(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("dlopt train")
	model := fs.String("model", experiment.DefaultModel, "model: "+strings.Join(experiment.Models, "|"))
	hidden := fs.String("hidden", "", "MLP hidden-layer widths, comma-separated (default 256,256)")
	optimizer := fs.String("optimizer", experiment.DefaultOptimizer,
		"optimizer: a PyTorch class name (Adam, SGD, ...), an optax name (adam, lion, ...), or library:name with library torch|optax|gomlx;\n"+
			"names differ by case across libraries, with their own defaults: AdamW is PyTorch's (weight_decay 0.01), adamw optax's (weight_decay 1e-4)")
	optArgs := fs.String("opt-args", "", `extra optimizer keyword arguments as a JSON object, e.g. '{"momentum": 0.9}'`)
	lr := fs.Float64("lr", experiment.DefaultLearningRate, "learning rate, > 0")
	sched := fs.String("schedule", experiment.DefaultSchedule, "learning-rate schedule preset: "+strings.Join(experiment.Schedules, "|")+
		";\nwarmup_* rise linearly from 0 to --lr over --warmup steps; cosine, warmup_cosine and warmup_linear decay to 0 at the end of\n"+
		"--schedule-epochs"+
		" (warmup_cosine is optax.warmup_cosine_decay_schedule(0, lr, warmup, total steps, 0))")
	sf := scheduleFlags{
		warmup: fs.Int("warmup", 0, "warmup steps of --schedule warmup_cosine|warmup_linear|warmup_constant (>= 1, fewer than the run's steps)"),
		epochs: fs.Int("schedule-epochs", 0, "epochs over which cosine, warmup_cosine and warmup_linear decay to 0 (0: --epochs); on --resume with more --epochs,\n"+
			"the original horizon is kept (the rate stays 0 after it) unless this re-plans it (the rate jumps)"),
		spec: fs.String("schedule-spec", "", "any torch or optax schedule as `JSON`, instead of --schedule: the fields of dlopt schedule --spec (library, class, kwargs), e.g.\n"+
			`'{"library": "torch", "class": "SequentialLR", "kwargs": {"schedulers": [["LinearLR", {"start_factor": 0.1, "total_iters": 100}], `+
			`["CosineAnnealingLR", {"T_max": 900}]], "milestones": [100]}}'`+"\n(torch starts from --lr; an optax schedule gives the rate itself: no --lr)"),
	}
	allowNonFinite := fs.Bool("allow-nonfinite", false, "go on when a parameter becomes NaN or infinite (demonstrations of divergence); by default the run\n"+
		"stops there, naming the step and the parameter (a NaN loss ends the run either way)")
	initFrom := fs.String("init-from", "", "start this new run from the model weights of a checkpoint directory (DIR/checkpoints/ckpt-...) with a fresh\n"+
		"optimizer and schedule: fine-tuning, a second phase; the model must be the same")
	epochs := fs.Int("epochs", experiment.DefaultEpochs, "number of epochs, >= 1")
	batch := fs.Int("batch", experiment.DefaultBatchSize, "batch size, >= 1")
	seed := fs.Int64("seed", 0, "seed of the weight initialisation and the shuffling")
	norm := fs.String("norm", experiment.DefaultNormalization, "input normalisation: "+strings.Join(experiment.Normalizations, "|"))
	dtype := fs.String("dtype", "float32", "float32|float64")
	backend := fs.String("backend", "", "backend configuration (go, xla:cpu, xla:cuda, xla:/path/plugin.so); default $DLOPT_BACKEND, else $GOMLX_BACKEND, else go")
	trainLimit := fs.Int("train-limit", 0, "train on this many examples drawn with the seed (0: all 60000)")
	testLimit := fs.Int("test-limit", 0, "evaluate on the first this many test examples (0: all 10000)")
	out := fs.String("out", "", "directory for metrics.csv, steps.csv, curves.png, steps.png, confusion.png and checkpoints/ (created if missing); required")
	quiet := fs.Bool("quiet", false, "no progress bar")
	ckf := checkpointFlags{
		every:  fs.Int("checkpoint-every", 0, "write a checkpoint into --out/checkpoints every N training steps (0: after every epoch)"),
		off:    fs.Bool("no-checkpoint", false, "write no checkpoints (the run cannot be resumed)"),
		resume: fs.Bool("resume", false, "continue the run checkpointed in --out/checkpoints; the training flags are read back from its checkpoint"),
		from:   fs.String("resume-from", "", "continue from this checkpoint directory (--out/checkpoints/ckpt-...) instead of the newest; implies --resume"),
	}
	wf := addWorkerFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dlopt train --model linear|mlp|cnn --optimizer NAME --lr X --epochs N --batch B --seed S --out DIR [flags]")
		fmt.Fprintln(stderr, "       dlopt train --workers N --topology ring --algorithm dsgd --sharding label-skew --model mlp --out DIR [flags]")
		fmt.Fprintln(stderr, "       dlopt train --resume --out DIR    (after Ctrl-C, a crash or a closed lid)")
		fmt.Fprintln(stderr, "       dlopt train --resume --out DIR --epochs N    (extend a run to N epochs; a decaying schedule keeps its horizon)")
		fmt.Fprintln(stderr, "       dlopt train --init-from DIR/checkpoints/ckpt-... --out NEWDIR [flags]    (a new run from saved weights)")
		fs.PrintDefaults()
	}
	if code, stop := parseFlags(fs, args, stderr); stop {
		return code
	}
	usageError := func(format string, a ...any) int { return fail(stderr, "dlopt train", usagef(format, a...)) }
	if err := unexpectedArgs(fs); err != nil {
		return fail(stderr, "dlopt train", err)
	}
	if *out == "" {
		return usageError("--out DIR is required: where metrics.csv, steps.csv, the plots and the checkpoints go")
	}
	cfg := experiment.Config{
		Model: *model, Optimizer: *optimizer, LearningRate: *lr, Schedule: *sched, Epochs: *epochs,
		BatchSize: *batch, Seed: *seed, Normalization: *norm, Backend: *backend,
		TrainLimit: *trainLimit, TestLimit: *testLimit, AllowNonFinite: *allowNonFinite, InitFrom: *initFrom,
	}
	var err error
	if msg := sf.apply(&cfg, fs); msg != "" {
		return usageError("%s", msg)
	}
	if cfg.Hidden, err = parseWidths(*hidden); err != nil {
		return usageError("--hidden %q: %v", *hidden, err)
	}
	if cfg.DType, err = parseDType(*dtype); err != nil {
		return usageError("--dtype %q: %v", *dtype, err)
	}
	if *optArgs != "" {
		dec := json.NewDecoder(strings.NewReader(*optArgs))
		if err := dec.Decode(&cfg.OptimizerArgs); err != nil || dec.More() {
			return usageError("--opt-args %q is not a JSON object: %v", *optArgs, err)
		}
	}
	// Zero values mean "default" in Config; on the command line they are mistakes.
	if *lr == 0 {
		return usageError("learning rate 0 is invalid: it must be finite and > 0")
	}
	if *epochs == 0 {
		return usageError("epochs 0 is invalid: it must be >= 1")
	}
	if *batch == 0 {
		return usageError("batch size 0 is invalid: it must be >= 1")
	}
	if err := wf.apply(&cfg, fs); err != nil {
		return usageError("%v", err)
	}
	cfg = cfg.WithDefaults()
	if code, msg := ckf.apply(&cfg, fs, *out, stderr); code != 0 {
		if code == 2 {
			return usageError("%s", msg)
		}
		fmt.Fprintln(stderr, "dlopt train:", msg)
		return code
	}
	if err := cfg.Validate(); err != nil {
		return usageError("%v", err)
	}

	stop := catchInterrupts(stderr)
	defer stop.release()
	created := missingDirs(*out, checkpointsDir)
	err = trainAndWrite(cfg, *out, !*quiet && isTerminal(stderr), stop, stdout, stderr)
	if err != nil {
		removeEmptyDirs(created) // a failed run leaves no empty --out behind
	}
	switch {
	case err == nil:
		return 0
	case isUsage(err):
		return fail(stderr, "dlopt train", err)
	case errors.Is(err, dlopt.ErrUnknownBackend): // a typo, not a backend missing here
		return fail(stderr, "dlopt train", asUsage(err))
	case errors.Is(err, experiment.ErrInterrupted):
		fmt.Fprintln(stderr, "dlopt train:", err)
		if latest, _ := experiment.LatestCheckpoint(cfg.Checkpoint.Dir); cfg.Checkpoint.Dir != "" && latest != "" {
			fmt.Fprintln(stderr, "resume with:", ckf.resumeCommand(*out))
		} else {
			fmt.Fprintln(stderr, "no checkpoint was written: this run cannot be resumed")
		}
		return stop.exitCode()
	}
	fmt.Fprintln(stderr, "dlopt train:", damagedHint(err, *out))
	return 1
}

// trainAndWrite runs the experiment and writes its files into dir.
func trainAndWrite(cfg experiment.Config, dir string, bar bool, stop *interrupts, stdout, stderr io.Writer) error {
	ds, err := experiment.LoadFashionMNIST()
	if err != nil {
		return err
	}
	// After the data, before the hours of training: an --out that cannot be made fails now.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating --out directory: %w", err)
	}
	backend := cfg.Backend
	if backend == "" {
		backend = dlopt.BackendConfig()
	}
	fmt.Fprintf(stdout, "training %s with %s, %s, %d epochs, batch %d, seed %d, backend %s\n",
		cfg.Model, experiment.QualifiedOptimizer(cfg.Optimizer), experiment.ScheduleDescription(cfg), cfg.Epochs, cfg.BatchSize, cfg.Seed, backend)
	printWorkers(stdout, cfg)
	if from := cfg.Checkpoint.From; from != "" {
		fmt.Fprintf(stdout, "resuming from %s\n", from)
		if note := extensionNote(cfg); note != "" {
			fmt.Fprintln(stdout, note)
		}
	} else if cfg.InitFrom != "" {
		fmt.Fprintf(stdout, "starting from the model weights of %s (fresh optimizer and schedule)\n", cfg.InitFrom)
	}
	cb := experiment.Callbacks{Stop: stop.requested}
	var progress *progressBar
	if bar {
		progress = &progressBar{w: stderr}
		cb.OnStep = progress.update
	}
	cb.OnEpoch = func(m experiment.EpochMetrics) error {
		progress.clear()
		fmt.Fprintln(stdout, m)
		return nil
	}
	result, err := experiment.Train(cfg, ds, cb)
	progress.clear()
	if result != nil && result.Checkpoint != "" && err == nil {
		fmt.Fprintf(stdout, "checkpoint %s\n", result.Checkpoint)
	}
	if errors.Is(err, experiment.ErrInvalidConfig) {
		return asUsage(err) // a setting that does not fit the data: the caller's mistake
	}
	if result == nil {
		return err
	}
	defer result.Close()
	if err != nil {
		// A run that diverged still shows its curves up to the last complete epoch.
		if len(result.History) > 0 {
			if werr := writeMetrics(result, dir, stdout); werr != nil {
				return errors.Join(err, werr)
			}
		}
		return err
	}
	if err := writeMetrics(result, dir, stdout); err != nil {
		return err
	}
	counts, err := result.ConfusionMatrix(result.TestSet)
	if err != nil {
		return err
	}
	confusionPath := filepath.Join(dir, confusionFile)
	if err := viz.Confusion(counts, result.Classes, "test set, "+runTitle(result.Config)).Save(confusionPath); err != nil {
		return fmt.Errorf("writing %s: %w", confusionPath, err)
	}
	fmt.Fprintf(stdout, "final test accuracy %.2f%%; wrote %s\n", 100*result.Final().TestAccuracy, confusionPath)
	return nil
}

func runTitle(cfg experiment.Config) string {
	lr := fmt.Sprintf("lr %g", cfg.LearningRate)
	if cfg.LRSchedule != nil {
		lr = cfg.LRSchedule.Library + ":" + cfg.LRSchedule.Class
	} else if cfg.Schedule != experiment.ScheduleConstant {
		lr += " " + cfg.Schedule
	}
	return fmt.Sprintf("%s, %s %s, batch %d", cfg.Model, experiment.QualifiedOptimizer(cfg.Optimizer), lr, cfg.BatchSize) + workersTitle(cfg)
}

// writeMetrics writes metrics.csv and curves.png of the epochs done, steps.csv and steps.png
// of the steps.
func writeMetrics(result *experiment.Result, dir string, stdout io.Writer) error {
	var csv, stepCSV bytes.Buffer
	if err := experiment.WriteCSV(&csv, result.History); err != nil {
		return err
	}
	if err := experiment.WriteStepCSV(&stepCSV, result.Steps); err != nil {
		return err
	}
	metricsPath, curvesPath := filepath.Join(dir, metricsFile), filepath.Join(dir, curvesFile)
	stepsPath, stepCurvePath := filepath.Join(dir, stepsFile), filepath.Join(dir, stepCurveFile)
	if err := os.WriteFile(metricsPath, csv.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(stepsPath, stepCSV.Bytes(), 0o644); err != nil {
		return err
	}
	if err := experiment.Curves(result.History, runTitle(result.Config)).Save(curvesPath); err != nil {
		return fmt.Errorf("writing %s: %w", curvesPath, err)
	}
	if err := experiment.StepCurve(result.Steps, runTitle(result.Config), false).Save(stepCurvePath); err != nil {
		return fmt.Errorf("writing %s: %w", stepCurvePath, err)
	}
	fmt.Fprintf(stdout, "wrote %s, %s, %s and %s\n", metricsPath, curvesPath, stepsPath, stepCurvePath)
	return nil
}

func parseWidths(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var widths []int
	for _, f := range strings.Split(s, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("want comma-separated integers such as 256,256")
		}
		widths = append(widths, w)
	}
	return widths, nil
}

func parseDType(s string) (dtypes.DType, error) {
	switch strings.ToLower(s) {
	case "float32", "f32":
		return dtypes.Float32, nil
	case "float64", "f64":
		return dtypes.Float64, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("allowed are float32 and float64")
}

// isTerminal reports whether w is a terminal, where a progress bar that redraws its line
// makes sense (not a pipe or a file).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// progressBar redraws one line on a terminal: epoch, a bar over the epoch's steps, the batch
// loss. It redraws at most every 100 ms.
type progressBar struct {
	w     io.Writer
	last  time.Time
	drawn bool
}

func (p *progressBar) update(pr experiment.Progress) {
	if time.Since(p.last) < 100*time.Millisecond && pr.Step < pr.Steps {
		return
	}
	p.last = time.Now()
	const width = 30
	done := width * pr.Step / max(pr.Steps, 1)
	fmt.Fprintf(p.w, "\r\033[Kepoch %d/%d [%s%s] %d/%d batch loss %.4f lr %.3g",
		pr.Epoch, pr.Epochs, strings.Repeat("=", done), strings.Repeat(" ", width-done), pr.Step, pr.Steps, pr.BatchLoss, pr.LearningRate)
	p.drawn = true
}

// clear erases the bar's line so that the epoch summary starts on a clean line.
func (p *progressBar) clear() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}
