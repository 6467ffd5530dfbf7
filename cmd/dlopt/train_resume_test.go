package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestTrainCheckpointFlagErrors: contradictory or impossible checkpoint flags exit 2 with the
// problem named, before any data is read or checkpoint written.
func TestTrainCheckpointFlagErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--checkpoint-every", "-1"}, "checkpoint every -1 steps is invalid"},
		{[]string{"--no-checkpoint", "--resume"}, "--no-checkpoint contradicts --resume"},
		{[]string{"--no-checkpoint", "--checkpoint-every", "5"}, "--no-checkpoint contradicts"},
		{[]string{"--resume"}, "there is no checkpoint in " + filepath.Join(out, "checkpoints")},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--out", out}, tc.args...)
		if code := runTrain(args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("train %q: exit %d, stderr %q; want 2 and %q", args, code, stderr.String(), tc.want)
		}
	}
	var stderr bytes.Buffer
	if code := runTrain([]string{"--out", out, "--resume-from", out}, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), out+" is not a checkpoint directory") {
		t.Errorf("--resume-from a missing directory: exit %d, stderr %q", code, stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("rejected commands created %s", out)
	}
}

// TestTrainingFlagsAreChecked: every flag of `dlopt train` that sets the configuration is
// compared with the checkpoint on --resume (a new flag cannot be forgotten there).
func TestTrainingFlagsAreChecked(t *testing.T) {
	var stderr bytes.Buffer
	runTrain([]string{"-h"}, &bytes.Buffer{}, &stderr)
	notConfig := []string{"out", "quiet", "checkpoint-every", "no-checkpoint", "resume", "resume-from"}
	var flags []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(stderr.String(), -1) {
		flags = append(flags, m[1])
		if _, checked := trainingFlags[m[1]]; !checked && !slices.Contains(notConfig, m[1]) {
			t.Errorf("flag --%s is neither compared with the checkpoint on --resume nor listed as not part of the configuration", m[1])
		}
	}
	for name := range trainingFlags {
		if !slices.Contains(flags, name) {
			t.Errorf("trainingFlags has %q, which is not a flag of dlopt train (flags: %v)", name, flags)
		}
	}
}

func TestShellQuoteAndExitCodes(t *testing.T) {
	for in, want := range map[string]string{"/tmp/run-1": "/tmp/run-1", "my runs/a": "'my runs/a'", "it's": `'it'\''s'`, "": "''"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	if signalExitCode(syscall.SIGINT) != 130 || signalExitCode(syscall.SIGTERM) != 143 {
		t.Errorf("exit codes %d, %d; want 130, 143", signalExitCode(syscall.SIGINT), signalExitCode(syscall.SIGTERM))
	}
}

// TestTrainResumeVersion1Checkpoint: --resume (and --resume-from) on a checkpoint written by the
// dlopt built on GoMLX v0.26.0 (dlopt/experiment's fixture, state.json version 1) exits 1 with
// a message naming both GoMLX versions, and trains nothing.
func TestTrainResumeVersion1Checkpoint(t *testing.T) {
	const fixture = "../../dlopt/experiment/testdata/gomlx-v0.26.0-checkpoint/ckpt-000001-step-00000003"
	out := filepath.Join(t.TempDir(), "out")
	ckpt := filepath.Join(out, "checkpoints", filepath.Base(fixture))
	if err := os.MkdirAll(ckpt, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(fixture, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ckpt, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"--resume", "--out", out}, {"--resume-from", ckpt, "--out", out}} {
		var stdout, stderr bytes.Buffer
		code := runTrain(args, &stdout, &stderr)
		if code != 1 {
			t.Errorf("train %q: exit %d, want 1\nstdout: %s\nstderr: %s", args, code, stdout.String(), stderr.String())
		}
		for _, want := range []string{ckpt, "GoMLX v0.26.0", "GoMLX v0.28.16"} {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("train %q: stderr %q does not name %q", args, stderr.String(), want)
			}
		}
		if strings.Contains(stdout.String(), "epoch 1") {
			t.Errorf("train %q trained:\n%s", args, stdout.String())
		}
	}
}
