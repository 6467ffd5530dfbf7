package optim

import (
	"math"
	"sort"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// Adafactor (Shazeer & Stern 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory
// Cost", ICML) keeps, for a matrix, only the row and column means of the squared gradients and
// rebuilds the second moment as their outer product divided by the overall mean. optax and
// PyTorch differ in almost every detail, so both are here.

// OptaxAdafactorConfig is optax.adafactor. With β̂_t = 1 - (t+1-offset)^(-decay_rate) (computed
// in float32, as optax does) and G = g² + eps:
//
//	factored (both largest dims >= min_dim_size_to_factor): r ← β̂·r + (1-β̂)·mean_cols G,
//	c ← β̂·c + (1-β̂)·mean_rows G, u = g·(r/mean r)^(-½)·c^(-½); otherwise v ← β̂·v + (1-β̂)·G, u = g·v^(-½)
//	u ← u / max(1, RMS(u)/clipping_threshold);  u ← lr·u;  u ← u·max(RMS(p), 1e-3)
//	u ← momentum EMA of u (if momentum; kept in float32, optax's dtype_momentum);
//	u ← u + weight_decay_rate·p (if set);  p ← p - u
type OptaxAdafactorConfig struct {
	// LearningRate nil is optax's None: no rate at all (relative steps only).
	LearningRate             *float64
	MinDimSizeToFactor       int
	DecayRate                float64
	DecayOffset              int
	MultiplyByParameterScale bool
	ClippingThreshold        *float64 // nil: no clipping
	Momentum                 *float64 // nil: no momentum
	WeightDecayRate          *float64 // nil: no weight decay
	Eps                      float64
	Factored                 bool
}

// DefaultOptaxAdafactor returns optax.adafactor's defaults.
func DefaultOptaxAdafactor() OptaxAdafactorConfig {
	one := 1.0
	return OptaxAdafactorConfig{MinDimSizeToFactor: 128, DecayRate: 0.8, MultiplyByParameterScale: true,
		ClippingThreshold: &one, Eps: 1e-30, Factored: true}
}

// factoredDims returns optax's (d1, d0) for a shape: d0 the largest dimension and d1 the second
// largest (ties in axis order), or ok=false when the second moment is not factored.
func factoredDims(dims []int, factored bool, minDim int) (d1, d0 int, ok bool) {
	if !factored || len(dims) < 2 {
		return 0, 0, false
	}
	order := make([]int, len(dims))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return dims[order[a]] < dims[order[b]] })
	d1, d0 = order[len(order)-2], order[len(order)-1]
	if dims[d1] < minDim {
		return 0, 0, false
	}
	return d1, d0, true
}

// withoutAxis returns dims without axis a.
func withoutAxis(dims []int, a int) []int {
	out := append([]int(nil), dims[:a]...)
	return append(out, dims[a+1:]...)
}

// ScaleByFactoredRMS is optax.scale_by_factored_rms.
// nil eps takes DefaultOptaxAdafactor's value.
func ScaleByFactoredRMS(factored bool, decayRate float64, decayOffset, minDim int, eps *Hyper) *Transform {
	eps = linkHyper(eps, "eps", DefaultOptaxAdafactor().Eps, Positive)
	return &Transform{Name: "scale_by_factored_rms", Hypers: []*Hyper{eps}, Update: func(s *Step, u []*Node) []*Node {
		// β̂ and 1-β̂ in float32, from optax's 0-based count.
		t := AddScalar(ConvertDType(AddScalar(s.Count, float64(-1-decayOffset)), dtypes.Float32), 1)
		beta32 := OneMinus(Pow(t, Scalar(s.G, dtypes.Float32, -decayRate)))
		mix32 := OneMinus(beta32)
		out := make([]*Node, len(u))
		for i, g := range u {
			beta, mix := As(beta32, g), As(mix32, g)
			g2 := Add(Mul(g, g), s.HyperAs(eps, g))
			dims := g.Shape().Dimensions
			if d1, d0, ok := factoredDims(dims, factored, minDim); ok {
				rv := s.StateShaped(i, "v_row", shapes.Make(g.DType(), withoutAxis(dims, d0)...), 0)
				cv := s.StateShaped(i, "v_col", shapes.Make(g.DType(), withoutAxis(dims, d1)...), 0)
				r := Add(Mul(beta, s.Get(rv)), Mul(mix, ReduceMean(g2, d0)))
				c := Add(Mul(beta, s.Get(cv)), Mul(mix, ReduceMean(g2, d1)))
				s.Set(rv, r)
				s.Set(cv, c)
				reducedD1 := d1
				if d1 > d0 {
					reducedD1 = d1 - 1
				}
				rowColMean := ReduceAndKeep(r, ReduceMean, reducedD1)
				rowFactor := Rsqrt(Div(r, rowColMean))
				colFactor := Rsqrt(c)
				out[i] = Mul(Mul(g, ExpandAxes(rowFactor, d0)), ExpandAxes(colFactor, d1))
			} else {
				vv := s.State(i, "v", 0)
				v := Add(Mul(beta, s.Get(vv)), Mul(mix, g2))
				s.Set(vv, v)
				out[i] = Mul(g, Rsqrt(v))
			}
		}
		return out
	}}
}

// blockRMS is √mean(x²) over all elements.
func blockRMS(x *Node) *Node { return Sqrt(ReduceAllMean(Mul(x, x))) }

// ClipByBlockRMS divides each update by max(1, RMS(u)/threshold) (optax.clip_by_block_rms).
// threshold ("clipping_threshold", > 0) is required.
func ClipByBlockRMS(threshold *Hyper) *Transform {
	threshold = requiredHyper(threshold, "clipping_threshold", Positive)
	return Map("clip_by_block_rms", []*Hyper{threshold}, func(s *Step, _ int, u *Node) *Node {
		return Div(u, Max(ScalarOne(s.G, u.DType()), Div(blockRMS(u), s.HyperAs(threshold, u))))
	})
}

// ScaleByParamBlockRMS multiplies each update by max(RMS(p), 1e-3)
// (optax.scale_by_param_block_rms).
func ScaleByParamBlockRMS() *Transform {
	return Map("scale_by_param_block_rms", nil, func(s *Step, i int, u *Node) *Node {
		return Mul(u, Max(blockRMS(s.ParamAs(i, u)), constLike(u, 1e-3)))
	})
}

// OptaxAdafactor builds optax.adafactor.
func OptaxAdafactor(c OptaxAdafactorConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultOptaxAdafactor(), "DefaultOptaxAdafactor()")
	if c.MinDimSizeToFactor < 0 || c.DecayOffset < 0 {
		return nil, errorf("adafactor: min_dim_size_to_factor = %d and decay_offset = %d must be >= 0", c.MinDimSizeToFactor, c.DecayOffset)
	}
	if !Positive.Contains(c.DecayRate) {
		return nil, errorf("adafactor: decay_rate = %v is invalid: allowed range is %s", c.DecayRate, Positive)
	}
	links := []*Transform{ScaleByFactoredRMS(c.Factored, c.DecayRate, c.DecayOffset, c.MinDimSizeToFactor, NewHyper("eps", c.Eps, Positive))}
	if c.ClippingThreshold != nil {
		links = append(links, ClipByBlockRMS(NewHyper("clipping_threshold", *c.ClippingThreshold, Positive)))
	}
	if c.LearningRate != nil {
		links = append(links, ScaleByPositiveLR(NewHyper("learning_rate", *c.LearningRate, NonNegative)))
	}
	if c.MultiplyByParameterScale {
		links = append(links, ScaleByParamBlockRMS())
	}
	if c.Momentum != nil {
		links = append(links, scaleByEMAStoredAs(NewHyper("momentum", *c.Momentum, UnitInterval), dtypes.Float32))
	}
	if c.WeightDecayRate != nil {
		links = append(links, AddDecayedWeights(NewHyper("weight_decay_rate", *c.WeightDecayRate, NonNegative)))
	}
	return NewOptimizer("adafactor", append(links, Negate())...)
}

// TorchAdafactorConfig is torch.optim.Adafactor (PyTorch ≥ 2.5). With t = 1, 2, ...,
// β̂ = 1 - t^beta2_decay, ρ = min(lr, 1/√t), α = max(eps2, RMS(p))·ρ:
//
//	p ← (1 - lr·wd)·p;  matrices (last two axes): r ← lerp(r, mean_cols g², 1-β̂),
//	c ← lerp(c, mean_rows g², 1-β̂), V = r·c / max(mean r, eps1); vectors: V ← lerp(V, g², 1-β̂)
//	u = g / √max(V, eps1²);  p ← p - α/max(1, RMS(u)/d)·u
//
// Eps1 nil is torch's None: the machine epsilon of the parameters' dtype.
type TorchAdafactorConfig struct {
	LR, Beta2Decay float64
	Eps1           *float64
	Eps2, D        float64
	WeightDecay    float64
	Maximize       bool
}

// DefaultTorchAdafactor returns torch.optim.Adafactor's defaults.
func DefaultTorchAdafactor() TorchAdafactorConfig {
	return TorchAdafactorConfig{LR: 1e-2, Beta2Decay: -0.8, Eps2: 1e-3, D: 1}
}

// torchLerp is torch's lerp(a, b, w) on the CPU: a + w·(b-a) for w < 0.5, else b - (b-a)·(1-w).
func torchLerp(a, b, w *Node) *Node {
	diff := Sub(b, a)
	return Where(LessThan(w, constLike(w, 0.5)), Add(a, Mul(w, diff)), Sub(b, Mul(diff, OneMinus(w))))
}

// ScaleByTorchAdafactor is torch.optim.Adafactor's update (weight decay included); its output
// is the step. nil hyperparameters take DefaultTorchAdafactor's values; torch's eps1=None is
// eps1Auto (the dtype's machine epsilon), and then eps1 may be nil.
func ScaleByTorchAdafactor(lr, beta2Decay, eps1 *Hyper, eps2, d, wd *Hyper, eps1Auto bool) *Transform {
	dflt := DefaultTorchAdafactor()
	lr = linkHyper(lr, "lr", dflt.LR, NonNegative)
	beta2Decay = linkHyper(beta2Decay, "beta2_decay", dflt.Beta2Decay, Range{Min: math.Inf(-1), Max: 0, MinOpen: true})
	if eps1Auto {
		eps1 = linkHyper(eps1, "eps1", 0, NonNegative) // unused: the machine epsilon is
	} else {
		eps1 = requiredHyper(eps1, "eps1", NonNegative)
	}
	eps2 = linkHyper(eps2, "eps2", dflt.Eps2, NonNegative)
	d = linkHyper(d, "d", dflt.D, Positive)
	wd = linkHyper(wd, "weight_decay", dflt.WeightDecay, NonNegative)
	return &Transform{Name: "adafactor", Hypers: []*Hyper{lr, beta2Decay, eps1, eps2, d, wd}, Update: func(s *Step, u []*Node) []*Node {
		w64 := Pow(s.Count, s.Hyper(beta2Decay)) // 1 - β̂
		rho := Min(s.Hyper(lr), Inverse(Pow(s.Count, Scalar(s.G, dtypes.Float64, 0.5))))
		out := make([]*Node, len(u))
		for i, g := range u {
			p := s.ParamAs(i, g)
			e1 := s.HyperAs(eps1, g)
			if eps1Auto {
				e1 = constLike(g, machineEps(g.DType()))
			}
			size := float64(g.Shape().Size())
			alpha := Mul(Max(s.HyperAs(eps2, g), DivScalar(frobeniusNorm(p), math.Sqrt(size))), As(rho, g))
			decayed := Mul(OneMinus(As(Mul(s.Hyper(lr), s.Hyper(wd)), g)), p)
			w := As(w64, g)
			var v *Node
			if rank := g.Rank(); rank > 1 {
				dims := g.Shape().Dimensions
				rowDims := append(append([]int(nil), dims[:rank-1]...), 1)
				colDims := append(append([]int(nil), dims[:rank-2]...), 1, dims[rank-1])
				rv := s.StateShaped(i, "row_var", shapes.Make(g.DType(), rowDims...), 0)
				cv := s.StateShaped(i, "col_var", shapes.Make(g.DType(), colDims...), 0)
				rowMean := DivScalar(Square(Sqrt(ReduceAndKeep(Mul(g, g), ReduceSum, rank-1))), float64(dims[rank-1]))
				colMean := DivScalar(Square(Sqrt(ReduceAndKeep(Mul(g, g), ReduceSum, rank-2))), float64(dims[rank-2]))
				r := torchLerp(s.Get(rv), rowMean, w)
				c := torchLerp(s.Get(cv), colMean, w)
				s.Set(rv, r)
				s.Set(cv, c)
				v = Div(Mul(r, c), Max(ReduceAndKeep(r, ReduceMean, rank-2), e1))
			} else {
				vv := s.State(i, "variance", 0)
				v = torchLerp(s.Get(vv), Mul(g, g), w)
				s.Set(vv, v)
			}
			step := Mul(Rsqrt(Max(v, Mul(e1, e1))), g)
			denom := Max(ScalarOne(s.G, g.DType()), Div(frobeniusNorm(step), Mul(constLike(g, math.Sqrt(size)), s.HyperAs(d, g))))
			out[i] = Sub(Sub(decayed, Mul(Div(alpha, denom), step)), p)
		}
		return out
	}}
}

// machineEps is torch.finfo(dtype).eps.
func machineEps(dt dtypes.DType) float64 {
	if dt == dtypes.Float32 {
		return float64(math.Nextafter32(1, 2) - 1)
	}
	return math.Nextafter(1, 2) - 1
}

// TorchAdafactor builds torch.optim.Adafactor.
func TorchAdafactor(c TorchAdafactorConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultTorchAdafactor(), "DefaultTorchAdafactor()")
	eps1, auto := 0.0, c.Eps1 == nil
	if !auto {
		eps1 = *c.Eps1
	}
	var links []*Transform
	if c.Maximize {
		links = append(links, Negate())
	}
	links = append(links, ScaleByTorchAdafactor(NewHyper("lr", c.LR, NonNegative),
		NewHyper("beta2_decay", c.Beta2Decay, Range{Min: math.Inf(-1), Max: 0, MinOpen: true}),
		NewHyper("eps1", eps1, NonNegative), NewHyper("eps2", c.Eps2, NonNegative), NewHyper("d", c.D, Positive),
		NewHyper("weight_decay", c.WeightDecay, NonNegative), auto))
	return NewOptimizer("Adafactor", links...)
}

func init() {
	registerOptax("adafactor", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultOptaxAdafactor()
		c.LearningRate = optFloatPtr(k, "learning_rate")
		c.MinDimSizeToFactor = k.Int("min_dim_size_to_factor", c.MinDimSizeToFactor)
		c.DecayRate = k.Float("decay_rate", c.DecayRate)
		c.DecayOffset = k.Int("decay_offset", c.DecayOffset)
		c.MultiplyByParameterScale = k.Bool("multiply_by_parameter_scale", c.MultiplyByParameterScale)
		c.ClippingThreshold = optFloatPtr(k, "clipping_threshold")
		if _, given := k.values["clipping_threshold"]; !given {
			c.ClippingThreshold = DefaultOptaxAdafactor().ClippingThreshold
		}
		c.Momentum = optFloatPtr(k, "momentum")
		c.WeightDecayRate = optFloatPtr(k, "weight_decay_rate")
		c.Eps = k.Float("eps", c.Eps)
		c.Factored = k.Bool("factored", c.Factored)
		k.Ignored("dtype_momentum")
		if err := rejectGiven(k, "weight_decay_mask", "wrap the optimizer in a mask instead"); err != nil {
			return nil, err
		}
		return OptaxAdafactor(c)
	})
	registerTorch("Adafactor", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultTorchAdafactor()
		c.LR = k.Float("lr", c.LR)
		c.Beta2Decay = k.Float("beta2_decay", c.Beta2Decay)
		c.D = k.Float("d", c.D)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		c.Maximize = k.Bool("maximize", c.Maximize)
		k.Ignored("foreach")
		if raw, ok := k.lookup("eps"); ok {
			list, isList := raw.([]any)
			if !isList || len(list) != 2 {
				return nil, errorf("torch Adafactor: keyword \"eps\" = %#v: want [eps1 or null, eps2]", raw)
			}
			if list[0] != nil {
				e1, isNum := toFloat(list[0])
				if !isNum {
					return nil, errorf("torch Adafactor: eps[0] = %#v: want a number or null", list[0])
				}
				c.Eps1 = &e1
			}
			e2, isNum := toFloat(list[1])
			if !isNum {
				return nil, errorf("torch Adafactor: eps[1] = %#v: want a number", list[1])
			}
			c.Eps2 = e2
		}
		return TorchAdafactor(c)
	})
}
