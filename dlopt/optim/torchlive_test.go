package optim

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/dlopt/course/internal/torchblas"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"
)

// debianPython is Debian's interpreter, which has python3-torch 1.13 (the python3 first on PATH
// may be another build without torch).
const debianPython = "/usr/bin/python3"

// torchLiveScript runs torch.optim on the problems given on stdin, in float64 and float32 (not
// for the cases that change hyperparameters), and prints the parameters after each step, and
// ASGD's average "ax": results[2·case] is float64, results[2·case+1] float32 (or null).
const torchLiveScript = `
import json, sys
import torch
torch.set_num_threads(1)
# Scalar state (ASGD's eta and mu, NAdam's mu_product) is created with torch.tensor(x): in the
# default dtype. float64 here, as the oracle was produced.
torch.set_default_dtype(torch.float64)
spec = json.load(sys.stdin)
out = []
for case in spec["cases"]:
  for dtype in (torch.float64, torch.float32):
    if dtype == torch.float32 and "changes" in case:
        out.append(None)
        continue
    p = torch.tensor(spec["x0"], dtype=dtype).reshape(spec["shape"]).requires_grad_()
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in case["kwargs"].items()}
    opt = getattr(torch.optim, case["class"])([p], **kwargs)
    traj, evals = [], []
    for t, g in enumerate(spec["grads"]):
        for k, v in case.get("changes", {}).get(str(t), {}).items():
            opt.param_groups[0][k] = tuple(v) if isinstance(v, list) else v
        p.grad = torch.tensor(g, dtype=dtype).reshape(spec["shape"])
        opt.step()
        traj.append(p.detach().flatten().tolist())
        if "ax" in opt.state[p]:
            evals.append(opt.state[p]["ax"].flatten().tolist())
    out.append({"trajectory": traj, "eval": evals})
json.dump({"version": torch.__version__, "results": out}, sys.stdout)
`

// TestTorchLive runs Debian's PyTorch 1.13 on a second problem, seeded and unlike the oracle's
// (another shape, starting point, gradients and hyperparameters), for every torch.optim class
// 1.13 has that dlopt implements (LBFGS has its own test), and compares the trajectories at the
// oracle's tolerances, in float64 and in float32 (against torch in float32). Three cases also
// change hyperparameters between steps (torch's param_groups, dlopt's SetHyper), as a schedule
// does. It is skipped only if torch cannot be imported.
func TestTorchLive(t *testing.T) {
	if err := exec.Command(debianPython, "-c", "import torch").Run(); err != nil {
		t.Skipf("skipping: %s cannot import torch (%v); install Debian's python3-torch", debianPython, err)
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	shape := []int{2, 3}
	x0 := make([]float64, 6)
	for i := range x0 {
		x0[i] = rng.NormFloat64() * 2
	}
	grads := make([][]float64, 25)
	for k := range grads {
		grads[k] = make([]float64, 6)
		for i := range grads[k] {
			grads[k][i] = rng.NormFloat64() * float64(1+i) // columns of different scales
		}
	}
	grads[7][2] = 0 // a zero gradient (Rprop's sign logic, Adagrad's accumulator)
	type liveCase struct {
		Class  string         `json:"class"`
		Kwargs map[string]any `json:"kwargs"`
		// Changes sets hyperparameters (torch's param_groups keys) before step index+1.
		Changes map[string]map[string]any `json:"changes,omitempty"`
	}
	cases := []liveCase{
		{"SGD", map[string]any{"lr": 0.05}, nil},
		{"SGD", map[string]any{"lr": 0.05, "momentum": 0.7, "dampening": 0.2}, nil},
		{"SGD", map[string]any{"lr": 0.05, "momentum": 0.7, "nesterov": true, "weight_decay": 0.02}, nil},
		{"SGD", map[string]any{"lr": 0.05, "momentum": 0.5, "maximize": true}, nil},
		{"Adam", map[string]any{"lr": 0.05, "betas": []any{0.8, 0.99}, "eps": 1e-6, "weight_decay": 0.02}, nil},
		{"Adam", map[string]any{"lr": 0.05, "betas": []any{0.85, 0.995}, "amsgrad": true}, nil},
		{"Adam", map[string]any{"lr": 0.03, "maximize": true}, nil},
		{"AdamW", map[string]any{"lr": 0.05, "betas": []any{0.8, 0.99}, "weight_decay": 0.1, "amsgrad": true}, nil},
		{"Adamax", map[string]any{"lr": 0.05, "betas": []any{0.8, 0.99}, "weight_decay": 0.02}, nil},
		// NAdam is left out: torch 1.13 computes μ-product-next as Π_t·μ_t·μ_{t+1} (μ_t counted
		// twice), a bug fixed in torch 2.x; dlopt follows torch 2.x (checked by the oracle).
		{"RAdam", map[string]any{"lr": 0.05, "betas": []any{0.8, 0.9}, "weight_decay": 0.02}, nil},
		{"Adagrad", map[string]any{"lr": 0.05, "lr_decay": 0.05, "initial_accumulator_value": 0.2, "weight_decay": 0.02, "eps": 1e-8}, nil},
		{"RMSprop", map[string]any{"lr": 0.01, "alpha": 0.95, "centered": true, "momentum": 0.5, "weight_decay": 0.02}, nil},
		{"RMSprop", map[string]any{"lr": 0.01, "alpha": 0.9, "eps": 1e-6}, nil},
		{"Adadelta", map[string]any{"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.02}, nil},
		{"ASGD", map[string]any{"lr": 0.05, "lambd": 0.01, "alpha": 0.6, "t0": 5, "weight_decay": 0.02}, nil},
		{"Rprop", map[string]any{"lr": 0.05, "etas": []any{0.4, 1.3}, "step_sizes": []any{1e-4, 0.2}}, nil},
		// Hyperparameters changed between steps, as a schedule does.
		{"Adam", map[string]any{"lr": 0.05}, map[string]map[string]any{
			"5": {"lr": 0.02, "betas": []any{0.7, 0.95}}, "12": {"lr": 0.1, "weight_decay": 0.05}}},
		{"SGD", map[string]any{"lr": 0.05, "momentum": 0.9}, map[string]map[string]any{"8": {"momentum": 0.5, "lr": 0.2}}},
		{"RMSprop", map[string]any{"lr": 0.01, "momentum": 0.5, "weight_decay": 0.01}, map[string]map[string]any{"6": {"alpha": 0.8, "eps": 1e-3}}},
	}
	spec, _ := json.Marshal(map[string]any{"x0": x0, "shape": shape, "grads": grads, "cases": cases})
	cmd := exec.Command(debianPython, "-c", torchLiveScript)
	cmd.Stdin = bytes.NewReader(spec)
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("torch script: %v\n%s", err, stderr.String())
	}
	var res struct {
		Version string
		Results []*struct {
			Trajectory [][]float64
			Eval       [][]float64
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("torch output: %v\n%s", err, out)
	}
	t.Logf("torch %s, %d configurations", res.Version, len(cases))
	// Element-wise updates only: no BLAS call, so no BLAS configuration changes a digit; which
	// one ran is logged all the same (TestLBFGSMatchesTorch runs against each).
	if info, err := torchblas.Probe(debianPython, "OPENBLAS_NUM_THREADS=1"); err == nil {
		t.Logf("torch's BLAS: %s", info)
	}
	for n, c := range cases {
		kw, _ := json.Marshal(c.Kwargs)
		name := c.Class + string(kw)
		if c.Changes != nil {
			ch, _ := json.Marshal(c.Changes)
			name += " then " + string(ch)
		}
		t.Run(name, func(t *testing.T) {
			opt, err := New(Torch, c.Class, c.Kwargs)
			if err != nil {
				t.Fatal(err)
			}
			traj, err := runWithChanges(t, opt, x0, shape, grads, c.Changes)
			if err != nil {
				t.Fatal(err)
			}
			want64 := res.Results[2*n]
			if msg := compareTrajectories(traj.Params, want64.Trajectory, dtypes.Float64); msg != "" {
				t.Errorf("float64 trajectory: %s", msg)
			}
			if len(want64.Eval) > 0 {
				if msg := compareTrajectories(traj.Eval, want64.Eval, dtypes.Float64); msg != "" {
					t.Errorf("float64 averaged parameters (ax): %s", msg)
				}
			}
			want32 := res.Results[2*n+1]
			if want32 == nil {
				return
			}
			traj32, err := RunGradients(mustOpt(t)(New(Torch, c.Class, c.Kwargs)), x0, shape, grads, dtypes.Float32)
			if err != nil {
				t.Fatal(err)
			}
			if msg := compareTrajectories(traj32.Params, want32.Trajectory, dtypes.Float32); msg != "" {
				t.Errorf("float32 trajectory: %s", msg)
			}
		})
	}
	if !strings.HasPrefix(res.Version, "1.") && !strings.HasPrefix(res.Version, "2.") {
		t.Errorf("unexpected torch version %q", res.Version)
	}
}

// runWithChanges is RunGradients, except that it applies changes (torch hyperparameter names,
// keyed by step index) with SetHyper between steps, as a host-side schedule does.
func runWithChanges(t *testing.T, opt *Optimizer, x0 []float64, shape []int, grads [][]float64, changes map[string]map[string]any) (*Trajectory, error) {
	t.Helper()
	if changes == nil {
		return RunGradients(opt, x0, shape, grads, dtypes.Float64)
	}
	st := newStepper(t, model.NewStore(), opt, x0, shape)
	traj := &Trajectory{Shape: shape}
	for k := range grads {
		for key, v := range changes[strconv.Itoa(k)] {
			var err error
			if pair, ok := v.([]any); ok { // betas
				if err = opt.SetHyper(st.store.RootScope(), key[:len(key)-1]+"1", pair[0].(float64)); err == nil {
					err = opt.SetHyper(st.store.RootScope(), key[:len(key)-1]+"2", pair[1].(float64))
				}
			} else {
				err = opt.SetHyper(st.store.RootScope(), key, v.(float64))
			}
			if err != nil {
				return nil, err
			}
		}
		traj.Params = append(traj.Params, st.run(t, grads[k:k+1])[0])
	}
	return traj, nil
}
