package experiment

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
)

// TestWorkersTrain trains 4 simulated workers on a small synthetic problem with each topology
// kind and algorithm and checks what the mixing implies: all-reduce keeps the workers equal
// (consensus error 0, up to rounding), a ring with label-skewed shards does not, and every run
// learns (the average model beats chance on the test split).
func TestWorkersTrain(t *testing.T) {
	ds := synthetic(t, 160, 8, 4)
	base := Config{Model: ModelLinear, Optimizer: "torch:SGD", LearningRate: 0.05, Epochs: 2, BatchSize: 10, Seed: 3, Workers: 4}
	for _, tc := range []struct {
		name                          string
		topology, algorithm, sharding string
		model                         string
		optimizer                     string
		minConsensus, maxConsensus    float64
	}{
		{"all-reduce-dsgd", "all-reduce", "dsgd", "iid", ModelLinear, "", 0, 1e-5},
		{"ring-dsgd-label-skew", "ring", "dsgd", "label-skew", ModelLinear, "", 1e-3, 1e3},
		{"one-peer-gradient-tracking-mlp-adam", "one-peer", "gradient-tracking", "label-skew", ModelMLP, "adam", 1e-4, 1e3},
		{"exponential-exact-diffusion", "exponential", "exact-diffusion", "iid", ModelLinear, "", 1e-6, 1e3},
		{"ring-dsgd-cta", "ring", "dsgd-cta", "iid", ModelLinear, "", 1e-6, 1e3},
		{"star-dsgd-dirichlet", "star", "dsgd", "dirichlet", ModelLinear, "", 1e-6, 1e3},
		{"complete-cnn-adam", "complete", "dsgd", "iid", ModelCNN, "adam", 0, 1e-4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.Topology, cfg.Algorithm, cfg.Sharding, cfg.Model = tc.topology, tc.algorithm, tc.sharding, tc.model
			if tc.model == ModelMLP {
				cfg.Hidden = []int{8}
			}
			if tc.optimizer != "" {
				cfg.Optimizer, cfg.LearningRate = tc.optimizer, 0.01
			}
			r, err := Train(cfg, ds, Callbacks{})
			if err != nil {
				t.Fatal(err)
			}
			if want := 2 * (160 / 4 / 10); len(r.Steps) != want {
				t.Errorf("%d steps, want %d (2 epochs of each worker's 40 examples in batches of 10)", len(r.Steps), want)
			}
			for _, m := range r.History {
				if m.Workers != 4 || m.ConsensusError < tc.minConsensus || m.ConsensusError > tc.maxConsensus {
					t.Errorf("epoch %d: workers %d, consensus error %g, want 4 and in [%g, %g]", m.Epoch, m.Workers, m.ConsensusError, tc.minConsensus, tc.maxConsensus)
				}
			}
			t.Logf("history %v", r.History)
			if acc := r.Final().TestAccuracy; acc < 0.4 {
				t.Errorf("test accuracy of the average model %.2f, want > 0.4 (chance is 0.25)", acc)
			}
			predictions, err := r.Predict(ds.Test)
			if err != nil || len(predictions) != ds.Test.N {
				t.Fatalf("Predict: %d predictions, %v", len(predictions), err)
			}
		})
	}
}

// TestWorkersResumeIsBitExact interrupts a run of 4 workers (one-peer, so the mixing matrix
// changes every round; gradient tracking and exact diffusion, which keep state) and resumes it:
// parameters, the optimizer's and the algorithm's state, steps and history (consensus error
// included) equal the uninterrupted run's bit for bit.
func TestWorkersResumeIsBitExact(t *testing.T) {
	ds := synthetic(t, 96, 8, 3)
	for _, algorithm := range []string{"gradient-tracking", "exact-diffusion"} {
		t.Run(algorithm, func(t *testing.T) {
			cfg := Config{Model: ModelMLP, Hidden: []int{6}, Optimizer: "torch:SGD", OptimizerArgs: map[string]any{"momentum": 0.9},
				LearningRate: 0.02, Epochs: 2, BatchSize: 6, Seed: 5, DType: dtypes.Float64,
				Workers: 4, Topology: "one-peer", Algorithm: algorithm, Sharding: "label-skew"}
			straightCfg := cfg
			straightCfg.Checkpoint = Checkpointing{Dir: filepath.Join(t.TempDir(), "straight")}
			straight, err := Train(straightCfg, ds, Callbacks{})
			if err != nil {
				t.Fatal(err)
			}
			interrupted := cfg
			interrupted.Checkpoint = Checkpointing{Dir: filepath.Join(t.TempDir(), "interrupted")}
			stopAt := 3 // mid epoch 1 (4 steps per epoch), an odd round of the one-peer cycle
			globalStep := 0
			_, err = Train(interrupted, ds, Callbacks{OnStep: func(p Progress) { globalStep = p.GlobalStep },
				Stop: func() bool { return globalStep == stopAt }})
			if !errors.Is(err, ErrInterrupted) {
				t.Fatalf("stopping at step %d: %v, want ErrInterrupted", stopAt, err)
			}
			interrupted.Checkpoint.Resume = true
			resumed, err := Train(interrupted, ds, Callbacks{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(withoutWallTime(resumed.History), withoutWallTime(straight.History)) {
				t.Errorf("history after resuming differs:\n%v\nstraight:\n%v", resumed.History, straight.History)
			}
			if !slices.Equal(resumed.Steps, straight.Steps) {
				t.Error("per-step metrics after resuming differ")
			}
			vars := finalVariables(t, straight)
			for _, want := range []string{"/decentral/mixing", "/workers/mlp/hidden0/weights"} {
				if _, ok := vars[want]; !ok {
					t.Errorf("checkpoint lacks %s", want)
				}
			}
			if name := sameVariables(finalVariables(t, resumed), vars); name != "" {
				t.Errorf("final variable %s differs from the uninterrupted run's", name)
			}
		})
	}
}

// TestWorkersConfigErrors: every bad workers' setting is an error naming it and what is allowed.
func TestWorkersConfigErrors(t *testing.T) {
	ds := synthetic(t, 40, 8, 4)
	ok := Config{Workers: 4, Topology: "ring", Optimizer: "torch:SGD", BatchSize: 5}
	for _, tc := range []struct {
		name string
		edit func(c *Config)
		want []string
	}{
		{"negative-workers", func(c *Config) { c.Workers = -2 }, []string{"workers -2", ">= 1"}},
		{"topology-without-workers", func(c *Config) { c.Workers = 1 }, []string{`topology "ring" needs workers > 1`}},
		{"unknown-topology", func(c *Config) { c.Topology = "mesh" }, []string{`"mesh"`, "ring", "all-reduce"}},
		{"torus-needs-square", func(c *Config) { c.Topology = "torus" }, []string{"torus", "n=4"}},
		{"unknown-algorithm", func(c *Config) { c.Algorithm = "admm" }, []string{`"admm"`, "gradient-tracking"}},
		{"unknown-sharding", func(c *Config) { c.Sharding = "pathological" }, []string{`"pathological"`, "iid, label-skew, dirichlet"}},
		{"shard-classes-with-iid", func(c *Config) { c.ShardClasses = 3 }, []string{"shard classes 3", "label-skew"}},
		{"coupling-optimizer", func(c *Config) { c.Optimizer = "optax:lamb" }, []string{`"optax:lamb"`, "couple the workers", "adam"}},
		{"gomlx-optimizer", func(c *Config) { c.Optimizer = "gomlx:sgd" }, []string{`"gomlx:sgd"`, "dlopt optimizer"}},
		{"batch-larger-than-shard", func(c *Config) { c.BatchSize = 11 }, []string{"batch size 11", "shard of 10"}},
		{"too-many-classes-per-worker", func(c *Config) { c.Sharding, c.ShardClasses = "label-skew", 5 }, []string{"5 classes per worker", "1..4"}},
		{"negative-alpha", func(c *Config) { c.Sharding, c.ShardAlpha = "dirichlet", -1 }, []string{"shard alpha -1 is invalid", "> 0"}},
		{"alpha-with-iid", func(c *Config) { c.ShardAlpha = 0.3 }, []string{"shard alpha 0.3 is only for dirichlet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			_, err := Train(cfg, ds, Callbacks{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestWorkersCSV: a run of workers writes the workers and consensus-error columns and reads
// them back; a single model's CSV keeps its columns.
func TestWorkersCSV(t *testing.T) {
	for _, history := range [][]EpochMetrics{
		{{Epoch: 1, TrainLoss: 1.5, TestLoss: 1.25, TestAccuracy: 0.5, Seconds: 2, EvalSeconds: 0.5, Workers: 8, ConsensusError: 0.125}},
		{{Epoch: 1, TrainLoss: 1.5, TestLoss: 1.25, TestAccuracy: 0.5, Seconds: 2, EvalSeconds: 0.5}},
	} {
		var b strings.Builder
		if err := WriteCSV(&b, history); err != nil {
			t.Fatal(err)
		}
		header, _, _ := strings.Cut(b.String(), "\n")
		if hasColumn := strings.HasSuffix(header, ",workers,consensus_error"); hasColumn != (history[0].Workers > 1) {
			t.Errorf("header %q for %d workers", header, history[0].Workers)
		}
		back, err := ReadCSV(strings.NewReader(b.String()))
		if err != nil || !slices.Equal(back, history) {
			t.Errorf("read back %v, %v; wrote %v", back, err, history)
		}
	}
}
