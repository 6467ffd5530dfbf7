package optim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// The keyword tests: every keyword a registered optimizer reads is run at a non-default value
// and compared with a reference that shares no code with dlopt. keywordCases lists the runs;
// TestKeywordTable (keywords_table_test.go) checks that together they reach every keyword.

// Reference kinds, as the table names them.
const (
	refTorch    = "torch 1.13 live"
	refNumpy    = "numpy from optax source"
	refTorchSrc = "python from torch 2.x source"
	refOracle   = "torch 2.11 / optax 0.2.8 oracle"
	refRelation = "relation from torch source"
	refNoEffect = "accepted, no effect (checked)"
)

// keywordCase is one configuration compared with its reference.
type keywordCase struct {
	Lib, Name string
	Kwargs    map[string]any
	Ref       string
	// TorchClass and TorchKwargs, when set, are what the torch reference runs instead
	// (torch's Adam(decoupled_weight_decay=True) is documented to be AdamW).
	TorchClass  string
	TorchKwargs map[string]any
	// Inert lists keywords given that have no effect in this case by design (a weight decay
	// masked off), so that TestKeywordTable does not count or flag them here.
	Inert []string
	// Drift adds a constant to every gradient (a consistent descent direction, which
	// distance-estimating methods such as Prodigy need before their estimate grows).
	Drift float64
	// Shape replaces the problem's 2×3 (same six values), e.g. [6] for the branch of optax's
	// muon that trains non-matrix parameters.
	Shape []int
}

// problem is keywordProblem with the case's drift.
func (c keywordCase) problem() (x0 []float64, shape []int, grads [][]float64) {
	x0, shape, grads = keywordProblem()
	if c.Shape != nil {
		shape = c.Shape
	}
	for _, g := range grads {
		for i := range g {
			g[i] += c.Drift
		}
	}
	return x0, shape, grads
}

// kw builds a keyword map from alternating names and values.
func kw(pairs ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(pairs); i += 2 {
		m[pairs[i].(string)] = pairs[i+1]
	}
	return m
}

// keywordCases: every value differs from the library's default (TestKeywordTable checks that
// leaving each keyword out changes dlopt's trajectory).
var keywordCases = []keywordCase{
	// Live torch 1.13, for the classes and keywords it has.
	{Lib: Torch, Name: "SGD", Ref: refTorch, Kwargs: kw("lr", 0.05, "momentum", 0.7, "dampening", 0.2, "weight_decay", 0.02, "maximize", true)},
	{Lib: Torch, Name: "SGD", Ref: refTorch, Kwargs: kw("lr", 0.05, "momentum", 0.7, "nesterov", true)},
	{Lib: Torch, Name: "Adam", Ref: refTorch, Kwargs: kw("lr", 0.05, "betas", []any{0.8, 0.99}, "eps", 1e-4, "weight_decay", 0.02, "amsgrad", true, "maximize", true)},
	{Lib: Torch, Name: "Adam", Ref: refTorch, Kwargs: kw("lr", 0.05, "betas", []any{0.8, 0.99}, "weight_decay", 0.1, "decoupled_weight_decay", true),
		TorchClass: "AdamW", TorchKwargs: kw("lr", 0.05, "betas", []any{0.8, 0.99}, "weight_decay", 0.1)},
	{Lib: Torch, Name: "AdamW", Ref: refTorch, Kwargs: kw("lr", 0.05, "betas", []any{0.8, 0.99}, "eps", 1e-4, "weight_decay", 0.1, "amsgrad", true, "maximize", true)},
	{Lib: Torch, Name: "Adamax", Ref: refTorch, Kwargs: kw("lr", 0.05, "betas", []any{0.8, 0.99}, "eps", 1e-3, "weight_decay", 0.02, "maximize", true)},
	{Lib: Torch, Name: "RAdam", Ref: refTorch, Kwargs: kw("lr", 0.05, "betas", []any{0.8, 0.9}, "eps", 1e-4, "weight_decay", 0.02)},
	{Lib: Torch, Name: "Adagrad", Ref: refTorch, Kwargs: kw("lr", 0.05, "lr_decay", 0.05, "initial_accumulator_value", 0.2, "weight_decay", 0.02, "eps", 1e-3, "maximize", true)},
	{Lib: Torch, Name: "RMSprop", Ref: refTorch, Kwargs: kw("lr", 0.02, "alpha", 0.95, "eps", 1e-4, "centered", true, "momentum", 0.5, "weight_decay", 0.02, "maximize", true)},
	{Lib: Torch, Name: "Adadelta", Ref: refTorch, Kwargs: kw("lr", 0.5, "rho", 0.8, "eps", 1e-4, "weight_decay", 0.02, "maximize", true)},
	{Lib: Torch, Name: "ASGD", Ref: refTorch, Kwargs: kw("lr", 0.05, "lambd", 0.01, "alpha", 0.6, "t0", 5, "weight_decay", 0.02, "maximize", true)},
	{Lib: Torch, Name: "Rprop", Ref: refTorch, Kwargs: kw("lr", 0.05, "etas", []any{0.4, 1.3}, "step_sizes", []any{1e-4, 0.2}, "maximize", true)},
	// torch 2.x NAdam (1.13's differs by a bug), written from torch's source in the numpy file.
	{Lib: Torch, Name: "NAdam", Ref: refTorchSrc, Kwargs: kw("lr", 0.05, "betas", []any{0.8, 0.95}, "eps", 1e-4, "weight_decay", 0.02, "momentum_decay", 8e-3, "maximize", true)},
	{Lib: Torch, Name: "NAdam", Ref: refTorchSrc, Kwargs: kw("lr", 0.05, "weight_decay", 0.05, "decoupled_weight_decay", true)},
	// torch 2.x Adafactor, written from torch's source: d = 0.5 clips the update's RMS.
	{Lib: Torch, Name: "Adafactor", Ref: refTorchSrc, Kwargs: kw("lr", 0.05, "beta2_decay", -0.6, "d", 0.5, "eps", []any{3.0, 1e-3}, "weight_decay", 0.05)},
	{Lib: Torch, Name: "Adafactor", Ref: refTorchSrc, Kwargs: kw("lr", 0.3, "eps", []any{nil, 5.0})},
	// torch 2.x Muon, with its bfloat16 Newton–Schulz emulated in numpy from torch's source.
	{Lib: Torch, Name: "Muon", Ref: refTorchSrc, Kwargs: kw("lr", 0.05, "weight_decay", 0.05, "momentum", 0.8, "nesterov", false,
		"ns_coefficients", []any{3.0, -3.2, 1.2}, "ns_steps", 3, "eps", 50.0)},
	{Lib: Torch, Name: "Muon", Ref: refTorchSrc, Kwargs: kw("lr", 0.05, "adjust_lr_fn", "match_rms_adamw"), Shape: []int{3, 2}},

	// optax, against the numpy implementation written from optax's source.
	{Lib: Optax, Name: "sgd", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "momentum", 0.7, "nesterov", true)},
	{Lib: Optax, Name: "adagrad", Ref: refNumpy, Kwargs: kw("learning_rate", 0.2, "initial_accumulator_value", 0.3, "eps", 1e-3)},
	{Lib: Optax, Name: "rmsprop", Ref: refNumpy, Kwargs: kw("learning_rate", 0.02, "decay", 0.8, "eps", 1e-3, "initial_scale", 0.5,
		"eps_in_sqrt", false, "bias_correction", true, "momentum", 0.6, "nesterov", true)},
	{Lib: Optax, Name: "rmsprop", Ref: refNumpy, Kwargs: kw("learning_rate", 0.02, "centered", true, "decay", 0.85, "eps", 1e-4,
		"eps_in_sqrt", false, "bias_correction", true, "initial_scale", 0.2, "momentum", 0.5)},
	{Lib: Optax, Name: "rmsprop", Ref: refNumpy, Kwargs: kw("learning_rate", 0.02, "centered", true, "eps", 1e-3)},
	{Lib: Optax, Name: "adadelta", Ref: refNumpy, Kwargs: kw("learning_rate", 0.5, "rho", 0.8, "eps", 1e-4, "weight_decay", 0.05)},
	{Lib: Optax, Name: "adam", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "eps", 1e-4, "eps_root", 1e-3, "nesterov", true)},
	{Lib: Optax, Name: "nadam", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.85, "b2", 0.99, "eps", 1e-5, "eps_root", 1e-4, "nesterov", false)},
	{Lib: Optax, Name: "adamw", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "eps", 1e-4, "eps_root", 1e-3, "weight_decay", 0.1, "nesterov", true)},
	{Lib: Optax, Name: "nadamw", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.85, "b2", 0.99, "eps", 1e-5, "eps_root", 1e-4, "weight_decay", 0.05, "nesterov", false)},
	{Lib: Optax, Name: "adamax", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "eps", 1e-3)},
	{Lib: Optax, Name: "adamaxw", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "eps", 1e-3, "weight_decay", 0.1)},
	{Lib: Optax, Name: "amsgrad", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "eps", 1e-4, "eps_root", 1e-3,
		"bias_correction_mu", false, "bias_correction_nu", false)},
	{Lib: Optax, Name: "radam", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.9, "eps", 1e-4, "eps_root", 1e-3, "threshold", 4.2, "nesterov", true)},
	{Lib: Optax, Name: "lion", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "weight_decay", 0.01)},
	{Lib: Optax, Name: "lamb", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "eps", 1e-3, "eps_root", 1e-4, "weight_decay", 0.05)},
	{Lib: Optax, Name: "lars", Ref: refNumpy, Kwargs: kw("learning_rate", 0.5, "weight_decay", 0.05, "trust_coefficient", 0.01, "eps", 1e-3, "momentum", 0.7, "nesterov", true)},
	{Lib: Optax, Name: "lars", Ref: refNumpy, Kwargs: kw("learning_rate", 0.5, "weight_decay", 0.05, "weight_decay_mask", false, "trust_ratio_mask", false, "momentum", 0.5),
		Inert: []string{"weight_decay"}},
	{Lib: Optax, Name: "yogi", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "eps", 1e-2)},
	{Lib: Optax, Name: "novograd", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.5, "eps", 1e-3, "eps_root", 1e-4, "weight_decay", 0.05)},
	{Lib: Optax, Name: "adabelief", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "eps", 1e-6, "eps_root", 1e-5, "nesterov", true)},
	{Lib: Optax, Name: "sm3", Ref: refNumpy, Kwargs: kw("learning_rate", 0.2, "momentum", 0.7)},
	{Lib: Optax, Name: "fromage", Ref: refNumpy, Kwargs: kw("learning_rate", 0.2, "min_norm", 8.0)},
	{Lib: Optax, Name: "adan", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.9, "b2", 0.8, "b3", 0.95, "eps", 1e-4, "eps_root", 1e-3, "weight_decay", 0.05)},
	{Lib: Optax, Name: "rprop", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "eta_minus", 0.3, "eta_plus", 1.5, "min_step_size", 0.01, "max_step_size", 0.2)},
	{Lib: Optax, Name: "sign_sgd", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05)},
	{Lib: Optax, Name: "signum", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "beta", 0.7)},
	{Lib: Optax, Name: "optimistic_gradient_descent", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "alpha", 0.5, "beta", 0.3)},
	{Lib: Optax, Name: "schedule_free_sgd", Ref: refNumpy, Kwargs: kw("learning_rate", 0.5, "warmup_steps", 5, "b1", 0.8, "weight_decay", 0.05, "weight_lr_power", 1.0)},
	{Lib: Optax, Name: "schedule_free_adamw", Ref: refNumpy, Kwargs: kw("learning_rate", 0.1, "warmup_steps", 4, "b1", 0.85, "b2", 0.95, "eps", 1e-4, "weight_decay", 0.05, "weight_lr_power", 1.5)},
	{Lib: Optax, Name: "adafactor", Ref: refNumpy, Kwargs: kw("learning_rate", 0.1, "min_dim_size_to_factor", 2, "decay_rate", 0.6,
		"multiply_by_parameter_scale", false, "clipping_threshold", 0.5, "momentum", 0.7, "weight_decay_rate", 0.01, "eps", 1e-3)},
	{Lib: Optax, Name: "adafactor", Ref: refNumpy, Kwargs: kw("learning_rate", 0.1, "min_dim_size_to_factor", 2, "factored", false),
		Inert: []string{"min_dim_size_to_factor"}},
	{Lib: Optax, Name: "adafactor", Ref: refNumpy, Kwargs: kw("learning_rate", 0.1, "clipping_threshold", nil, "multiply_by_parameter_scale", false)},

	// optax.contrib.
	{Lib: Optax, Name: "muon", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "ns_coeffs", []any{3.0, -3.2, 1.2}, "ns_steps", 3,
		"beta", 0.8, "eps", 0.5, "weight_decay", 0.05, "nesterov", false, "adaptive", true)},
	{Lib: Optax, Name: "muon", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "ns_coeffs", []any{[]any{3.4445, -4.775, 2.0315}, []any{3.0, -3.2, 1.2}}),
		Shape: []int{3, 2}},
	{Lib: Optax, Name: "muon", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "adam_b1", 0.8, "adam_b2", 0.95, "adam_eps_root", 1e-3,
		"adam_weight_decay", 0.05, "adam_learning_rate", 0.02, "eps", 1e-4, "nesterov", false), Shape: []int{6}, Inert: []string{"learning_rate"}},
	{Lib: Optax, Name: "acprop", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "eps", 1e-4, "eps_root", 1e-3, "weight_decay", 0.05)},
	{Lib: Optax, Name: "adopt", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "eps", 2.0, "nesterov", true, "use_clipping", false)},
	{Lib: Optax, Name: "ademamix", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "b1", 0.8, "b2", 0.95, "b3", 0.99, "alpha", 3.0, "eps", 1e-4, "eps_root", 1e-3, "weight_decay", 0.05)},
	{Lib: Optax, Name: "simplified_ademamix", Ref: refNumpy, Kwargs: kw("learning_rate", 0.01, "b1", 0.9, "b2", 0.9, "alpha", 2.0, "eps", 1e-4, "eps_root", 1e-3, "weight_decay", 0.05)},
	{Lib: Optax, Name: "madgrad", Ref: refNumpy, Kwargs: kw("learning_rate", 0.05, "momentum", 0.7, "eps", 1e-3, "weight_decay", 0.05)},
	{Lib: Optax, Name: "cocob", Ref: refNumpy, Kwargs: kw("learning_rate", 0.5, "alpha", 20.0, "eps", 3.0, "weight_decay", 0.05)},
	{Lib: Optax, Name: "dog", Ref: refNumpy, Kwargs: kw("learning_rate", 0.5, "init_step", []any{"distance", 0.1}, "eps", 1e-4, "weight_decay", 0.05)},
	{Lib: Optax, Name: "dog", Ref: refNumpy, Kwargs: kw("learning_rate", 0.8, "init_step", []any{"learning_rate", 0.01})},
	{Lib: Optax, Name: "dog", Ref: refNumpy, Kwargs: kw("init_step", []any{"heuristic", 1e-3})},
	{Lib: Optax, Name: "dowg", Ref: refNumpy, Kwargs: kw("learning_rate", 0.5, "init_estim_sq_dist", 0.01, "eps", 1e-3, "weight_decay", 0.05)},
	// estim_lr0 = 1e-5 is not a float32 number: optax starts the estimate at its float32
	// rounding (_prodigy.py's init_fn), which this case checks.
	{Lib: Optax, Name: "prodigy", Ref: refNumpy, Kwargs: kw("learning_rate", 0.5, "betas", []any{0.8, 0.95}, "beta3", 0.9, "eps", 1e-4,
		"estim_lr0", 1e-5, "estim_lr_coef", 2.0, "weight_decay", 0.05), Drift: 2},
	{Lib: Optax, Name: "dadapt_adamw", Ref: refNumpy, Kwargs: kw("learning_rate", 0.5, "betas", []any{0.8, 0.95}, "eps", 1e-4, "estim_lr0", 1e-3, "weight_decay", 0.05)},
}

// keywordProblem is the seeded problem of the keyword tests: a 2×3 parameter (matrices
// exercise SM3's per-axis accumulators), 25 gradients with columns of different scales, one
// zero entry (Rprop's and Adagrad's zero branches).
func keywordProblem() (x0 []float64, shape []int, grads [][]float64) {
	rng := rand.New(rand.NewPCG(14, 2026))
	shape = []int{2, 3}
	x0 = make([]float64, 6)
	for i := range x0 {
		x0[i] = rng.NormFloat64() * 2
	}
	grads = make([][]float64, 25)
	for k := range grads {
		grads[k] = make([]float64, 6)
		for i := range grads[k] {
			grads[k][i] = rng.NormFloat64() * float64(1+i)
		}
	}
	grads[6][4] = 0
	return x0, shape, grads
}

// referenceResult is one trajectory from a Python reference.
type referenceResult struct {
	Trajectory [][]float64 `json:"trajectory"`
	Eval       [][]float64 `json:"eval"`
}

// numpyReferenceFile is the numpy implementation written from optax's (and torch's NAdam)
// source, run by Debian's Python.
const numpyReferenceFile = "testdata/optax_numpy_reference.py"

// runPython runs script (a file, or code with -c) on spec and decodes its JSON output into out;
// the test is skipped when Debian's Python lacks module.
func runPython(t *testing.T, module string, args []string, spec any, out any) {
	t.Helper()
	if err := exec.Command(debianPython, "-c", "import "+module).Run(); err != nil {
		t.Skipf("skipping: %s cannot import %s (%v)", debianPython, module, err)
	}
	in, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(debianPython, args...)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", args, err, stderr.String())
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s output: %v", args, err)
	}
}

// numpyName is the numpy file's name for a case.
func numpyName(c keywordCase) string {
	if c.Lib == Torch {
		return "torch:" + c.Name
	}
	return c.Name
}

// checkAgainst runs dlopt on the case in float64 and compares with want (trajectory and, where
// the reference has them, evaluation parameters) at the oracle's float64 tolerance.
func checkAgainst(t *testing.T, c keywordCase, want referenceResult) {
	t.Helper()
	x0, shape, grads := c.problem()
	opt, err := New(c.Lib, c.Name, c.Kwargs)
	if err != nil {
		t.Fatal(err)
	}
	traj, err := RunGradients(opt, x0, shape, grads, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	if msg := compareTrajectories(traj.Params, want.Trajectory, dtypes.Float64); msg != "" {
		t.Errorf("trajectory: %s", msg)
	}
	if want.Eval != nil {
		if msg := compareTrajectories(traj.Eval, want.Eval, dtypes.Float64); msg != "" {
			t.Errorf("evaluation parameters: %s", msg)
		}
	}
}

func caseName(c keywordCase) string {
	b, _ := json.Marshal(c.Kwargs)
	return c.Lib + "/" + c.Name + string(b)
}

// TestKeywordsNumpy compares every numpy-referenced case. Its control: the numpy file itself
// reproduces the oracle (real optax 0.2.8 and torch 2.11) for every entry it implements, so a
// slip in the second implementation shows up there rather than passing as agreement.
func TestKeywordsNumpy(t *testing.T) {
	var cases []keywordCase
	for _, c := range keywordCases {
		if c.Ref == refNumpy || c.Ref == refTorchSrc {
			cases = append(cases, c)
		}
	}
	type pyCase struct {
		Name   string         `json:"name"`
		Kwargs map[string]any `json:"kwargs"`
		Grads  [][]float64    `json:"grads,omitempty"` // this case's, when it has its own
		Shape  []int          `json:"shape,omitempty"`
	}
	var spec struct {
		X0    []float64   `json:"x0"`
		Shape []int       `json:"shape"`
		Grads [][]float64 `json:"grads"`
		Cases []pyCase    `json:"cases"`
	}
	spec.X0, spec.Shape, spec.Grads = keywordProblem()
	for _, c := range cases {
		pc := pyCase{Name: numpyName(c), Kwargs: c.Kwargs, Shape: c.Shape}
		if c.Drift != 0 {
			_, _, pc.Grads = c.problem()
		}
		spec.Cases = append(spec.Cases, pc)
	}
	var res struct {
		Names   []string          `json:"names"`
		Results []referenceResult `json:"results"`
	}
	runPython(t, "numpy", []string{numpyReferenceFile}, spec, &res)
	for i, c := range cases {
		t.Run(caseName(c), func(t *testing.T) { checkAgainst(t, c, res.Results[i]) })
	}

	// The control: oracle entries the numpy file implements.
	o := loadOracle(t)
	var oracleSpec = spec
	oracleSpec.X0, oracleSpec.Grads, oracleSpec.Cases = o.Problem.X0, o.Problem.Grads, nil
	var entries []oracleEntry
	for _, e := range append(slices.Clone(o.Optax.Entries), o.Torch.Entries...) {
		name := numpyName(keywordCase{Lib: e.Library, Name: e.registryName()})
		if slices.Contains(res.Names, name) {
			entries = append(entries, e)
		}
	}
	// One Python run per parameter shape (each run pays numpy's import).
	oracleRes := make([]referenceResult, len(entries))
	byShape := map[string][]int{}
	for i, e := range entries {
		key := fmt.Sprint(e.ParamShape)
		byShape[key] = append(byShape[key], i)
	}
	for _, idx := range byShape {
		oracleSpec.Shape, oracleSpec.Cases = entries[idx[0]].ParamShape, nil
		for _, i := range idx {
			e := entries[i]
			oracleSpec.Cases = append(oracleSpec.Cases, pyCase{Name: numpyName(keywordCase{Lib: e.Library, Name: e.registryName()}), Kwargs: e.Kwargs})
		}
		var out struct {
			Results []referenceResult `json:"results"`
		}
		runPython(t, "numpy", []string{numpyReferenceFile}, oracleSpec, &out)
		for j, i := range idx {
			oracleRes[i] = out.Results[j]
		}
	}
	for i, e := range entries {
		if msg := compareTrajectories(oracleRes[i].Trajectory, e.Trajectory, dtypes.Float64); msg != "" {
			t.Errorf("the numpy reference disagrees with the oracle on %s/%s: %s", e.Library, e.Name, msg)
		}
		if e.EvalTrajectory != nil {
			if msg := compareTrajectories(oracleRes[i].Eval, e.EvalTrajectory, dtypes.Float64); msg != "" {
				t.Errorf("the numpy reference's evaluation parameters disagree with the oracle on %s: %s", e.Name, msg)
			}
		}
	}
	if len(entries) < 30 {
		t.Errorf("the numpy reference was checked on only %d oracle entries", len(entries))
	}
}

// TestKeywordsTorchLive compares every torch-referenced case with Debian's torch 1.13, in
// float64. Tolerance: compareTrajectories' 1e-10 relative (1e-12 absolute) is about 1e5 float64
// roundings (2^-53 ≈ 1.1e-16) over 25 steps of a few dozen operations each, where the two sides
// may order the operations differently (torch's addcdiv_ and lerp_ against dlopt's graph) and
// OpenBLAS's kernel choice does not enter (no matrix products in these updates).
func TestKeywordsTorchLive(t *testing.T) {
	var cases []keywordCase
	type liveCase struct {
		Class  string         `json:"class"`
		Kwargs map[string]any `json:"kwargs"`
	}
	var spec struct {
		X0    []float64   `json:"x0"`
		Shape []int       `json:"shape"`
		Grads [][]float64 `json:"grads"`
		Cases []liveCase  `json:"cases"`
	}
	spec.X0, spec.Shape, spec.Grads = keywordProblem()
	for _, c := range keywordCases {
		if c.Ref != refTorch {
			continue
		}
		cases = append(cases, c)
		lc := liveCase{c.Name, c.Kwargs}
		if c.TorchClass != "" {
			lc = liveCase{c.TorchClass, c.TorchKwargs}
		}
		spec.Cases = append(spec.Cases, lc)
	}
	var res struct {
		Results []*referenceResult `json:"results"`
	}
	runPython(t, "torch", []string{"-c", torchLiveScript}, spec, &res)
	for i, c := range cases {
		t.Run(caseName(c), func(t *testing.T) {
			want := *res.Results[2*i]
			want.Eval = nil // ASGD's ax is compared by TestTorchLive
			checkAgainst(t, c, want)
		})
	}
}

// TestTorchMuonAdjustLR checks adjust_lr_fn by the relation torch's source defines
// (torch/optim/_muon.py, _adjust_lr and _single_tensor_muon): the step is
// p ← (1 - lr·wd)·p - lr·s·O, where only s depends on adjust_lr_fn ("original":
// √max(1, A/B); "match_rms_adamw": 0.2·√max(A, B)) and O does not depend on lr. So a run with
// match_rms_adamw equals a run with "original" (which the oracle checks against torch 2.11) at
// lr' = lr·s/s_orig and wd' = wd·lr/lr'. "spectral_unclamped" (√(A/B) in dlopt) is checked the
// same way against its own doc, as the torch source read has no such option.
func TestTorchMuonAdjustLR(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 14))
	for _, shape := range [][]int{{2, 4}, {4, 2}, {3, 3}} {
		rows, cols := float64(shape[0]), float64(shape[1])
		n := shape[0] * shape[1]
		x0 := make([]float64, n)
		for i := range x0 {
			x0[i] = rng.NormFloat64()
		}
		grads := make([][]float64, 12)
		for k := range grads {
			grads[k] = make([]float64, n)
			for i := range grads[k] {
				grads[k][i] = rng.NormFloat64()
			}
		}
		orig := math.Sqrt(max(1, rows/cols))
		for fn, s := range map[string]float64{"match_rms_adamw": 0.2 * math.Sqrt(max(rows, cols)), "spectral_unclamped": math.Sqrt(rows / cols)} {
			lr, wd := 0.1, 0.1
			got, err := RunGradients(mustOpt(t)(New(Torch, "Muon", kw("lr", lr, "weight_decay", wd, "adjust_lr_fn", fn))), x0, shape, grads, dtypes.Float64)
			if err != nil {
				t.Fatal(err)
			}
			lr2 := lr * s / orig
			want, err := RunGradients(mustOpt(t)(New(Torch, "Muon", kw("lr", lr2, "weight_decay", wd*lr/lr2, "adjust_lr_fn", "original"))), x0, shape, grads, dtypes.Float64)
			if err != nil {
				t.Fatal(err)
			}
			if msg := compareTrajectories(got.Params, want.Params, dtypes.Float64); msg != "" {
				t.Errorf("shape %v, adjust_lr_fn %s (scale %.4g): %s", shape, fn, s, msg)
			}
		}
	}
}

// TestTorchMaximizeNegatesGradients checks maximize on every torch class that reads it by the
// relation torch's source defines (each torch/optim/*.py step starts with
// `grad = grad if not maximize else -grad`): a run with maximize=True on gradients g equals a
// run without it on -g. It is the reference for the classes torch 1.13 lacks or lacks maximize
// in (RAdam, NAdam, Adafactor); the others are also compared live.
func TestTorchMaximizeNegatesGradients(t *testing.T) {
	x0, shape, grads := keywordProblem()
	negated := make([][]float64, len(grads))
	for k, g := range grads {
		negated[k] = make([]float64, len(g))
		for i, v := range g {
			negated[k][i] = -v
		}
	}
	checked := 0
	for _, name := range Names(Torch) {
		if !slices.Contains(readKeywords(Torch, name), "maximize") {
			continue
		}
		checked++
		base := kw("lr", 0.05)
		if slices.Contains(readKeywords(Torch, name), "weight_decay") {
			base["weight_decay"] = 0.02 // it acts after the negation: the relation must hold with it
		}
		with := maps.Clone(base)
		with["maximize"] = true
		got, err := RunGradients(mustOpt(t)(New(Torch, name, with)), x0, shape, grads, dtypes.Float64)
		if err != nil {
			t.Fatal(err)
		}
		want, err := RunGradients(mustOpt(t)(New(Torch, name, base)), x0, shape, negated, dtypes.Float64)
		if err != nil {
			t.Fatal(err)
		}
		if msg := compareTrajectories(got.Params, want.Params, dtypes.Float64); msg != "" {
			t.Errorf("%s: maximize=True on g differs from maximize=False on -g: %s", name, msg)
		}
		plain, err := RunGradients(mustOpt(t)(New(Torch, name, base)), x0, shape, grads, dtypes.Float64)
		if err != nil {
			t.Fatal(err)
		}
		if !trajectoriesDiffer(plain.Params, got.Params) {
			t.Errorf("%s: maximize=True changes nothing", name)
		}
	}
	if checked < 12 {
		t.Errorf("only %d torch classes read maximize", checked)
	}
}

// TestContribOptionsAgainstNumpy compares every run of TestContribOptions (an option on the
// oracle's problem, which the oracle itself only has at its default) with the numpy reference,
// in float64 at the oracle's tolerance.
func TestContribOptionsAgainstNumpy(t *testing.T) {
	o := loadOracle(t)
	type pyCase struct {
		Name   string         `json:"name"`
		Kwargs map[string]any `json:"kwargs"`
		Shape  []int          `json:"shape"`
	}
	var spec struct {
		X0    []float64   `json:"x0"`
		Shape []int       `json:"shape"`
		Grads [][]float64 `json:"grads"`
		Cases []pyCase    `json:"cases"`
	}
	spec.X0, spec.Grads, spec.Shape = o.Problem.X0, o.Problem.Grads, []int{len(o.Problem.X0)}
	withs := make([]map[string]any, len(contribOptions))
	for i, tc := range contribOptions {
		withs[i] = maps.Clone(tc.base)
		if withs[i] == nil {
			withs[i] = map[string]any{}
		}
		maps.Copy(withs[i], tc.option)
		spec.Cases = append(spec.Cases, pyCase{numpyName(keywordCase{Lib: tc.library, Name: tc.name}), withs[i], tc.shape})
	}
	var res struct {
		Results []referenceResult `json:"results"`
	}
	runPython(t, "numpy", []string{numpyReferenceFile}, spec, &res)
	for i, tc := range contribOptions {
		opt, err := New(tc.library, tc.name, withs[i])
		if err != nil {
			t.Fatal(err)
		}
		traj, err := RunGradients(opt, o.Problem.X0, tc.shape, o.Problem.Grads, dtypes.Float64)
		if err != nil {
			t.Fatal(err)
		}
		if msg := compareTrajectories(traj.Params, res.Results[i].Trajectory, dtypes.Float64); msg != "" {
			t.Errorf("%s/%s %v: %s", tc.library, tc.name, withs[i], msg)
		}
	}
}
