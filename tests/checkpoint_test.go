package tests

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dlopt/course/dlopt/experiment"
)

// checkpointRun is one interruptible `dlopt train` configuration of the end-to-end test: small
// training subsets, so that a straight run takes a few seconds.
type checkpointRun struct {
	name string
	args []string
	sig  syscall.Signal
}

var checkpointRuns = []checkpointRun{
	{"linear-sgd-momentum", []string{"--model", "linear", "--optimizer", "torch:SGD", "--opt-args", `{"momentum": 0.9}`, "--lr", "0.01",
		"--epochs", "2", "--batch", "50", "--seed", "3", "--train-limit", "4000", "--test-limit", "500"}, syscall.SIGINT},
	{"mlp-adam-cosine", []string{"--model", "mlp", "--hidden", "32", "--optimizer", "Adam", "--lr", "0.003", "--schedule", "cosine",
		"--epochs", "2", "--batch", "50", "--seed", "5", "--train-limit", "4000", "--test-limit", "500"}, syscall.SIGTERM},
	// 8 simulated workers: every worker's parameters, the time-varying mixing matrix and
	// gradient tracking's state must come back.
	{"workers-one-peer-gradient-tracking", []string{"--model", "mlp", "--hidden", "16", "--optimizer", "torch:SGD", "--lr", "0.05",
		"--epochs", "2", "--batch", "25", "--seed", "7", "--train-limit", "4000", "--test-limit", "500",
		"--workers", "8", "--topology", "one-peer", "--algorithm", "gradient-tracking", "--sharding", "label-skew"}, syscall.SIGINT},
}

// startTrain starts the binary and returns once it has printed its first line ("training ..."),
// when the data is loaded and the training about to start.
func startTrain(t *testing.T, bin string, args ...string) (cmd *exec.Cmd, stdout, stderr *bytes.Buffer) {
	t.Helper()
	cmd = exec.Command(bin, append([]string{"train"}, args...)...)
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	cmd.Stderr = stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(pipe)
	first, err := r.ReadString('\n')
	stdout.WriteString(first)
	if err != nil || !strings.HasPrefix(first, "training ") {
		_ = cmd.Process.Kill()
		t.Fatalf("dlopt %q did not start training: %q, %v", args, first, err)
	}
	go func() { _, _ = io.Copy(stdout, r) }()
	return cmd, stdout, stderr
}

func exitCode(err error) int {
	if exitErr, ok := err.(*exec.ExitError); ok {
		return exitErr.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// metricsWithoutWallTime reads metrics.csv without its wall-clock columns.
func metricsWithoutWallTime(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var kept [][]string
	for _, row := range rows {
		var r []string
		for i, v := range row {
			if !strings.Contains(rows[0][i], "seconds") {
				r = append(r, v)
			}
		}
		kept = append(kept, r)
	}
	return kept
}

// finalParameters reads every variable of the newest checkpoint under out as raw bytes.
func finalParameters(t *testing.T, out string) map[string][]byte {
	t.Helper()
	latest, err := experiment.LatestCheckpoint(filepath.Join(out, "checkpoints"))
	if err != nil || latest == "" {
		t.Fatalf("no checkpoint under %s: %v", out, err)
	}
	ck, err := experiment.ReadCheckpoint(latest)
	if err != nil {
		t.Fatal(err)
	}
	vars, err := ck.Variables()
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string][]byte{}
	for name, v := range vars {
		if err := v.ConstBytes(func(b []byte) { raw[name+" "+v.Shape().String()] = slices.Clone(b) }); err != nil {
			t.Fatal(err)
		}
	}
	return raw
}

// TestTrainInterruptAndResume sends SIGINT (or SIGTERM) to a child `dlopt train` at a random
// moment of its training, runs the resume command it prints, and checks that the final
// parameters and optimizer state equal an uninterrupted run's bit for bit and metrics.csv its
// values (all but the wall times). A second signal quits at once, leaving a usable checkpoint.
func TestTrainInterruptAndResume(t *testing.T) {
	if _, err := experiment.LoadFashionMNIST(); err != nil {
		t.Fatalf("%v\nInstall the data with `make setup` (Debian package dataset-fashion-mnist).", err)
	}
	bin := cliBuild(t, t.TempDir())
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 16))
	for _, tc := range checkpointRuns {
		t.Run(tc.name, func(t *testing.T) {
			straight := filepath.Join(t.TempDir(), "straight")
			cmd, _, stderr := startTrain(t, bin, append(tc.args, "--out", straight)...)
			start := time.Now()
			if err := cmd.Wait(); err != nil {
				t.Fatalf("straight run: %v\n%s", err, stderr)
			}
			trainTime := time.Since(start)

			var out string
			var interrupted *bytes.Buffer
			// The signal comes at a random moment in [early, late); a try that lands before the
			// first step (nothing to resume) or after the end moves that bound and tries again.
			early, late := time.Duration(0), time.Duration(0.8*float64(trainTime))
			for try := 0; ; try++ {
				out = filepath.Join(t.TempDir(), fmt.Sprintf("interrupted-%d", try))
				every := 1 + rng.IntN(30)
				cmd, _, stderr := startTrain(t, bin, append(tc.args, "--out", out, "--checkpoint-every", fmt.Sprint(every))...)
				delay := early + time.Duration(rng.Float64()*float64(late-early))
				time.Sleep(delay)
				if err := cmd.Process.Signal(tc.sig); err != nil {
					t.Fatal(err)
				}
				code := exitCode(cmd.Wait())
				if try < 5 && code == 0 {
					late = delay // the run ended before the signal: try earlier
					continue
				}
				if try < 5 && strings.Contains(stderr.String(), "interrupted before the first step") {
					t.Logf("%v after %v came before the first step: try later", tc.sig, delay.Round(time.Millisecond))
					early = delay
					continue
				}
				if code != 128+int(tc.sig) {
					t.Fatalf("after %v: exit %d, want %d\n%s", tc.sig, code, 128+int(tc.sig), stderr)
				}
				t.Logf("%v after %v (checkpoints every %d steps): %s", tc.sig, delay.Round(time.Millisecond), every, stderr)
				interrupted = stderr
				break
			}
			_, resumeCmd, found := strings.Cut(interrupted.String(), "resume with: ")
			resumeCmd, _, _ = strings.Cut(resumeCmd, "\n")
			if !found || !strings.HasPrefix(resumeCmd, "dlopt train --resume --out ") {
				t.Fatalf("no resume command printed:\n%s", interrupted)
			}
			resume := exec.Command("bash", "-c", bin+strings.TrimPrefix(resumeCmd, "dlopt"))
			if b, err := resume.CombinedOutput(); err != nil || !bytes.Contains(b, []byte("resuming from ")) {
				t.Fatalf("%s: %v\n%s", resumeCmd, err, b)
			}
			if got, want := metricsWithoutWallTime(t, out), metricsWithoutWallTime(t, straight); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("metrics.csv after resuming:\n%v\nuninterrupted:\n%v", got, want)
			}
			got, want := finalParameters(t, out), finalParameters(t, straight)
			if len(got) != len(want) {
				t.Errorf("%d variables after resuming, %d in the uninterrupted run", len(got), len(want))
			}
			for name, w := range want {
				if !bytes.Equal(got[name], w) {
					t.Errorf("variable %s differs from the uninterrupted run's", name)
				}
			}
		})
	}

	t.Run("resume errors", func(t *testing.T) { testResumeErrors(t, bin) })

	t.Run("second signal quits at once", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "twice")
		// Steps of a second or more on 2 cores (an MLP on batches of 8000), so that the second
		// signal surely comes while the run is still finishing the step the first one
		// interrupted: between steps the first signal stops the run at once. The step time is
		// measured from the checkpoints (one per step), and the first signal sent a quarter into
		// a step.
		slow := []string{"--model", "mlp", "--hidden", "512", "--optimizer", "Adam", "--lr", "0.001",
			"--epochs", "1", "--batch", "8000", "--seed", "5", "--train-limit", "40000", "--test-limit", "500"}
		cmd, _, stderr := startTrain(t, bin, append(slow, "--out", out, "--checkpoint-every", "1")...)
		waitForStep := func(step int) time.Time {
			t.Helper()
			for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
				latest, _ := experiment.LatestCheckpoint(filepath.Join(out, "checkpoints"))
				if strings.HasSuffix(latest, fmt.Sprintf("-step-%08d", step)) {
					return time.Now()
				}
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatalf("no checkpoint of step %d after two minutes with one per step\n%s", step, stderr)
				}
			}
		}
		first := waitForStep(1)
		step := waitForStep(2).Sub(first)
		time.Sleep(step / 4)
		_ = cmd.Process.Signal(syscall.SIGINT)
		time.Sleep(min(step/4, 100*time.Millisecond)) // two signals at once may merge into one
		_ = cmd.Process.Signal(syscall.SIGINT)
		if code := exitCode(cmd.Wait()); code != 130 || !strings.Contains(stderr.String(), "quitting now") {
			t.Fatalf("two SIGINTs: exit %d, want 130 and the message\n%s", code, stderr)
		}
		latest, err := experiment.LatestCheckpoint(filepath.Join(out, "checkpoints"))
		if err != nil || latest == "" {
			t.Fatalf("the checkpoints are gone after a second signal: %v", err)
		}
		if _, err := experiment.ReadCheckpoint(latest); err != nil {
			t.Errorf("the newest checkpoint after a second signal is not usable: %v", err)
		}
		// At once: the interrupted step is neither finished nor checkpointed.
		if !strings.HasSuffix(latest, fmt.Sprintf("-step-%08d", 2)) || strings.Contains(stderr.String(), "training interrupted after") {
			t.Errorf("after a second signal the run went on to checkpoint: newest %s\n%s", latest, stderr)
		}
	})
}

// testResumeErrors: a damaged newest checkpoint is refused with its path and the command that
// resumes from the previous one (which works); a contradicting flag names both values.
func testResumeErrors(t *testing.T, bin string) {
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"train", "--model", "linear", "--optimizer", "SGD", "--lr", "0.01", "--epochs", "1", "--batch", "100",
		"--train-limit", "1000", "--test-limit", "200", "--checkpoint-every", "4", "--out", out}
	if r := cliRun(t, bin, nil, args...); r.code != 0 {
		t.Fatalf("training: exit %d\n%s", r.code, r.stderr)
	}
	if r := cliRun(t, bin, nil, args...); r.code != 2 || !strings.Contains(r.stderr, "dlopt train --resume --out "+out) {
		t.Errorf("a new run into an --out with checkpoints: exit %d, want 2 and the resume command\n%s", r.code, r.stderr)
	}
	for _, tc := range []struct{ flag, value, want string }{
		{"--model", "mlp", "--model mlp contradicts the checkpoint's model linear"},
		{"--optimizer", "Adam", "--optimizer Adam contradicts the checkpoint's optimizer SGD"},
		{"--lr", "0.1", "--lr 0.1 contradicts the checkpoint's lr 0.01"},
	} {
		r := cliRun(t, bin, nil, "train", "--resume", "--out", out, tc.flag, tc.value)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("--resume %s %s: exit %d, want 2 and %q\n%s", tc.flag, tc.value, r.code, tc.want, r.stderr)
		}
	}
	paths, err := filepath.Glob(filepath.Join(out, "checkpoints", "ckpt-*"))
	if err != nil || len(paths) != experiment.CheckpointsKept {
		t.Fatalf("checkpoints %v (%v), want %d", paths, err, experiment.CheckpointsKept)
	}
	bins, _ := filepath.Glob(filepath.Join(paths[1], "checkpoint-*.bin"))
	if len(bins) != 1 {
		t.Fatalf("GoMLX data files %v", bins)
	}
	if err := os.Truncate(bins[0], 10); err != nil {
		t.Fatal(err)
	}
	r := cliRun(t, bin, nil, "train", "--resume", "--out", out)
	hint := "dlopt train --resume-from " + paths[0] + " --out " + out
	if r.code != 1 || !strings.Contains(r.stderr, bins[0]) || !strings.Contains(r.stderr, hint) {
		t.Fatalf("--resume from a truncated checkpoint: exit %d, want 1 naming %s and %q\n%s", r.code, bins[0], hint, r.stderr)
	}
	if r := cliRun(t, bin, nil, strings.Fields(hint)[1:]...); r.code != 0 || !strings.Contains(r.stdout, "resuming from "+paths[0]) {
		t.Errorf("%s: exit %d\n%s%s", hint, r.code, r.stdout, r.stderr)
	}
}
