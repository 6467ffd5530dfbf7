// Command mlpstep times one training step of the MLP 784-H-H-10 (ReLU) with Adam (lr 1e-3) and
// cross-entropy in float32, built from dlopt/models and dlopt/optim and run by GoMLX's
// train.Trainer on the backend dlopt.Backend() picks ($DLOPT_BACKEND, e.g.
// xla:/path/to/xla_cuda_plugin.so on a GPU). bench/gpu/peers.py times the same step with
// PyTorch and JAX; bench/gpu/run.sh runs both on the GPU machine.
//
//	mlpstep -sizes 128x256,4096x256,4096x2048 -steps 1000,500,200 -reps 5 -warmup 20 -gradient fast,stock
//
// It prints one JSON line per (size, gradient): see [result].
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dlopt/course/bench/internal/measure"
	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/go-xla/compute/xla/autoinstall"
)

// result is one JSON line; peers.py prints the same fields (impl "torch" or "jax").
type result struct {
	Impl          string    `json:"impl"`           // "dlopt"
	Backend       string    `json:"backend"`        // GoMLX's backend name: "SimpleGo (go)" or "xla"
	BackendConfig string    `json:"backend_config"` // dlopt.BackendConfig(): what DLOPT_BACKEND selected
	Device        string    `json:"device"`         // the backend's description, and its device 0's
	Gradient      string    `json:"gradient"`       // the matrix-product gradient: "fast" (dlopt) or "stock" (GoMLX)
	Variant       string    `json:"variant"`        // what tells this impl's runs apart in the report: the gradient
	Optimizer     string    `json:"optimizer"`
	Batch         int       `json:"batch"`
	Hidden        int       `json:"hidden"`
	DType         string    `json:"dtype"`
	Steps         int       `json:"steps"` // timed steps per repetition
	Reps          int       `json:"reps"`
	Warmup        int       `json:"warmup"`
	MsPerStep     []float64 `json:"ms_per_step"` // one per repetition: its wall time / steps
	MedianMs      float64   `json:"median_ms"`
	// LossFirst is the loss of the first step (random init), LossLast the last timed step's:
	// on one fixed batch the model memorises it, so LossLast < LossFirst shows training happened.
	// Both are null when not finite.
	LossFirst  *float64 `json:"loss_first"`
	LossLast   *float64 `json:"loss_last"`
	LossFinite bool     `json:"loss_finite"`
	// DataOnDevice: inputs and labels were placed on the device once, before the timed steps.
	DataOnDevice bool   `json:"data_on_device"`
	Sync         string `json:"sync"`      // how the timed steps were waited for
	Precision    string `json:"precision"` // float32 matrix-product mode, with where that comes from
	XLAFlags     string `json:"xla_flags"` // $XLA_FLAGS as seen by the process ("" when unset)
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mlpstep:", err)
		os.Exit(1)
	}
}

// run parses args, measures every (gradient, size) and writes one JSON line each to stdout.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mlpstep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "128x256,4096x256,4096x2048", "comma-separated BATCHxHIDDEN")
	steps := fs.String("steps", "200", "timed steps per repetition: one count, or one per size")
	reps := fs.Int("reps", 5, "timed repetitions")
	warmup := fs.Int("warmup", 20, "untimed steps first (the first builds and compiles the graph)")
	gradient := fs.String("gradient", "fast", "matrix-product gradient: fast (dlopt), stock (GoMLX v0.26.0) or fast,stock")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (all options are flags)", fs.Args())
	}
	cfg, err := newConfig(*sizes, *steps, *reps, *warmup, *gradient)
	if err != nil {
		return err
	}
	backend, err := dlopt.Backend()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, g := range cfg.gradients {
		for i, sz := range cfg.sizes {
			t, err := timeTrainStep(backend, sz, g, cfg.steps[i], cfg.reps, cfg.warmup)
			if err != nil {
				return fmt.Errorf("size %dx%d, gradient %s: %w", sz.Batch, sz.Hidden, g, err)
			}
			r := result{
				Impl: "dlopt", Backend: backend.Name(), BackendConfig: dlopt.BackendConfig(),
				Device: backend.Description() + "; " + backend.DeviceDescription(0), Gradient: g.String(),
				Variant: g.String(), Optimizer: `dlopt/optim New(Torch, "Adam", lr 1e-3)`,
				Batch: sz.Batch, Hidden: sz.Hidden, DType: "float32",
				Steps: t.stepsPerRep, Reps: cfg.reps, Warmup: t.warmups,
				MsPerStep: t.msPerStep, MedianMs: measure.Median(t.msPerStep),
				LossFirst: finiteOrNil(t.lossFirst), LossLast: finiteOrNil(t.lossLast),
				DataOnDevice: t.inputsOnDevice,
				Sync:         fmt.Sprintf("steps queued, then %d loss read to host per repetition", t.lossReadsPerRep),
				Precision:    precisionNote(backend.Name(), dlopt.BackendConfig()),
				XLAFlags:     os.Getenv("XLA_FLAGS"),
			}
			r.LossFinite = r.LossFirst != nil && r.LossLast != nil
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// precisionNote says how float32 matrix products are computed, from what was read in GoMLX
// v0.26.0's source (backends/xla/ops_dotgeneral.go and xla.go), not measured.
func precisionNote(backendName, config string) string {
	if backendName != xla.BackendName {
		return backendName + ": float32 products in float32 arithmetic (no reduced-precision mode)"
	}
	_, options, _ := strings.Cut(config, ":")
	for _, o := range strings.Split(options, ",") {
		if o == "tf32" {
			return "XLA DotGeneral with GoMLX's explicit TF32 algorithm (backend option tf32)"
		}
	}
	// GoMLX emits DotGeneral with no precision config and no algorithm, i.e. precision DEFAULT,
	// as jax.numpy does under its default jax_default_matmul_precision.
	return "XLA DotGeneral precision DEFAULT (GoMLX sets none): TF32 on Ampere/Hopper GPUs " +
		"per JAX's matmul-precision docs, full float32 on CPU"
}
