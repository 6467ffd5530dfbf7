package experiment

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// v026Checkpoint is a checkpoint written by dlopt built on GoMLX v0.26.0 (commit 60a5073, the
// last before the port to v0.28): Train of Config{Model: linear, Optimizer: torch:SGD,
// LearningRate: 0.1, Epochs: 1, BatchSize: 20} on synthetic(t, 60, 4, 3), Checkpoint.Dir set.
// Its state.json is format "dlopt-experiment-checkpoint", version 1, and its GoMLX files name
// the variables v0.26's way ("var:/linear/X").
const v026Checkpoint = "testdata/gomlx-v0.26.0-checkpoint/ckpt-000001-step-00000003"

// copyDir copies the files of src (no subdirectories) into a new directory dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestVersion1CheckpointRefused: a checkpoint of the GoMLX v0.26.0 build (state.json version 1)
// is intact (its manifest verifies) but cannot be resumed: reading it, and resuming a run from
// it, fail with a checkpoint error (not a damaged-checkpoint one) that names GoMLX v0.26.0, the
// GoMLX this dlopt is built on (v0.28.16) and the checkpoint; the checkpoint is left as it was.
func TestVersion1CheckpointRefused(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(v026Checkpoint, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte(`{"format":"dlopt-experiment-checkpoint","version":1,`)) {
		t.Fatalf("the fixture's %s starts %.60q: not a version-1 state", stateFile, raw)
	}
	if _, err := verifyCheckpoint(v026Checkpoint); err != nil {
		t.Fatalf("the fixture does not verify against its manifest: %v", err)
	}
	check := func(what string, err error, path string) {
		t.Helper()
		var damaged *DamagedCheckpointError
		if err == nil || !errors.Is(err, ErrCheckpoint) || errors.As(err, &damaged) {
			t.Fatalf("%s: error %v; want a checkpoint error, not a damaged checkpoint", what, err)
		}
		for _, want := range []string{"GoMLX v0.26.0", "GoMLX v0.28.16", path, "version 1", "start a new run"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not name %q", what, err, want)
			}
		}
	}
	ck, err := ReadCheckpoint(v026Checkpoint)
	if ck != nil {
		t.Errorf("ReadCheckpoint returned a state for a version-1 checkpoint: %+v", ck)
	}
	check("ReadCheckpoint", err, v026Checkpoint)

	// Resuming a run with the same configuration from a directory holding it.
	dir := filepath.Join(t.TempDir(), "run")
	path := filepath.Join(dir, filepath.Base(v026Checkpoint))
	copyDir(t, v026Checkpoint, path)
	cfg := Config{Model: ModelLinear, Optimizer: "torch:SGD", LearningRate: 0.1, Epochs: 1, BatchSize: 20,
		Checkpoint: Checkpointing{Dir: dir, Resume: true}}
	r, err := Train(cfg, synthetic(t, 60, 4, 3), Callbacks{OnStep: func(Progress) { t.Error("trained from a version-1 checkpoint") }})
	if r != nil {
		t.Errorf("Train returned a result: %+v", r)
	}
	check("Train resuming", err, path)
	cfg.Checkpoint = Checkpointing{Dir: t.TempDir(), From: path}
	_, err = Train(cfg, synthetic(t, 60, 4, 3), Callbacks{})
	check("Train from", err, path)
	// Left as it was: not superseded, pruned or changed.
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != filepath.Base(v026Checkpoint) {
		t.Errorf("after the refusals %s holds %v (%v), want only the checkpoint", dir, entries, err)
	}
	for _, name := range []string{stateFile, manifestFile} {
		got, _ := os.ReadFile(filepath.Join(path, name))
		want, _ := os.ReadFile(filepath.Join(v026Checkpoint, name))
		if !bytes.Equal(got, want) {
			t.Errorf("%s of the refused checkpoint changed", name)
		}
	}
}
