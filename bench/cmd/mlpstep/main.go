// Command mlpstep times one training step of the MLP 784-H-H-10 (ReLU) with Adam (lr 1e-3) and
// cross-entropy in float32, built from dlopt/models and dlopt/optim and run by GoMLX's
// train.Trainer on the backend dlopt.Backend() picks ($DLOPT_BACKEND, e.g.
// xla:/path/to/xla_cuda_plugin.so on a GPU). bench/gpu/peers.py times the same step with
// PyTorch and JAX; bench/gpu/run.sh runs both on the GPU machine.
//
//	mlpstep -sizes 128x256,4096x256,4096x2048 -steps 1000,500,200 -reps 5 -warmup 20
//
// It prints one JSON line per size: see [result]. (Up to GoMLX v0.26 dlopt had its own
// matrix-product gradient and -gradient fast,stock compared it with GoMLX's; since v0.28
// GoMLX's DotGeneral gradient is itself two matrix products, and there is one gradient.)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/dlopt/course/bench/internal/measure"
	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/go-xla/compute/xla"
)

// result is one JSON line; peers.py prints the same fields (impl "torch" or "jax").
type result struct {
	Impl          string    `json:"impl"`           // "dlopt"
	Backend       string    `json:"backend"`        // the backend's name: "go" or "xla"
	BackendConfig string    `json:"backend_config"` // dlopt.BackendConfig(): what DLOPT_BACKEND selected
	Device        string    `json:"device"`         // the backend's description, and its device 0's
	Gradient      string    `json:"gradient"`       // how the gradient is computed
	Variant       string    `json:"variant"`        // what tells this impl's runs apart in the report: "" (one variant)
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
	DataOnDevice bool `json:"data_on_device"`
	// BatchCopyMs: GoMLX v0.28's Trainer takes (donates, then frees) the batch it is given, so
	// each timed step gets a device-side copy of the batch made by a one-op graph; this is what
	// that copy alone costs per step (median over the repetitions), included in MsPerStep.
	BatchCopyMs float64 `json:"batch_copy_ms"`
	Sync        string  `json:"sync"`      // how the timed steps were waited for
	Precision   string  `json:"precision"` // float32 matrix-product mode, with where that comes from
	XLAFlags    string  `json:"xla_flags"` // $XLA_FLAGS as seen by the process ("" when unset)
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mlpstep:", err)
		os.Exit(1)
	}
}

// run parses args, measures every size and writes one JSON line each to stdout.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mlpstep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "128x256,4096x256,4096x2048", "comma-separated BATCHxHIDDEN")
	steps := fs.String("steps", "200", "timed steps per repetition: one count, or one per size")
	reps := fs.Int("reps", 5, "timed repetitions")
	warmup := fs.Int("warmup", 20, "untimed steps first (the first builds and compiles the graph)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (all options are flags)", fs.Args())
	}
	cfg, err := newConfig(*sizes, *steps, *reps, *warmup)
	if err != nil {
		return err
	}
	backend, err := dlopt.Backend()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for i, sz := range cfg.sizes {
		t, err := timeTrainStep(backend, sz, cfg.steps[i], cfg.reps, cfg.warmup)
		if err != nil {
			return fmt.Errorf("size %dx%d: %w", sz.Batch, sz.Hidden, err)
		}
		r := result{
			Impl: "dlopt", Backend: backend.Name(), BackendConfig: dlopt.BackendConfig(),
			Device:    backend.Description() + "; " + backend.DeviceDescription(0),
			Gradient:  "GoMLX autodiff (DotGeneral's gradient: two matrix products)",
			Optimizer: `dlopt/optim New(Torch, "Adam", lr 1e-3)`,
			Batch:     sz.Batch, Hidden: sz.Hidden, DType: "float32",
			Steps: t.stepsPerRep, Reps: cfg.reps, Warmup: t.warmups,
			MsPerStep: t.msPerStep, MedianMs: measure.Median(t.msPerStep),
			LossFirst: finiteOrNil(t.lossFirst), LossLast: finiteOrNil(t.lossLast),
			DataOnDevice: t.inputsOnDevice, BatchCopyMs: measure.Median(t.copyMsPerStep),
			Sync:      fmt.Sprintf("steps queued, then %d loss read to host per repetition", t.lossReadsPerRep),
			Precision: precisionNote(backend.Name(), dlopt.BackendConfig()),
			XLAFlags:  os.Getenv("XLA_FLAGS"),
		}
		r.LossFinite = r.LossFirst != nil && r.LossLast != nil
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// precisionNote says how float32 matrix products are computed, from what was read in go-xla
// v0.4.13's compute/xla (xla.go: option "tf32", on by default for CUDA plugins only;
// ops_dotgeneral.go: on CUDA, precision DEFAULT with tf32 and HIGHEST without), not measured.
func precisionNote(backendName, config string) string {
	if backendName != xla.BackendName {
		return backendName + ": float32 products in float32 arithmetic (no reduced-precision mode)"
	}
	_, options, _ := strings.Cut(config, ":")
	parts := strings.Split(options, ",")
	plugin, tf32, set := parts[0], false, false
	for _, o := range parts[1:] {
		key, value, _ := strings.Cut(o, "=")
		switch {
		case key == "notf32":
			tf32, set = false, true
		case key == "tf32":
			b, err := strconv.ParseBool(value)
			tf32, set = value == "" || (err == nil && b), true
		}
	}
	upper := strings.ToUpper(plugin)
	cuda := strings.Contains(upper, "CUDA") || strings.Contains(upper, "NVIDIA")
	if !set {
		tf32 = cuda // go-xla's default: TF32 on CUDA plugins
	}
	switch {
	case cuda && tf32:
		return "XLA DotGeneral precision DEFAULT (go-xla's tf32 option, on by default for CUDA): TF32 on Ampere/Hopper GPUs"
	case cuda:
		return "XLA DotGeneral precision HIGHEST (backend option tf32=false): full float32"
	case tf32:
		return "XLA DotGeneral with go-xla's explicit TF32 dot algorithm (backend option tf32)"
	}
	return "XLA DotGeneral without precision config (non-CUDA plugin, no tf32 option): full float32 on CPU"
}
