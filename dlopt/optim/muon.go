package optim

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// Muon (Jordan et al. 2024, "Muon: An optimizer for hidden layers in neural networks",
// kellerjordan.github.io/posts/muon) orthogonalises the momentum of each weight matrix with a
// few Newton–Schulz iterations before stepping: with X₀ = M/‖M‖_F (transposed when it has
// more rows than columns),
//
//	X ← a·X + (b·XXᵀ + c·(XXᵀ)²)·X   (k times; default (a, b, c) = (3.4445, -4.775, 2.0315), k = 5)
//
// which pushes every singular value of M towards 1 without an SVD. optax and PyTorch wrap it
// differently, so both are here.

// newtonSchulz runs the iterations above on matrix x (in x's dtype) with one coefficient triple
// per iteration; normalize divides x by its Frobenius norm first (optax: ‖x‖ + eps; torch:
// max(‖x‖, eps)).
func newtonSchulz(x *Node, coeffs [][3]float64, normalize func(x, norm *Node) *Node) *Node {
	transposed := x.Shape().Dimensions[0] > x.Shape().Dimensions[1]
	if transposed {
		x = Transpose(x, 0, 1)
	}
	x = normalize(x, frobeniusNorm(x))
	for _, abc := range coeffs {
		a := MatMul(x, Transpose(x, 0, 1))
		b := Add(MulScalar(a, abc[1]), MatMul(MulScalar(a, abc[2]), a))
		x = Add(MulScalar(x, abc[0]), MatMul(b, x))
	}
	if transposed {
		x = Transpose(x, 0, 1)
	}
	return x
}

// nsSchedule expands (a, b, c) repeated steps times, or returns the given per-step triples.
func nsSchedule(coeffs [][3]float64, steps int) [][3]float64 {
	if len(coeffs) != 1 {
		return coeffs
	}
	out := make([][3]float64, steps)
	for i := range out {
		out[i] = coeffs[0]
	}
	return out
}

// DefaultNSCoefficients are Keller Jordan's quintic Newton–Schulz coefficients, used by both
// optax and PyTorch.
var DefaultNSCoefficients = [3]float64{3.4445, -4.7750, 2.0315}

// MuonConfig is optax.contrib.muon. Matrices (rank 2) follow, with t = 1, 2, ...,
//
//	m ← (1-β)·g + β·m;  m̂ = β·m/(1-β^(t+1)) + (1-β)·g/(1-β^t) (nesterov) or m/(1-β^t)
//	O = NS(m̂) (normalised by ‖m̂‖ + eps);  with adaptive, O ← ⟨m̂, O⟩·O
//	p ← p - lr·(√max(1, cols/rows)·O + wd·p)
//
// and every other variable is trained by AdamW(lr, adam_b1, adam_b2, eps, adam_eps_root,
// adam_weight_decay, nesterov). optax's default eps is 1e-8.
type MuonConfig struct {
	LearningRate float64
	// NSCoeffs holds one triple (used NSSteps times) or one triple per iteration.
	NSCoeffs           [][3]float64
	NSSteps            int
	Beta, Eps          float64
	WeightDecay        float64
	Nesterov, Adaptive bool
	AdamB1, AdamB2     float64
	AdamEpsRoot        float64
	AdamWeightDecay    float64
	// AdamLearningRate nil uses LearningRate for the non-matrix variables.
	AdamLearningRate *float64
}

// DefaultMuon returns optax.contrib.muon's defaults (learning_rate has none: 0.02 here).
func DefaultMuon() MuonConfig {
	return MuonConfig{LearningRate: 0.02, NSCoeffs: [][3]float64{DefaultNSCoefficients}, NSSteps: 5, Beta: 0.95, Eps: 1e-8,
		Nesterov: true, AdamB1: 0.9, AdamB2: 0.999}
}

// ScaleByMuon is optax.contrib.scale_by_muon (for rank-2 variables).
// nil hyperparameters take DefaultMuon's values.
func ScaleByMuon(coeffs [][3]float64, beta, eps *Hyper, nesterov, adaptive bool) *Transform {
	beta = linkHyper(beta, "beta", DefaultMuon().Beta, UnitInterval)
	eps = linkHyper(eps, "eps", DefaultMuon().Eps, Positive)
	return &Transform{Name: "scale_by_muon", Hypers: []*Hyper{beta, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			mv := s.State(i, "mu", 0)
			m := emaUpdate(s.Hyper(beta), g, s.Get(mv))
			s.Set(mv, m)
			mHat := debias(s.Count, s.Hyper(beta), m)
			if nesterov {
				mHat = nesterovMoment(s, s.Hyper(beta), m, g)
			}
			o := newtonSchulz(mHat, coeffs, func(x, norm *Node) *Node { return Div(x, Add(norm, s.HyperAs(eps, x))) })
			if adaptive {
				o = Mul(ReduceAllSum(Mul(mHat, o)), o)
			}
			dims := g.Shape().Dimensions
			out[i] = MulScalar(o, math.Sqrt(math.Max(1, float64(dims[1])/float64(dims[0]))))
		}
		return out
	}}
}

func checkNSCoeffs(coeffs [][3]float64, steps int) error {
	if len(coeffs) == 0 {
		return errorf("muon: ns_coeffs is empty: want one (a, b, c) triple or one per iteration")
	}
	if len(coeffs) == 1 && (steps < 1 || steps >= 100) {
		return errorf("muon: ns_steps = %d is invalid: allowed range is [1, 99]", steps)
	}
	for _, abc := range coeffs {
		for _, v := range abc {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errorf("muon: ns_coeffs %v: coefficients must be finite", coeffs)
			}
		}
	}
	return nil
}

// Muon builds optax.contrib.muon: matrices through chain(scale_by_muon, add_decayed_weights,
// scale_by_learning_rate), the other variables through adamw.
func Muon(c MuonConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultMuon(), "DefaultMuon()")
	if err := checkNSCoeffs(c.NSCoeffs, c.NSSteps); err != nil {
		return nil, err
	}
	lr := NewHyper("learning_rate", c.LearningRate, NonNegative)
	adamLR := lr
	if c.AdamLearningRate != nil {
		adamLR = NewHyper("adam_learning_rate", *c.AdamLearningRate, NonNegative)
	}
	eps := NewHyper("eps", c.Eps, Positive)
	muon := Chain(ScaleByMuon(nsSchedule(c.NSCoeffs, c.NSSteps), NewHyper("beta", c.Beta, UnitInterval), eps, c.Nesterov, c.Adaptive),
		AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		ScaleByLearningRate(lr))
	adam := Chain(ScaleByAdam(NewHyper("adam_b1", c.AdamB1, UnitInterval), NewHyper("adam_b2", c.AdamB2, UnitInterval), eps,
		NewHyper("adam_eps_root", c.AdamEpsRoot, NonNegative), c.Nesterov),
		AddDecayedWeights(NewHyper("adam_weight_decay", c.AdamWeightDecay, NonNegative)),
		ScaleByLearningRate(adamLR))
	return NewOptimizer("muon", PartitionByRank(muon, adam))
}

// TorchMuonConfig is torch.optim.Muon (PyTorch ≥ 2.9), for matrices only:
//
//	B ← μ·B + (1-μ)·g (torch's lerp);  M = g + μ·(B - g) with nesterov, else B
//	O = NS(M) (normalised by max(‖M‖, eps));  p ← (1 - lr·wd)·p - lr·s·O
//
// with s = √max(1, rows/cols) ("original") or 0.2·√max(rows, cols) ("match_rms_adamw").
// PyTorch runs the Newton–Schulz iterations in bfloat16, each product with torch.addmm
// (b·A + c·A², then a·X + B·X, each rounded once); so does this, emulating bfloat16 with float32
// arithmetic rounded to nearest-even 8-bit significands (see roundToBFloat16), unless
// FullPrecision is set, which runs them in the parameters' dtype instead.
type TorchMuonConfig struct {
	LR, WeightDecay, Momentum float64
	Nesterov                  bool
	NSCoefficients            [3]float64
	Eps                       float64
	NSSteps                   int
	AdjustLRFn                string // "" or "original", "match_rms_adamw", "spectral_unclamped"
	// FullPrecision runs Newton–Schulz in the parameters' dtype rather than PyTorch's bfloat16.
	FullPrecision bool
}

// DefaultTorchMuon returns torch.optim.Muon's defaults.
func DefaultTorchMuon() TorchMuonConfig {
	return TorchMuonConfig{LR: 1e-3, WeightDecay: 0.1, Momentum: 0.95, Nesterov: true, NSCoefficients: DefaultNSCoefficients, Eps: 1e-7, NSSteps: 5}
}

// ScaleByTorchMuon is torch.optim.Muon's update (weight decay included); its output is the step.
// nil hyperparameters take DefaultTorchMuon's values.
func ScaleByTorchMuon(c TorchMuonConfig, lr, wd, momentum, eps *Hyper) *Transform {
	lr = linkHyper(lr, "lr", DefaultTorchMuon().LR, NonNegative)
	wd = linkHyper(wd, "weight_decay", DefaultTorchMuon().WeightDecay, NonNegative)
	momentum = linkHyper(momentum, "momentum", DefaultTorchMuon().Momentum, UnitInterval)
	eps = linkHyper(eps, "eps", DefaultTorchMuon().Eps, Positive)
	return &Transform{Name: "muon", Hypers: []*Hyper{lr, wd, momentum, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			if g.Rank() != 2 {
				panic(fmt.Sprintf("optim: torch Muon only supports 2-D parameters, %s has shape %s", s.Vars[i].Path(), g.Shape()))
			}
			bv := s.State(i, "momentum_buffer", 0)
			mu := s.HyperAs(momentum, g)
			b := torchLerp(s.Get(bv), g, As(OneMinus(s.Hyper(momentum)), g))
			s.Set(bv, b)
			m := b
			if c.Nesterov {
				m = torchLerp(g, b, mu)
			}
			coeffs := nsSchedule([][3]float64{c.NSCoefficients}, c.NSSteps)
			var o *Node
			if c.FullPrecision {
				o = newtonSchulz(m, coeffs, func(x, norm *Node) *Node { return Div(x, Max(norm, s.HyperAs(eps, x))) })
			} else {
				o = As(newtonSchulzBFloat16(m, coeffs, s.Hyper(eps)), g)
			}
			dims := g.Shape().Dimensions
			rows, cols := float64(dims[0]), float64(dims[1])
			scale := math.Sqrt(math.Max(1, rows/cols))
			switch c.AdjustLRFn {
			case "match_rms_adamw":
				scale = 0.2 * math.Sqrt(math.Max(rows, cols))
			case "spectral_unclamped":
				scale = math.Sqrt(rows / cols)
			}
			p := s.ParamAs(i, g)
			lrG := s.HyperAs(lr, g)
			decayed := Mul(OneMinus(As(Mul(s.Hyper(lr), s.Hyper(wd)), g)), p)
			out[i] = Sub(Sub(decayed, Mul(MulScalar(lrG, scale), o)), p)
		}
		return out
	}}
}

// TorchMuon builds torch.optim.Muon.
func TorchMuon(c TorchMuonConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultTorchMuon(), "DefaultTorchMuon()")
	if err := checkNSCoeffs([][3]float64{c.NSCoefficients}, c.NSSteps); err != nil {
		return nil, err
	}
	switch c.AdjustLRFn {
	case "", "original", "match_rms_adamw", "spectral_unclamped":
	default:
		return nil, errorf("Muon: adjust_lr_fn = %q is invalid: want null, \"original\", \"match_rms_adamw\" or \"spectral_unclamped\"", c.AdjustLRFn)
	}
	return NewOptimizer("Muon", ScaleByTorchMuon(c, NewHyper("lr", c.LR, NonNegative), NewHyper("weight_decay", c.WeightDecay, NonNegative),
		NewHyper("momentum", c.Momentum, UnitInterval), NewHyper("eps", c.Eps, Positive)))
}

// readNSCoeffs reads ns_coeffs as one [a, b, c] or a list of them.
func readNSCoeffs(k *Kwargs, key string, def [][3]float64) ([][3]float64, error) {
	raw, ok := k.lookup(key)
	if !ok {
		return def, nil
	}
	bad := fmt.Errorf("optim: %s %s: keyword %q = %#v: want [a, b, c] or a list of [a, b, c]", k.Library, k.Name, key, raw)
	triple := func(v any) ([3]float64, bool) {
		list, isList := v.([]any)
		var t [3]float64
		if !isList || len(list) != 3 {
			return t, false
		}
		for j, e := range list {
			f, isNum := toFloat(e)
			if !isNum {
				return t, false
			}
			t[j] = f
		}
		return t, true
	}
	if t, isTriple := triple(raw); isTriple {
		return [][3]float64{t}, nil
	}
	list, isList := raw.([]any)
	if !isList || len(list) == 0 {
		return nil, bad
	}
	out := make([][3]float64, len(list))
	for i, e := range list {
		t, isTriple := triple(e)
		if !isTriple {
			return nil, bad
		}
		out[i] = t
	}
	return out, nil
}

func init() {
	registerOptax("muon", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultMuon()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		coeffs, coeffErr := readNSCoeffs(k, "ns_coeffs", c.NSCoeffs)
		c.NSCoeffs = coeffs
		c.NSSteps = k.Int("ns_steps", c.NSSteps)
		c.Beta = k.Float("beta", c.Beta)
		c.Eps = k.Float("eps", c.Eps)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		c.Nesterov = k.Bool("nesterov", c.Nesterov)
		c.Adaptive = k.Bool("adaptive", c.Adaptive)
		c.AdamB1 = k.Float("adam_b1", c.AdamB1)
		c.AdamB2 = k.Float("adam_b2", c.AdamB2)
		c.AdamEpsRoot = k.Float("adam_eps_root", c.AdamEpsRoot)
		c.AdamWeightDecay = k.Float("adam_weight_decay", c.AdamWeightDecay)
		c.AdamLearningRate = optFloatPtr(k, "adam_learning_rate")
		k.Ignored("mu_dtype")
		precond := k.String("preconditioning", "frobenius")
		err := firstErr(coeffErr,
			rejectGiven(k, "weight_decay_mask", "wrap the optimizer in a mask instead"),
			rejectGiven(k, "muon_weight_dimension_numbers", "matrices are the rank-2 variables"),
			rejectGiven(k, "consistent_rms", "it is not supported"))
		if err == nil && precond != "frobenius" {
			err = errorf("optax muon: preconditioning = %q is not supported: only \"frobenius\" (the default)", precond)
		}
		if err != nil {
			return nil, err
		}
		return Muon(c)
	})
	registerTorch("Muon", torchMuonFactory)
}

// torchMuonFactory reads torch.optim.Muon's keywords (use_addmm does not exist in the PyTorch
// whose Muon always uses addmm, the one this reproduces).
func torchMuonFactory(k *Kwargs) (*Optimizer, error) {
	c := DefaultTorchMuon()
	c.LR = k.Float("lr", c.LR)
	c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
	c.Momentum = k.Float("momentum", c.Momentum)
	c.Nesterov = k.Bool("nesterov", c.Nesterov)
	coeffs := k.Floats("ns_coefficients", 3, c.NSCoefficients[:])
	copy(c.NSCoefficients[:], coeffs)
	c.Eps = k.Float("eps", c.Eps)
	c.NSSteps = k.Int("ns_steps", c.NSSteps)
	c.AdjustLRFn = k.String("adjust_lr_fn", "")
	k.Ignored("foreach")
	return TorchMuon(c)
}

// newtonSchulzBFloat16 is PyTorch's Newton–Schulz in bfloat16 on the CPU: x is rounded to
// bfloat16, every operation is computed in float32 and its result rounded to bfloat16, and the
// two products of an iteration are torch.addmm calls (one rounding each):
//
//	X ← bf(X / max(bf(‖X‖), eps));  A = bf(XXᵀ);  B = bf(c·AA + b·A);  X ← bf(BX + a·X)
func newtonSchulzBFloat16(x *Node, coeffs [][3]float64, eps *Node) *Node {
	bf := roundToBFloat16
	x = bf(ConvertDType(x, dtypes.Float32))
	transposed := x.Shape().Dimensions[0] > x.Shape().Dimensions[1]
	if transposed {
		x = Transpose(x, 0, 1)
	}
	norm := Max(bf(frobeniusNorm(x)), bf(ConvertDType(eps, dtypes.Float32)))
	x = bf(Div(x, norm))
	for _, abc := range coeffs {
		a := bf(MatMul(x, Transpose(x, 0, 1)))
		b := bf(Add(MulScalar(MatMul(a, a), float32(abc[2])), MulScalar(a, float32(abc[1]))))
		x = bf(Add(MatMul(b, x), MulScalar(x, float32(abc[0]))))
	}
	if transposed {
		x = Transpose(x, 0, 1)
	}
	return x
}

// roundToBFloat16 rounds float32 values to the nearest bfloat16 (8 significant bits), ties to
// even, as PyTorch does; GoMLX's conversion to BFloat16 truncates instead, and its backends lack
// bit casts, so the rounding is done arithmetically in float64, where every step is exact (for
// normal float32 values; subnormals keep 8 significant bits instead of bfloat16's grid):
// |x| = q·2^(k-7) with q in [128, 256), and q is rounded to an integer, ties to even.
func roundToBFloat16(x *Node) *Node {
	g := x.Graph()
	x64 := ConvertDType(x, dtypes.Float64)
	abs := Abs(x64)
	zero := Equal(abs, ZerosLike(abs))
	safe := Where(zero, OnesLike(abs), abs)
	two := Scalar(g, dtypes.Float64, 2)
	// k = floor(log2 |x|), corrected where the logarithm rounds across a power of two.
	k := Floor(Div(Log(safe), Log(two)))
	k = Where(GreaterThan(Pow(two, k), safe), AddScalar(k, -1), k)
	k = Where(LessOrEqual(Pow(two, AddScalar(k, 1)), safe), AddScalar(k, 1), k)
	unit := Pow(two, AddScalar(k, -7))
	q := Div(safe, unit)
	r := Floor(AddScalar(q, 0.5))
	tie := Equal(Sub(r, q), Scalar(g, dtypes.Float64, 0.5))
	odd := Equal(Sub(r, MulScalar(Floor(MulScalar(r, 0.5)), 2)), OnesLike(r))
	r = Where(LogicalAnd(tie, odd), AddScalar(r, -1), r)
	rounded := Mul(Mul(Sign(x64), r), unit)
	return ConvertDType(Where(zero, x64, rounded), dtypes.Float32)
}
