// Command dlbench measures dlopt workloads on the backend dlopt.Backend() picks (simplego unless
// $DLOPT_BACKEND says otherwise) and prints one JSON object (see [result]) per run, for
// bench/run.sh to set beside bench/torch_peer.py, which measures the same workloads with PyTorch.
//
//	dlbench -workload mlp -reps 3
//	dlbench -check-backend   # creates the backend and prints its name, or fails with the reason
//
// Workloads (the same names in torch_peer.py). Models are GoMLX layers, data come from
// dlopt/data's Fashion-MNIST loader, optimizers from dlopt/optim by their torch.optim names:
//
//	softmax        softmax regression 784-10, SGD lr 0.1, batch 128, one epoch
//	mlp            MLP 784-256-256-10 ReLU, Adam lr 1e-3, batch 128, one epoch
//	cnn            conv3x3(8)-pool-conv3x3(16)-pool-dense(10), Adam lr 1e-3, batch 128, -steps steps
//	adam-1m        one Adam update of 1M float32 parameters (gradient given, on the device)
//	adam-10m       the same with 10M
//	sgdm-1m        one SGD update with momentum 0.9 of 1M float32 parameters
//	sgdm-10m       the same with 10M
//	quadratic      10,000 Adam steps (lr 0.01) on f(x) = (x1² + 10·x2²)/2 from (200, 200),
//	               with optim.RunFunc (graph building and compilation included)
//	matmul         float32 [512,784]·[784,256], the kernel behind the dense layers
//
// Each workload is prepared untimed (data read, graphs built and compiled by one step), then run
// -reps times; each repetition's wall time per unit is reported, with the process's peak
// resident memory at the end. Epochs drop the last partial batch (468 steps of 128), as
// torch_peer.py does, so no second graph is compiled for a smaller batch.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/dlopt/course/bench/internal/measure"
)

// benchmark describes one workload of dlbench; setup prepares it.
type benchmark struct {
	unit, checkName string
	setup           func(cfg config) (*prepared, error)
}

// prepared is a workload ready to time: run makes one repetition, that is units times the unit
// (one epoch, 20 updates...) in steps optimizer steps, and returns the check value. reset, when
// set, runs untimed before each repetition.
type prepared struct {
	reset        func() error
	run          func() (check float64, err error)
	units, steps int
}

// config holds the flags a workload may use.
type config struct {
	steps int // for cnn: training steps per repetition
}

var workloads = map[string]benchmark{
	"softmax":   {unit: "epoch", checkName: "mean train loss", setup: setupSoftmax},
	"mlp":       {unit: "epoch", checkName: "mean train loss", setup: setupMLP},
	"cnn":       {unit: "steps", checkName: "mean train loss", setup: setupCNN},
	"adam-1m":   {unit: "update", checkName: "mean parameter", setup: setupUpdate("adam", 1_000_000)},
	"adam-10m":  {unit: "update", checkName: "mean parameter", setup: setupUpdate("adam", 10_000_000)},
	"sgdm-1m":   {unit: "update", checkName: "mean parameter", setup: setupUpdate("sgdm", 1_000_000)},
	"sgdm-10m":  {unit: "update", checkName: "mean parameter", setup: setupUpdate("sgdm", 10_000_000)},
	"quadratic": {unit: "10k steps", checkName: "final f", setup: setupQuadratic},
	"matmul":    {unit: "product", checkName: "GFLOP/s", setup: setupMatmul},
}

func workloadNames() string {
	names := make([]string, 0, len(workloads))
	for n := range workloads {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func main() {
	name := flag.String("workload", "", "workload to run: one of "+workloadNames())
	reps := flag.Int("reps", 3, "timed repetitions after one untimed warm-up (1..100)")
	steps := flag.Int("steps", 100, "cnn: training steps per repetition (1..468)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed repetitions to this file")
	checkBackend := flag.Bool("check-backend", false, "only create the backend and print its name (bench/run.sh: is ONNX Runtime usable?)")
	flag.Parse()
	if *checkBackend {
		name, err := backendName()
		if err != nil {
			fmt.Fprintln(os.Stderr, "dlbench:", err)
			os.Exit(1)
		}
		fmt.Println(name)
		return
	}
	if err := run(os.Stdout, *name, *reps, config{steps: *steps}, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "dlbench:", err)
		os.Exit(1)
	}
}

// run prepares and times the named workload and writes its result to w as one JSON line.
func run(w io.Writer, name string, reps int, cfg config, cpuProfile string) error {
	wl, ok := workloads[name]
	if !ok {
		return fmt.Errorf("unknown -workload %q: allowed are %s", name, workloadNames())
	}
	if reps < 1 || reps > 100 {
		return fmt.Errorf("-reps %d: allowed is 1..100", reps)
	}
	if cfg.steps < 1 || cfg.steps > 468 {
		return fmt.Errorf("-steps %d: allowed is 1..468 (one epoch of full batches of 128 at most)", cfg.steps)
	}
	backend, err := backendName()
	if err != nil {
		return err
	}
	start := time.Now()
	p, err := wl.setup(cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	res := measure.Result{Workload: name, Impl: "dlopt", Backend: backend, Unit: wl.unit, Steps: p.steps, CheckName: wl.checkName,
		SetupSeconds: time.Since(start).Seconds()}
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
		if p.reset != nil {
			if err := p.reset(); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		start := time.Now()
		check, err := p.run()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		res.Seconds = append(res.Seconds, time.Since(start).Seconds()/float64(p.units))
		res.Check = check
	}
	res.PeakRSSMB, err = peakRSSMB()
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(res)
}
