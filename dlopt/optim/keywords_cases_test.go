package optim

import "math/rand/v2"

// The keyword tests: every keyword a registered optimizer reads is run at a non-default value
// and compared with a reference that shares no code with dlopt. keywordCases lists the runs;
// TestKeywordTable (keywords_table_test.go) checks that together they reach every keyword;
// keywords_test.go runs them against their references.

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
