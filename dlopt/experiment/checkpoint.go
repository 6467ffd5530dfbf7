package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
)

// Checkpointing says where and when [Train] saves checkpoints, and whether it resumes from one.
// The zero value saves none.
//
// A checkpoint holds everything the rest of the run depends on: the model's variables, the
// optimizer's state and hyperparameters, the global step (so the schedule's position), the RNG
// state (GoMLX's checkpoints package saves these), the data loader's position in its epoch
// (the shuffle is a function of the seed and the epoch number), and the metrics so far. See
// [Checkpoint] for the files.
type Checkpointing struct {
	// Dir is the directory the checkpoints go in (created if missing); empty means none. The
	// newest [CheckpointsKept] are kept.
	Dir string
	// Every is the number of training steps between checkpoints; 0 means one after every epoch.
	// Either way one is written at the end of the run and when Callbacks.Stop stops it.
	Every int
	// Resume continues the run from the newest checkpoint in Dir, if there is one, and starts a
	// new run otherwise: a notebook cell re-run after a kernel restart goes on where it was.
	// Without Resume, a Dir that already holds checkpoints is an error, so that a new run does not
	// mix its checkpoints with an older one's. The checkpoint's configuration must equal this
	// one (all fields but Checkpoint): a difference is an error naming both values.
	Resume bool
	// From is one checkpoint's directory to resume from instead of the newest in Dir (e.g. the
	// previous one when the newest is damaged). It implies Resume. The checkpoints of Dir newer
	// than From are renamed superseded-NAME (kept, no longer used).
	From string
}

// validate adds c's problems to bad.
func (c Checkpointing) validate(bad func(format string, args ...any)) {
	if c.Every < 0 {
		bad("checkpoint every %d steps is invalid: it must be >= 1, or 0 for once per epoch", c.Every)
	}
	if c.Dir == "" && (c.Every != 0 || c.Resume || c.From != "") {
		bad("checkpoint settings %+v need a directory (Checkpointing.Dir)", c)
	}
}

// checkpointToResume returns the verified checkpoint cfg resumes from, or nil for a new run.
func checkpointToResume(cfg Config) (*Checkpoint, error) {
	c := cfg.Checkpoint
	if c.Dir == "" {
		return nil, nil
	}
	path := c.From
	if path == "" {
		latest, err := LatestCheckpoint(c.Dir)
		if err != nil || latest == "" {
			return nil, err
		}
		if !c.Resume {
			return nil, fmt.Errorf("%w: %s already holds checkpoints of a run (newest %s): resume it (Checkpointing.Resume) "+
				"or choose another directory", ErrInvalidConfig, c.Dir, latest)
		}
		path = latest
	}
	ck, err := ReadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	if diffs := configDiff(ck.Config, cfg); len(diffs) > 0 {
		return nil, fmt.Errorf("%w: checkpoint %s was written by a different run: %s", ErrInvalidConfig, path, strings.Join(diffs, "; "))
	}
	if err := checkExtension(ck, cfg); err != nil {
		return nil, fmt.Errorf("%w: resuming checkpoint %s: %v", ErrInvalidConfig, path, err)
	}
	return ck, nil
}

// configDiff lists the fields, all but Checkpoint, in which the checkpoint's configuration saved
// differs from given, each naming both values.
func configDiff(saved, given Config) []string {
	js := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
	// OptimizerArgs went through JSON in the checkpoint (3 became 3.0): compare both that way.
	var givenArgs map[string]any
	_ = json.Unmarshal([]byte(js(given.OptimizerArgs)), &givenArgs)
	fields := []struct {
		name         string
		saved, given any
	}{
		{"model", saved.Model, given.Model},
		{"hidden layers", saved.Hidden, given.Hidden},
		{"optimizer", saved.Optimizer, given.Optimizer},
		{"optimizer arguments", saved.OptimizerArgs, givenArgs},
		{"learning rate", saved.LearningRate, given.LearningRate},
		{"schedule", saved.Schedule, given.Schedule},
		{"warmup", saved.Warmup, given.Warmup},
		{"schedule spec", saved.LRSchedule, given.LRSchedule},
		{"weights to init from", saved.InitFrom, given.InitFrom},
		{"normalization", saved.Normalization, given.Normalization},
		{"batch size", saved.BatchSize, given.BatchSize},
		{"seed", saved.Seed, given.Seed},
		{"dtype", saved.DType.String(), given.DType.String()},
		{"backend", saved.Backend, given.Backend},
		{"train limit", saved.TrainLimit, given.TrainLimit},
		{"test limit", saved.TestLimit, given.TestLimit},
	}
	var diffs []string
	for _, f := range fields {
		if s, g := js(f.saved), js(f.given); s != g {
			diffs = append(diffs, fmt.Sprintf("its %s is %s, this run's is %s", f.name, s, g))
		}
	}
	if s, g := js(workersOf(saved)), js(workersOf(given)); s != g {
		diffs = append(diffs, fmt.Sprintf("its workers are %s, this run's are %s", s, g))
	}
	return diffs
}

// checkpointer writes a run's checkpoint. GoMLX's handler saves the store into a staging
// directory; commitCheckpoint moves the files into a checkpoint of their own with the state.
type checkpointer struct {
	dir     string
	handler *checkpoint.Handler
	nextSeq int
}

// openCheckpointer prepares dir and attaches GoMLX's checkpoint handler to store, loaded with the
// variables of resume when it is not nil.
func openCheckpointer(store *model.Store, dir string, resume *Checkpoint) (*checkpointer, error) {
	fail := func(err error) (*checkpointer, error) {
		return nil, fmt.Errorf("%w: preparing checkpoint directory %s: %v", ErrCheckpoint, dir, err)
	}
	if err := cleanCheckpointDir(dir); err != nil {
		return fail(err)
	}
	_, maxSeq, err := listCheckpoints(dir)
	if err != nil {
		return nil, err
	}
	staging := filepath.Join(dir, stagingDirName)
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return fail(err)
	}
	if resume != nil {
		if err := supersede(dir, resume.Path); err != nil {
			return fail(err)
		}
		base, err := verifyCheckpoint(resume.Path)
		if err != nil {
			return nil, &DamagedCheckpointError{Path: resume.Path, Err: err, Previous: previousIntact(resume.Path)}
		}
		// GoMLX loads the newest checkpoint of its directory: give it this one's files (links,
		// the checkpoint itself stays as it is).
		for _, ext := range []string{checkpoint.JsonNameSuffix, checkpoint.BinDataSuffix} {
			if err := linkOrCopy(filepath.Join(resume.Path, base+ext), filepath.Join(staging, base+ext)); err != nil {
				return fail(err)
			}
		}
	}
	h, err := checkpoint.Build(store).Dir(staging).Keep(1).WithCompression(checkpoint.BinUncompressed).Done()
	if err != nil {
		return fail(err)
	}
	return &checkpointer{dir: dir, handler: h, nextSeq: maxSeq + 1}, nil
}

// supersede renames the checkpoints of dir newer than from (a run resumed from an older one
// abandons them) to superseded-NAME: kept for inspection, no longer listed, pruned or resumed,
// so that the last two checkpoints are the resumed run's.
func supersede(dir, from string) error {
	paths, _, err := listCheckpoints(dir)
	if err != nil {
		return err
	}
	i := slices.Index(paths, filepath.Clean(from))
	if i < 0 {
		return nil // from is elsewhere: dir's checkpoints are not newer states of it
	}
	for _, p := range paths[i+1:] {
		if err := os.Rename(p, filepath.Join(dir, "superseded-"+filepath.Base(p))); err != nil {
			return err
		}
	}
	return nil
}

func linkOrCopy(src, dst string) error {
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// saveCheckpoint writes the run's current state as a new checkpoint, unless that state was
// the last one written, and records its path in Result.Checkpoint.
func (rn *run) saveCheckpoint() error {
	step := int(rn.trainer.GlobalStep()) // not loop.LoopStep: inside a step hook it has not moved on yet
	at := [2]int{step, len(rn.result.History)}
	if at == rn.savedAt && rn.result.Checkpoint != "" {
		return nil
	}
	state := &Checkpoint{Config: rn.cfg, Step: step, Epochs: len(rn.result.History), Batch: rn.epochLoss.steps,
		StepsPerEpoch: rn.stepsPerEpoch, History: rn.result.History, Steps: rn.result.Steps}
	state.EpochLoss.Sum, state.EpochLoss.Examples, state.EpochLoss.Steps = rn.epochLoss.sum, rn.epochLoss.examples, rn.epochLoss.steps
	state.Config.Checkpoint = Checkpointing{}
	if state.Batch > 0 {
		state.EpochSeconds = rn.epochSeconds + time.Since(rn.epochStart).Seconds()
	}
	previous := rn.result.Checkpoint
	if previous == "" {
		previous = "(none)"
	}
	c := rn.ckpt
	// GoMLX's metrics keep their running sums in variables named with a fresh UUID per run:
	// reset before use, not needed to resume, and they would pile up with every resume.
	for v := range rn.result.store.IterVariables() {
		if strings.HasPrefix(v.Scope(), "/metrics/") || v.Scope() == finiteCheckScope {
			c.handler.ExcludeVarsFromSaving(v)
		} else if v.Trainable {
			state.Trainable = append(state.Trainable, v.Path())
		}
	}
	if err := c.handler.Save(); err != nil {
		return fmt.Errorf("%w: writing a checkpoint into %s: %v; the previous checkpoint %s is intact", ErrCheckpoint, c.dir, err, previous)
	}
	bases, err := c.handler.ListCheckpoints()
	if err != nil || len(bases) == 0 {
		return fmt.Errorf("%w: GoMLX wrote no checkpoint into %s (%v)", ErrCheckpoint, c.handler.Dir(), err)
	}
	base := filepath.Join(c.handler.Dir(), bases[len(bases)-1])
	path, err := commitCheckpoint(c.dir, c.nextSeq, []string{base + checkpoint.JsonNameSuffix, base + checkpoint.BinDataSuffix}, state)
	if err != nil {
		return fmt.Errorf("%w: writing %s: %v; the previous checkpoint %s is intact", ErrCheckpoint, path, err, previous)
	}
	c.nextSeq++
	rn.savedAt = at
	rn.result.Checkpoint = path
	return nil
}

// restore puts the run where the checkpoint ck left it; the store's variables come from
// GoMLX's checkpoint as the trainer creates them.
func (rn *run) restore(ck *Checkpoint) error {
	if ck.StepsPerEpoch != rn.stepsPerEpoch {
		return fmt.Errorf("%w: checkpoint %s has %d steps per epoch, this data gives %d: it is not the same training set",
			ErrInvalidConfig, ck.Path, ck.StepsPerEpoch, rn.stepsPerEpoch)
	}
	if rn.loop.LoopStep != ck.Step || ck.Epochs*rn.stepsPerEpoch+ck.Batch != ck.Step || len(ck.Steps) != ck.Step {
		return fmt.Errorf("%w: checkpoint %s is inconsistent: global step %d, %s says step %d = epoch %d, batch %d, with %d step records",
			ErrCheckpoint, ck.Path, rn.loop.LoopStep, stateFile, ck.Step, ck.Epochs, ck.Batch, len(ck.Steps))
	}
	if err := rn.trainLoader.Seek(ck.Epochs, ck.Batch); err != nil {
		return err
	}
	// Load the model's parameters now rather than when the first training graph asks for them:
	// an evaluation at averaged parameters (optim.SwapInEvalParams) that comes first, when the
	// run resumes at the end of an epoch's steps, looks for the trainable variables of the
	// store. The optimizer's state stays for its own code to load (and mark not trainable).
	for _, name := range ck.Trainable {
		if rn.result.store.GetVariable(name) == nil {
			return fmt.Errorf("%w: checkpoint %s lacks the variable %s", ErrCheckpoint, ck.Path, name)
		}
	}
	rn.result.History = slices.Clone(ck.History)
	for i := range rn.result.History { // written before EpochMetrics named the optimizer
		if rn.result.History[i].Optimizer == "" {
			rn.result.History[i].Optimizer = QualifiedOptimizer(rn.cfg.Optimizer)
		}
	}
	rn.result.Steps = slices.Clone(ck.Steps)
	rn.result.Checkpoint, rn.result.ResumedFrom = ck.Path, ck.Path
	rn.epochLoss = epochAccumulator{sum: ck.EpochLoss.Sum, examples: ck.EpochLoss.Examples, steps: ck.EpochLoss.Steps}
	rn.epochSeconds = ck.EpochSeconds
	rn.savedAt = [2]int{ck.Step, ck.Epochs}
	return nil
}

// Variables reads the checkpoint's GoMLX variables (model, optimizer state, global step, RNG
// state), by their GoMLX variable paths ("/model/dense_0/w", ...), after verifying the files.
func (c *Checkpoint) Variables() (map[string]*tensors.Tensor, error) {
	if _, err := verifyCheckpoint(c.Path); err != nil {
		return nil, &DamagedCheckpointError{Path: c.Path, Err: err}
	}
	store := model.NewStore()
	if _, err := checkpoint.Load(store).Dir(c.Path).Immediate().Done(); err != nil {
		return nil, fmt.Errorf("%w: reading the variables of %s: %v", ErrCheckpoint, c.Path, err)
	}
	vars := map[string]*tensors.Tensor{}
	for v := range store.IterVariables() {
		value, err := v.Value()
		if err != nil {
			return nil, err
		}
		vars[v.Path()] = value
	}
	if len(vars) == 0 {
		return nil, errors.New("no variables in checkpoint " + c.Path)
	}
	return vars, nil
}
