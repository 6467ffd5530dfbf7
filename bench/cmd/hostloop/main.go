// Command hostloop times the benchmark's "host loop" workload: 10,000 Adam steps (lr 0.01) on
// f(x) = (x1² + 10·x2²)/2 from (200, 200) in float32 with optim.RunHostFunc, which computes the
// gradient on the host and runs one graph execution per step, as a Go training loop driving
// the backend step by step does (PyTorch's eager loop in bench/torch_peer.py's "quadratic" is
// its peer). It prints one JSON line in bench/internal/measure's Result format, workload
// "quadratic-host".
//
//	hostloop -reps 3
//
// It uses only dlopt/optim's and dlopt's API and bench/internal/measure's Result, which are the
// same in the GoMLX v0.26 and v0.28 versions of dlopt, so bench/run.sh builds this one source
// against both (the "before" tree at the last v0.26 commit and the working tree) and the row
// compares the libraries, not two programs. That is also why it imports no dtypes package: it
// moved between the versions.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/dlopt/course/bench/internal/measure"
	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/optim"
)

// steps is the number of optimizer steps of one repetition.
const steps = 10_000

// float32Code is float32's number in GoMLX's DType enumeration (PJRT_Buffer_Type_F32), the same
// in GoMLX v0.26 (pkg/core/dtypes) and in compute v0.1 (dtypes); main_test.go checks it.
const float32Code = 11

func main() {
	reps := flag.Int("reps", 3, "timed repetitions after one untimed warm-up (1..100)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed repetitions to this file")
	flag.Parse()
	if err := run(*reps, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "hostloop:", err)
		os.Exit(1)
	}
}

func run(reps int, cpuProfile string) error {
	if reps < 1 || reps > 100 {
		return fmt.Errorf("-reps %d: allowed is 1..100", reps)
	}
	backend, err := dlopt.Backend()
	if err != nil {
		return err
	}
	res := measure.Result{Workload: "quadratic-host", Impl: "dlopt", Backend: fmt.Sprintf("%s [%s]", backend.Name(), dlopt.BackendConfig()),
		Unit: "10k steps", Steps: steps, CheckName: "final f"}
	start := time.Now()
	if _, err := once(); err != nil { // builds and compiles the one-step graph
		return err
	}
	res.SetupSeconds = time.Since(start).Seconds()
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for range reps {
		start := time.Now()
		f, err := once()
		if err != nil {
			return err
		}
		res.Seconds = append(res.Seconds, time.Since(start).Seconds())
		res.Check = f
	}
	if res.PeakRSSMB, err = peakRSSMB(); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// once runs the 10,000 steps from (200, 200) with a fresh optimizer and returns f at the end.
func once() (float64, error) {
	opt, err := optim.New(optim.Torch, "Adam", map[string]any{"lr": 0.01})
	if err != nil {
		return 0, err
	}
	grad := func(x []float64, _ int) []float64 { return []float64{x[0], 10 * x[1]} }
	traj, err := runHostFloat32(optim.RunHostFunc, opt, []float64{200, 200}, []int{2}, grad, steps)
	if err != nil {
		return 0, err
	}
	x := traj.Final()
	if len(x) != 2 {
		return 0, fmt.Errorf("RunHostFunc returned %d values, want 2", len(x))
	}
	return (x[0]*x[0] + 10*x[1]*x[1]) / 2, nil
}

// runHostFloat32 calls optim.RunHostFunc in float32: the dtype's type is inferred from the
// function's signature, so this compiles against either GoMLX version's dtypes package.
func runHostFloat32[D ~int32, O, G, R, T any](fn func(O, []float64, []int, G, int, D, ...R) (T, error),
	opt O, x0 []float64, shape []int, grad G, n int) (T, error) {
	return fn(opt, x0, shape, grad, n, D(float32Code))
}

// peakRSSMB reads the process's peak resident set size (VmHWM) from /proc/self/status, in MiB.
func peakRSSMB() (float64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM line in /proc/self/status")
}
