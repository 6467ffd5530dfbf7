package experiment

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// TestInitFrom: a new run started from a checkpoint's weights holds exactly those weights
// before its first step, starts its own step count and optimizer, and so begins where the
// first run ended (its first epoch at a vanishing learning rate scores as the first run did).
func TestInitFrom(t *testing.T) {
	ds := synthetic(t, 60, 4, 3)
	phase1 := Config{Model: ModelMLP, Hidden: []int{8}, Optimizer: "torch:SGD", LearningRate: 0.2, Epochs: 2, BatchSize: 20, Seed: 3,
		Checkpoint: Checkpointing{Dir: filepath.Join(t.TempDir(), "phase1")}}
	first, err := Train(phase1, ds, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	saved := finalVariables(t, first)
	phase2 := Config{Model: ModelMLP, Hidden: []int{8}, Optimizer: "optax:adam", LearningRate: 1e-12, Epochs: 1, BatchSize: 20, Seed: 9,
		InitFrom: first.Checkpoint, Checkpoint: Checkpointing{Dir: filepath.Join(t.TempDir(), "phase2")}}
	before, err := Train(phase2, ds, Callbacks{Stop: func() bool { return true }})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("stopping before the first step: %v", err)
	}
	trainable := 0
	for v := range before.Store().IterVariables() {
		if !v.Trainable {
			continue
		}
		trainable++
		value, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		if name := sameVariables(map[string]*tensors.Tensor{v.Path(): value}, map[string]*tensors.Tensor{v.Path(): saved[v.Path()]}); name != "" {
			t.Errorf("variable %s does not hold the checkpoint's value", name)
		}
	}
	if trainable == 0 {
		t.Fatal("no model weights in the store before the first step")
	}
	second, err := Train(phase2, ds, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	if second.Steps[0].Step != 1 || len(second.Steps) != 3 {
		t.Errorf("the new run's steps %+v: want its own count from 1, 3 steps", second.Steps)
	}
	if got, want := second.Final().TestLoss, first.Final().TestLoss; math.Abs(got-want) > 1e-6 {
		t.Errorf("test loss after an epoch at lr 1e-12 from the checkpoint's weights is %g, want the first run's %g", got, want)
	}
	if ck, err := ReadCheckpoint(second.Checkpoint); err != nil || ck.Step != 3 {
		t.Errorf("the new run's checkpoint: %v, step %d; want step 3 (a fresh count)", err, ck.Step)
	}
}

// TestInitFromMisfit: weights of another model, other hidden widths or other image sizes are
// refused with an error naming both models, before any training.
func TestInitFromMisfit(t *testing.T) {
	ds := synthetic(t, 60, 4, 3)
	first, err := Train(Config{Model: ModelMLP, Hidden: []int{8}, Optimizer: "torch:SGD", LearningRate: 0.1, BatchSize: 20,
		Checkpoint: Checkpointing{Dir: t.TempDir()}}, ds, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		ds   Datasets
		want string
	}{
		{"other model", Config{Model: ModelLinear}, ds, "its model is mlp with hidden layers [8], Float32, this run's is linear, Float32"},
		{"other widths", Config{Model: ModelMLP, Hidden: []int{16}}, ds, "with hidden layers [8], Float32, this run's is mlp with hidden layers [16]"},
		{"other images", Config{Model: ModelMLP, Hidden: []int{8}}, synthetic(t, 60, 6, 3), "on 6x6 images in 3 classes"},
		{"no checkpoint", Config{Model: ModelMLP, Hidden: []int{8}, InitFrom: filepath.Join(t.TempDir(), "nothing")}, ds, "init from"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.BatchSize = 20
			if cfg.InitFrom == "" {
				cfg.InitFrom = first.Checkpoint
			}
			_, err := Train(cfg, tc.ds, Callbacks{OnStep: func(Progress) { t.Fatal("trained with misfit weights") }})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "init from") {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
