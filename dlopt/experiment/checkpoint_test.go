package experiment

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// withoutWallTime returns the history with the wall-clock columns zeroed.
func withoutWallTime(h []EpochMetrics) []EpochMetrics {
	h = slices.Clone(h)
	for i := range h {
		h[i].Seconds, h[i].EvalSeconds = 0, 0
	}
	return h
}

// finalVariables reads the variables of the run's newest checkpoint.
func finalVariables(t *testing.T, r *Result) map[string]*tensors.Tensor {
	t.Helper()
	ck, err := ReadCheckpoint(r.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	vars, err := ck.Variables()
	if err != nil {
		t.Fatal(err)
	}
	return vars
}

// sameVariables reports the first variable whose bytes differ, or "" if all are identical.
func sameVariables(a, b map[string]*tensors.Tensor) string {
	if len(a) != len(b) {
		var na, nb []string
		for n := range a {
			na = append(na, n)
		}
		for n := range b {
			nb = append(nb, n)
		}
		slices.Sort(na)
		slices.Sort(nb)
		return fmt.Sprintf("set: %v vs %v", na, nb)
	}
	for name, ta := range a {
		tb, ok := b[name]
		if !ok {
			return name + " missing"
		}
		var ba, bb []byte
		errA := ta.ConstBytes(func(d []byte) { ba = slices.Clone(d) })
		errB := tb.ConstBytes(func(d []byte) { bb = slices.Clone(d) })
		if errA != nil || errB != nil || !ta.Shape().Equal(tb.Shape()) || !bytes.Equal(ba, bb) {
			return name
		}
	}
	return ""
}

// TestResumeIsBitExact interrupts runs of every model at a random step (and with periodic
// checkpoints at another cadence), resumes each in a fresh Train call, interrupts that one at a
// later random step, resumes again, and checks that the final parameters, optimizer state
// included, are identical bit for bit to an uninterrupted run's, and so are the per-epoch and
// per-step metrics but the wall times.
func TestResumeIsBitExact(t *testing.T) {
	ds := synthetic(t, 120, 8, 3)
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 16))
	tests := []Config{
		{Model: ModelLinear, Optimizer: "torch:SGD", OptimizerArgs: map[string]any{"momentum": 0.9}, LearningRate: 0.05, Epochs: 2, BatchSize: 32},
		{Model: ModelMLP, Hidden: []int{16}, Optimizer: "Adam", LearningRate: 0.01, Schedule: ScheduleCosine, Epochs: 3, BatchSize: 25, Seed: 4},
		{Model: ModelCNN, Optimizer: "optax:adam", LearningRate: 0.003, Schedule: ScheduleCosine, Epochs: 2, BatchSize: 40, Seed: 2},
		// Evaluated at other parameters than it trains, swapped in and out around each evaluation.
		{Model: ModelMLP, Hidden: []int{8}, Optimizer: "optax:schedule_free_adamw", LearningRate: 0.01, Epochs: 3, BatchSize: 30, Seed: 1},
		{Model: ModelLinear, Optimizer: "gomlx:adam", LearningRate: 0.01, Schedule: ScheduleCosine, Epochs: 2, BatchSize: 30, Seed: 1},
	}
	for _, cfg := range tests {
		t.Run(cfg.Model+"/"+cfg.Optimizer, func(t *testing.T) {
			straightCfg := cfg
			straightCfg.Checkpoint = Checkpointing{Dir: filepath.Join(t.TempDir(), "straight")}
			straight, err := Train(straightCfg, ds, Callbacks{})
			if err != nil {
				t.Fatal(err)
			}
			total := len(straight.Steps)
			// Two interruptions at random steps, the second one in the resumed run; then at the
			// end of the first epoch's steps (before its evaluation) and one step later.
			first := 1 + rng.IntN(total-2)
			perEpoch := total / cfg.Epochs
			for trial, stopAts := range [][]int{{first, first + 1 + rng.IntN(total-first-1)}, {perEpoch, perEpoch + 1}} {
				interrupted := cfg
				interrupted.Checkpoint = Checkpointing{Dir: filepath.Join(t.TempDir(), "interrupted"), Every: 1 + rng.IntN(4)}
				for _, stopAt := range stopAts {
					globalStep := 0
					r, err := Train(interrupted, ds, Callbacks{OnStep: func(p Progress) { globalStep = p.GlobalStep },
						Stop: func() bool { return globalStep == stopAt }})
					if !errors.Is(err, ErrInterrupted) || r == nil || len(r.Steps) != stopAt {
						t.Fatalf("stopping at step %d: err %v, want ErrInterrupted and %d steps", stopAt, err, stopAt)
					}
					t.Logf("trial %d: interrupted at step %d of %d (checkpoints every %d): %v", trial, stopAt, total, interrupted.Checkpoint.Every, err)
					interrupted.Checkpoint.Resume = true
				}
				resumed, err := Train(interrupted, ds, Callbacks{})
				if err != nil {
					t.Fatal(err)
				}
				if resumed.ResumedFrom == "" || len(resumed.Steps) != total {
					t.Errorf("resumed from %q with %d steps, want a checkpoint and %d steps", resumed.ResumedFrom, len(resumed.Steps), total)
				}
				if !slices.Equal(withoutWallTime(resumed.History), withoutWallTime(straight.History)) {
					t.Errorf("trial %d: history after resuming differs:\n%v\nstraight:\n%v", trial, resumed.History, straight.History)
				}
				if !slices.Equal(resumed.Steps, straight.Steps) {
					t.Errorf("trial %d: per-step metrics after resuming differ", trial)
				}
				if name := sameVariables(finalVariables(t, resumed), finalVariables(t, straight)); name != "" {
					t.Errorf("trial %d: final variable %s differs from the uninterrupted run's", trial, name)
				}
				if paths, _, _ := listCheckpoints(interrupted.Checkpoint.Dir); len(paths) > CheckpointsKept {
					t.Errorf("%d checkpoints kept, want at most %d: %v", len(paths), CheckpointsKept, paths)
				}
			}
		})
	}
}

// TestResumeFinishedRun: resuming a run that had finished trains nothing more and classifies
// with the checkpoint's parameters.
func TestResumeFinishedRun(t *testing.T) {
	ds := synthetic(t, 60, 4, 3)
	cfg := Config{Model: ModelLinear, Optimizer: "torch:SGD", LearningRate: 0.1, Epochs: 2, BatchSize: 20,
		Checkpoint: Checkpointing{Dir: t.TempDir()}}
	first, err := Train(cfg, ds, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := first.Predict(ds.Test)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Checkpoint.Resume = true
	again, err := Train(cfg, ds, Callbacks{OnStep: func(Progress) { t.Error("a finished run trained again") }})
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Predict(ds.Test)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) || !slices.Equal(again.History, first.History) {
		t.Errorf("resumed finished run: predictions %v history %v; want %v, %v", got, again.History, want, first.History)
	}
}

// TestCheckpointDamage: truncating, corrupting or deleting any file of the newest checkpoint
// makes resuming fail with an error naming that checkpoint and the previous intact one, from
// which the run then resumes.
func TestCheckpointDamage(t *testing.T) {
	ds := synthetic(t, 60, 4, 3)
	base := Config{Model: ModelLinear, Optimizer: "torch:SGD", LearningRate: 0.1, Epochs: 2, BatchSize: 20}
	damages := map[string]func(path string) error{
		"truncate": func(p string) error {
			info, err := os.Stat(p)
			if err != nil {
				return err
			}
			return os.Truncate(p, info.Size()/2)
		},
		"corrupt": func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 0x40
			return os.WriteFile(p, b, 0o644)
		},
		"delete": os.Remove,
	}
	for _, file := range []string{stateFile, manifestFile, ".bin", ".json"} {
		for how, damage := range damages {
			t.Run(how+"/"+file, func(t *testing.T) {
				cfg := base
				cfg.Checkpoint = Checkpointing{Dir: t.TempDir(), Every: 2}
				if _, err := Train(cfg, ds, Callbacks{}); err != nil {
					t.Fatal(err)
				}
				paths, _, _ := listCheckpoints(cfg.Checkpoint.Dir)
				if len(paths) != CheckpointsKept {
					t.Fatalf("%d checkpoints, want %d", len(paths), CheckpointsKept)
				}
				latest, previous := paths[1], paths[0]
				target := filepath.Join(latest, file)
				if strings.HasPrefix(file, ".") { // GoMLX's file
					matches, _ := filepath.Glob(filepath.Join(latest, "checkpoint-*"+file))
					if len(matches) != 1 {
						t.Fatalf("GoMLX files %v", matches)
					}
					target = matches[0]
				}
				if err := damage(target); err != nil {
					t.Fatal(err)
				}
				cfg.Checkpoint.Resume = true
				_, err := Train(cfg, ds, Callbacks{})
				var damaged *DamagedCheckpointError
				if !errors.As(err, &damaged) || damaged.Path != latest || damaged.Previous != previous ||
					!strings.Contains(err.Error(), latest) || !strings.Contains(err.Error(), previous) {
					t.Fatalf("resuming from a checkpoint with %s %sd: %v; want an error naming %s and the previous %s", file, how, err, latest, previous)
				}
				cfg.Checkpoint.From = previous
				r, err := Train(cfg, ds, Callbacks{})
				if err != nil || r.ResumedFrom != previous || len(r.History) != cfg.Epochs {
					t.Fatalf("resuming from the previous checkpoint: %v (resumed from %q)", err, r.ResumedFrom)
				}
				// The damaged one is set aside, not pruned in place of an intact one.
				paths, _, _ = listCheckpoints(cfg.Checkpoint.Dir)
				for _, p := range paths {
					if _, err := ReadCheckpoint(p); err != nil || p == latest {
						t.Errorf("after resuming from the previous checkpoint, %s is listed: %v", p, err)
					}
				}
				if _, err := os.Stat(filepath.Join(cfg.Checkpoint.Dir, "superseded-"+filepath.Base(latest))); err != nil {
					t.Errorf("the damaged checkpoint was not set aside: %v", err)
				}
			})
		}
	}
}

// TestResumeWithOtherConfig: a checkpoint resumed with another model, optimizer or learning
// rate is an error naming both values; a directory with checkpoints is not reused silently.
func TestResumeWithOtherConfig(t *testing.T) {
	ds := synthetic(t, 60, 4, 3)
	cfg := Config{Model: ModelLinear, Optimizer: "torch:SGD", OptimizerArgs: map[string]any{"momentum": 0.9}, LearningRate: 0.1, Epochs: 1, BatchSize: 20,
		Checkpoint: Checkpointing{Dir: t.TempDir()}}
	if _, err := Train(cfg, ds, Callbacks{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Train(cfg, ds, Callbacks{}); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "already holds checkpoints") {
		t.Errorf("a new run into a directory with checkpoints: %v", err)
	}
	cfg.Checkpoint.Resume = true
	if _, err := Train(cfg, ds, Callbacks{}); err != nil {
		t.Errorf("resuming with the same configuration (momentum 0.9 read back as a JSON number): %v", err)
	}
	tests := []struct {
		change func(*Config)
		want   []string
	}{
		{func(c *Config) { c.Model, c.Hidden = ModelMLP, []int{8} }, []string{`model is "linear", this run's is "mlp"`}},
		{func(c *Config) { c.Optimizer = "Adam" }, []string{`optimizer is "torch:SGD", this run's is "Adam"`}},
		{func(c *Config) { c.LearningRate = 0.2; c.OptimizerArgs = nil }, []string{"learning rate is 0.1, this run's is 0.2", `{"momentum":0.9}, this run's is null`}},
	}
	for _, tc := range tests {
		other := cfg
		tc.change(&other)
		_, err := Train(other, ds, Callbacks{})
		for _, want := range tc.want {
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), want) {
				t.Errorf("resume with a changed configuration: %v; want it to contain %q", err, want)
			}
		}
	}
}

// TestCheckpointWriteError: a checkpoint that cannot be written (here: GoMLX's files land in a
// read-only place, as on a full or read-only disk) stops the run with an error naming the
// previous checkpoint, which stays intact and resumable.
func TestCheckpointWriteError(t *testing.T) {
	if f, err := os.Create("/sys/dlopt-write-probe"); err == nil {
		f.Close()
		_ = os.Remove(f.Name())
		t.Skip("/sys is writable here: no read-only place to point the checkpoint at")
	}
	ds := synthetic(t, 60, 4, 3)
	dir := t.TempDir()
	cfg := Config{Model: ModelLinear, Optimizer: "torch:SGD", LearningRate: 0.1, Epochs: 3, BatchSize: 20, Checkpoint: Checkpointing{Dir: dir}}
	staging := filepath.Join(dir, stagingDirName)
	r, err := Train(cfg, ds, Callbacks{OnEpoch: func(m EpochMetrics) error {
		if m.Epoch == 2 { // after the first checkpoint: the second one's write fails
			if err := os.RemoveAll(staging); err != nil {
				return err
			}
			return os.Symlink("/sys", staging)
		}
		return nil
	}})
	paths, _, _ := listCheckpoints(dir)
	if len(paths) != 1 || r == nil || r.Checkpoint != paths[0] {
		t.Fatalf("checkpoints %v, result %v; want the one of epoch 1", paths, r)
	}
	if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "the previous checkpoint "+paths[0]+" is intact") {
		t.Fatalf("error %v; want a checkpoint error naming the previous checkpoint %s", err, paths[0])
	}
	t.Log(err)
	cfg.Checkpoint.Resume = true
	resumed, err := Train(cfg, ds, Callbacks{})
	if err != nil || resumed.ResumedFrom != paths[0] || len(resumed.History) != cfg.Epochs {
		t.Fatalf("resuming after the failed write: %v", err)
	}
}

// TestCheckpointConfigErrors: bad checkpoint settings are configuration errors naming them.
func TestCheckpointConfigErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ds := synthetic(t, 40, 4, 3)
	for _, tc := range []struct {
		ck   Checkpointing
		want string
	}{
		{Checkpointing{Dir: t.TempDir(), Every: -3}, "checkpoint every -3 steps is invalid"},
		{Checkpointing{Every: 5}, "need a directory"},
		{Checkpointing{Resume: true}, "need a directory"},
		{Checkpointing{Dir: file}, "listing " + file + ": open " + file + ": not a directory"},
		{Checkpointing{Dir: t.TempDir(), From: file}, file + " is not a checkpoint directory"},
	} {
		_, err := Train(Config{BatchSize: 8, Checkpoint: tc.ck}, ds, Callbacks{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error containing %q", tc.ck, err, tc.want)
		}
	}
}

// TestStopBetweenEpochs: a stop asked during an evaluation ends the run at the epoch's end,
// before another step, and the run resumes from there to the uninterrupted result.
func TestStopBetweenEpochs(t *testing.T) {
	ds := synthetic(t, 60, 4, 3)
	cfg := Config{Model: ModelLinear, Optimizer: "torch:SGD", LearningRate: 0.1, Epochs: 3, BatchSize: 20}
	straight, err := Train(cfg, ds, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Checkpoint = Checkpointing{Dir: t.TempDir(), Every: 2}
	stop := false
	r, err := Train(cfg, ds, Callbacks{OnEpoch: func(EpochMetrics) error { stop = true; return nil }, Stop: func() bool { return stop }})
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "after step 3 (the end of epoch 1); checkpoint ") ||
		len(r.History) != 1 || len(r.Steps) != 3 {
		t.Fatalf("stop during the first evaluation: %v, %d epochs, %d steps; want the end of epoch 1 after step 3", err, len(r.History), len(r.Steps))
	}
	cfg.Checkpoint.Resume = true
	resumed, err := Train(cfg, ds, Callbacks{})
	if err != nil || !slices.Equal(withoutWallTime(resumed.History), withoutWallTime(straight.History)) {
		t.Fatalf("resumed: %v\n%v\nwant %v", err, resumed.History, straight.History)
	}
}

// TestStopBeforeTraining: a stop asked before the first step ends the run without a step and
// without writing a checkpoint (there is nothing new to save).
func TestStopBeforeTraining(t *testing.T) {
	ds := synthetic(t, 60, 4, 3)
	cfg := Config{Model: ModelLinear, Optimizer: "torch:SGD", LearningRate: 0.1, Epochs: 1, BatchSize: 20, Checkpoint: Checkpointing{Dir: t.TempDir()}}
	r, err := Train(cfg, ds, Callbacks{Stop: func() bool { return true }})
	paths, _, _ := listCheckpoints(cfg.Checkpoint.Dir)
	if !errors.Is(err, ErrInterrupted) || len(r.Steps) != 0 || len(paths) != 0 {
		t.Errorf("stop before training: %v, %d steps, checkpoints %v; want ErrInterrupted, none", err, len(r.Steps), paths)
	}
}
