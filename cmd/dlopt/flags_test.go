package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/experiment"
)

// checkOneErrorLine fails the test unless stderr is one line "dlopt...: ..." containing want:
// no flag list or usage text after the error to hide it.
func checkOneErrorLine(t *testing.T, args []string, stderr, want string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.HasPrefix(stderr, "dlopt") {
		t.Errorf("dlopt %q: stderr is not one error line:\n%s", args, stderr)
	}
	if strings.Contains(stderr, "usage:") || strings.Contains(stderr, "\n  -") {
		t.Errorf("dlopt %q: stderr shows the usage:\n%s", args, stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("dlopt %q: stderr %q does not contain %q", args, stderr, want)
	}
}

// TestErrorExitCodes: every command reports a wrong request with exit code 2 and a failed run
// with 1, in one line each.
func TestErrorExitCodes(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.json")
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	badJSON := write("bad.json", `{"class": `)
	badOptimizer := write("optimizer.json", `{"library":"torch","optimizer":"Adamm","x0":[1],"grads":[[1]]}`)
	badSchedule := write("schedule.json", `{"class": "StepLR", "kwargs": {"step_size": 0}, "steps": 3, "base_lr": 0.1}`)
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		name string
		env  string // DLOPT_DATA, when set
		args []string
		code int
		want string
	}{
		{"unknown command", "", []string{"fly"}, 2, `unknown command "fly": the commands are backends, schedule, train, trajectory`},
		{"unknown flag", "", []string{"train", "--frobnicate"}, 2, "flag provided but not defined: -frobnicate (run 'dlopt train -h' for the flags)"},
		{"flag without value", "", []string{"train", "--out"}, 2, "flag needs an argument: -out"},
		{"malformed value", "", []string{"train", "--out", out, "--lr", "fast"}, 2, `invalid value "fast" for flag -lr`},
		{"value out of range", "", []string{"train", "--out", out, "--lr", "0"}, 2, "learning rate 0 is invalid"},
		{"stray argument", "", []string{"train", "--out", out, "extra"}, 2, `unexpected argument "extra"`},
		{"resume from nothing", "", []string{"train", "--out", out, "--resume-from", missing}, 2, missing + " is not a checkpoint directory"},
		{"missing data", filepath.Join(dir, "no-data"), []string{"train", "--out", out, "--epochs", "1"}, 1, "dataset-fashion-mnist"},
		{"backends unknown flag", "", []string{"backends", "--frobnicate"}, 2, "flag provided but not defined"},
		{"backends stray argument", "", []string{"backends", "extra"}, 2, `unexpected argument "extra"`},
		{"trajectory without spec", "", []string{"trajectory"}, 2, "--spec FILE is required"},
		{"trajectory missing spec", "", []string{"trajectory", "--spec", missing}, 2, "none.json"},
		{"trajectory bad JSON", "", []string{"trajectory", "--spec", badJSON}, 2, "unexpected EOF"},
		{"trajectory bad optimizer", "", []string{"trajectory", "--spec", badOptimizer}, 2, `unknown torch optimizer "Adamm"`},
		{"trajectory stray argument", "", []string{"trajectory", "--spec", badJSON, "x"}, 2, `unexpected argument "x"`},
		{"schedule without spec", "", []string{"schedule"}, 2, "--spec FILE is required"},
		{"schedule missing spec", "", []string{"schedule", "--spec", missing}, 2, "none.json"},
		{"schedule bad value", "", []string{"schedule", "--spec", badSchedule}, 2, "step_size=0 must be an integer >= 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("DLOPT_DATA", tc.env)
			}
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != tc.code {
				t.Errorf("dlopt %q: exit %d, want %d; stderr: %s", tc.args, code, tc.code, stderr.String())
			}
			checkOneErrorLine(t, tc.args, stderr.String(), tc.want)
			if stdout.Len() != 0 {
				t.Errorf("dlopt %q wrote to stdout: %q", tc.args, stdout.String())
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("rejected or failed commands left %s", out)
	}
}

// TestRepeatedFlags gives every flag of every command twice (the flags read from its -h, so a
// flag added later is checked too): each is an error naming both values, before anything runs.
func TestRepeatedFlags(t *testing.T) {
	flagLine := regexp.MustCompile(`(?m)^  -([a-z-]+)( \S+)?$`)
	for _, name := range commandNames() {
		var help bytes.Buffer
		if code := run([]string{name, "-h"}, &bytes.Buffer{}, &help); code != 0 {
			t.Fatalf("dlopt %s -h: exit %d", name, code)
		}
		flags := flagLine.FindAllStringSubmatch(help.String(), -1)
		if len(flags) == 0 {
			t.Fatalf("dlopt %s -h lists no flags:\n%s", name, help.String())
		}
		for _, f := range flags {
			// The unknown flag last makes sure that nothing runs (no training, no download)
			// should the repeat go unnoticed.
			args, want := []string{name, "--" + f[1], "1", "--" + f[1], "2", "--no-such-flag"}, "--"+f[1]+" given twice (1 and 2)"
			if f[2] == "" { // a boolean flag takes no value
				args, want = []string{name, "--" + f[1], "--" + f[1], "--no-such-flag"}, "--"+f[1]+" given twice (true and true)"
			}
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 2 {
				t.Errorf("dlopt %q: exit %d, want 2; stderr: %s", args, code, stderr.String())
			}
			checkOneErrorLine(t, args, stderr.String(), want)
		}
	}
	// A flag given once still works alongside: the wrapper is gone after parsing.
	var stderr bytes.Buffer
	if code := run([]string{"train", "--lr", "0", "--out", t.TempDir()}, &bytes.Buffer{}, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "learning rate 0 is invalid") {
		t.Errorf("train --lr 0: exit %d, stderr %q: the flag's value did not arrive", code, stderr.String())
	}
}

// TestRemoveEmptyDirs: what a failed run created goes when it holds no file; a file, and every
// directory that existed before, stays.
func TestRemoveEmptyDirs(t *testing.T) {
	root := t.TempDir()
	fresh := filepath.Join(root, "a", "b", "c")
	if got := missingDirs(fresh, checkpointsDir); !slices.Equal(got, []string{filepath.Join(root, "a")}) {
		t.Errorf("missingDirs(%s) = %v, want [%s/a]", fresh, got, root)
	}
	if got := missingDirs(root, checkpointsDir); !slices.Equal(got, []string{filepath.Join(root, checkpointsDir)}) {
		t.Errorf("missingDirs(existing %s) = %v, want its missing checkpoints directory", root, got)
	}
	if err := os.MkdirAll(filepath.Join(fresh, checkpointsDir, ".staging"), 0o755); err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(root, "keep", "sub")
	if err := os.MkdirAll(kept, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(kept, "metrics.csv"), []byte("epoch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "keep", "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	removeEmptyDirs([]string{filepath.Join(root, "a"), filepath.Join(root, "keep")})
	for path, want := range map[string]bool{
		filepath.Join(root, "a"): false, filepath.Join(root, "keep", "empty"): false,
		filepath.Join(kept, "metrics.csv"): true, root: true,
	} {
		if _, err := os.Stat(path); (err == nil) != want {
			t.Errorf("after removeEmptyDirs, %s exists = %v, want %v", path, err == nil, want)
		}
	}
}

// TestFailedTrainLeavesNoEmptyOut: a run that fails after it created --out (here a training
// limit larger than the data, found once the data is read) removes what it created and
// nothing else.
func TestFailedTrainLeavesNoEmptyOut(t *testing.T) {
	if _, err := experiment.LoadFashionMNIST(); err != nil {
		t.Skipf("no Fashion-MNIST (make setup): %v", err)
	}
	root := t.TempDir()
	existing := filepath.Join(root, "existing")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		out, gone, kept string
	}{
		{filepath.Join(root, "new", "run"), filepath.Join(root, "new"), root},
		{existing, filepath.Join(existing, checkpointsDir), existing},
	} {
		args := []string{"--out", tc.out, "--epochs", "1", "--train-limit", "60001"}
		var stderr bytes.Buffer
		if code := runTrain(args, &bytes.Buffer{}, &stderr); code != 2 {
			t.Errorf("train %q: exit %d, want 2; stderr: %s", args, code, stderr.String())
		}
		checkOneErrorLine(t, args, stderr.String(), "train limit 60001 exceeds the 60000 examples")
		if _, err := os.Stat(tc.gone); !os.IsNotExist(err) {
			t.Errorf("train %q failed and left %s", args, tc.gone)
		}
		if _, err := os.Stat(tc.kept); err != nil {
			t.Errorf("train %q failed and removed %s, which was there before", args, tc.kept)
		}
	}
}

// TestFailExitCode: fail gives 2 for every way of marking a usage error and 1 otherwise, after
// one line naming the command.
func TestFailExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{usagef("--lr %g", 0.0), 2},
		{fmt.Errorf("wrapped: %w", asUsage(errors.New("bad spec"))), 2},
		{fmt.Errorf("%w: train limit 60001", errUsage), 2},
		{errors.New("training diverged"), 1},
	} {
		var stderr bytes.Buffer
		if code := fail(&stderr, "dlopt x", tc.err); code != tc.code {
			t.Errorf("fail(%v) = %d, want %d", tc.err, code, tc.code)
		}
		if want := "dlopt x: " + tc.err.Error() + "\n"; stderr.String() != want {
			t.Errorf("fail(%v) printed %q, want %q", tc.err, stderr.String(), want)
		}
	}
}
