package optim

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// DoGConfig is optax.contrib.dog (Ivgi, Hinder & Carmon 2023, "DoG is SGD's Best Friend: A
// Parameter-Free Dynamic Step Size Schedule", ICML): SGD whose step size is the largest distance
// travelled from x₀ over the root of the summed squared gradient norms (all variables together),
//
//	r̄ ← max(r̄, ‖x - x₀‖);  G ← G + ‖g‖²;  x ← x - lr·r̄/√(G + eps)·g
//
// The initial r̄ comes from InitStep: "heuristic" v gives v·(1 + ‖x₀‖), "distance" v gives v,
// "learning_rate" v makes the first step size v (and r̄ starts at 0).
type DoGConfig struct {
	LearningRate  float64
	InitStepKind  string // "heuristic", "distance" or "learning_rate"
	InitStepValue float64
	Eps           float64
	// WeightDecay, if set (optax's default is None), adds wd·p to the gradient first.
	WeightDecay *float64
}

// DefaultDoG returns optax.contrib.dog's defaults.
func DefaultDoG() DoGConfig {
	return DoGConfig{LearningRate: 1, InitStepKind: "heuristic", InitStepValue: 1e-6, Eps: 1e-8}
}

// treeSumSquares returns Σ_i ‖x_i‖² over all variables, in float64.
func treeSumSquares(xs []*Node) *Node {
	var total *Node
	for _, x := range xs {
		n := ConvertDType(sumOfSquares(x), dtypes.Float64)
		if total == nil {
			total = n
		} else {
			total = Add(total, n)
		}
	}
	return total
}

// distancesFromStart returns, for every variable, p - p₀ (p₀ the parameters at the first
// update, kept in state "init_params"), after recording p₀.
func distancesFromStart(s *Step) []*Node {
	d := make([]*Node, len(s.Vars))
	for i := range s.Vars {
		p0, setP0 := fromParamAtFirstStep(s, i, "init_params")
		setP0(p0)
		d[i] = Sub(p0, s.Params[i])
	}
	return d
}

// ScaleByDoG is optax.contrib.scale_by_dog.
// nil eps takes DefaultDoG's value.
func ScaleByDoG(kind string, value float64, eps *Hyper) *Transform {
	eps = linkHyper(eps, "eps", DefaultDoG().Eps, Positive)
	return &Transform{Name: "scale_by_dog", Hypers: []*Hyper{eps}, Update: func(s *Step, u []*Node) []*Node {
		first := firstStep(s)
		var r0 *Node
		switch kind {
		case "heuristic":
			r0 = MulScalar(OnePlus(Sqrt(treeSumSquares(s.Params))), value)
		case "distance":
			r0 = Scalar(s.G, dtypes.Float64, value)
		default: // "learning_rate"
			r0 = ScalarZero(s.G, dtypes.Float64)
		}
		maxDist, setMax := float64Scalar(s, "max_dist", 0)
		sumSq, setSum := float64Scalar(s, "sum_sq_norm_grads", 0)
		maxDist = Where(first, r0, maxDist)
		maxDist = Max(maxDist, Sqrt(treeSumSquares(distancesFromStart(s))))
		sumSq = Add(sumSq, treeSumSquares(u))
		setMax(maxDist)
		setSum(sumSq)
		lr := Div(maxDist, Sqrt(Add(sumSq, s.Hyper(eps))))
		if kind == "learning_rate" {
			lr = Where(first, Scalar(s.G, lr.DType(), value), lr)
		}
		out := make([]*Node, len(u))
		for i, g := range u {
			out[i] = Mul(As(lr, g), g)
		}
		return out
	}}
}

// DoG builds optax.contrib.dog: chain(add_decayed_weights if weight_decay is set, scale_by_dog,
// scale_by_learning_rate).
func DoG(c DoGConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultDoG(), "DefaultDoG()")
	switch c.InitStepKind {
	case "heuristic", "distance", "learning_rate":
	default:
		return nil, errorf("dog: init_step kind %q: must be \"heuristic\", \"distance\" or \"learning_rate\"", c.InitStepKind)
	}
	if !NonNegative.Contains(c.InitStepValue) {
		return nil, errorf("dog: init_step value = %v is invalid: allowed range is %s", c.InitStepValue, NonNegative)
	}
	var links []*Transform
	if c.WeightDecay != nil {
		links = append(links, AddDecayedWeights(NewHyper("weight_decay", *c.WeightDecay, NonNegative)))
	}
	links = append(links, ScaleByDoG(c.InitStepKind, c.InitStepValue, NewHyper("eps", c.Eps, Positive)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
	return NewOptimizer("dog", links...)
}

// DoWGConfig is optax.contrib.dowg (Khaled, Mishchenko & Jin 2023, "DoWG Unleashed: An
// Efficient Universal Parameter-Free Gradient Descent Method", NeurIPS): distance over
// distance-weighted gradients,
//
//	r̄² ← max(r̄², ‖x - x₀‖²);  v ← v + r̄²·‖g‖²;  x ← x - lr·r̄²/(√v + eps)·g
//
// with r̄² starting at InitEstimSqDist (eps when nil).
type DoWGConfig struct {
	LearningRate    float64
	InitEstimSqDist *float64
	Eps             float64
	WeightDecay     *float64
}

// DefaultDoWG returns optax.contrib.dowg's defaults.
func DefaultDoWG() DoWGConfig { return DoWGConfig{LearningRate: 1, Eps: 1e-4} }

// ScaleByDoWG is optax.contrib.scale_by_dowg.
// nil eps takes DefaultDoWG's value.
func ScaleByDoWG(initSqDist *float64, eps *Hyper) *Transform {
	eps = linkHyper(eps, "eps", DefaultDoWG().Eps, Positive)
	return &Transform{Name: "scale_by_dowg", Hypers: []*Hyper{eps}, Update: func(s *Step, u []*Node) []*Node {
		first := firstStep(s)
		r0 := s.Hyper(eps)
		if initSqDist != nil {
			r0 = Scalar(s.G, r0.DType(), *initSqDist)
		}
		est, setEst := float64Scalar(s, "estim_sq_dist", 0)
		weighted, setWeighted := float64Scalar(s, "weighted_sq_norm_grads", 0)
		est = Max(Where(first, r0, est), treeSumSquares(distancesFromStart(s)))
		weighted = Add(Mul(est, treeSumSquares(u)), weighted)
		setEst(est)
		setWeighted(weighted)
		lr := Div(est, Add(Sqrt(weighted), s.Hyper(eps)))
		out := make([]*Node, len(u))
		for i, g := range u {
			out[i] = Mul(As(lr, g), g)
		}
		return out
	}}
}

// DoWG builds optax.contrib.dowg: chain(add_decayed_weights if weight_decay is set,
// scale_by_dowg, scale_by_learning_rate).
func DoWG(c DoWGConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultDoWG(), "DefaultDoWG()")
	if c.InitEstimSqDist != nil && !NonNegative.Contains(*c.InitEstimSqDist) {
		return nil, errorf("dowg: init_estim_sq_dist = %v is invalid: allowed range is %s", *c.InitEstimSqDist, NonNegative)
	}
	var links []*Transform
	if c.WeightDecay != nil {
		links = append(links, AddDecayedWeights(NewHyper("weight_decay", *c.WeightDecay, NonNegative)))
	}
	links = append(links, ScaleByDoWG(c.InitEstimSqDist, NewHyper("eps", c.Eps, Positive)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
	return NewOptimizer("dowg", links...)
}

// optFloatPtr reads an optional number as a pointer (nil for None).
func optFloatPtr(k *Kwargs, key string) *float64 {
	if v, ok := k.OptFloat(key); ok {
		return &v
	}
	return nil
}

func init() {
	registerOptax("dog", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultDoG()
		c.LearningRate = k.Float("learning_rate", c.LearningRate)
		c.Eps = k.Float("eps", c.Eps)
		c.WeightDecay = optFloatPtr(k, "weight_decay")
		maskErr := rejectGiven(k, "mask", "wrap the optimizer in a mask instead")
		if raw, ok := k.lookup("init_step"); ok {
			list, isList := raw.([]any)
			var kind string
			var value float64
			okKind, okValue := false, false
			if isList && len(list) == 2 {
				kind, okKind = list[0].(string)
				value, okValue = toFloat(list[1])
			}
			if !okKind || !okValue {
				return nil, fmt.Errorf("optim: optax dog: keyword \"init_step\" = %#v: want [kind, value] with kind \"heuristic\", \"distance\" or \"learning_rate\"", raw)
			}
			c.InitStepKind, c.InitStepValue = kind, value
		}
		if maskErr != nil {
			return nil, maskErr
		}
		return DoG(c)
	})
	registerOptax("dowg", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultDoWG()
		c.LearningRate = k.Float("learning_rate", c.LearningRate)
		c.InitEstimSqDist = optFloatPtr(k, "init_estim_sq_dist")
		c.Eps = k.Float("eps", c.Eps)
		c.WeightDecay = optFloatPtr(k, "weight_decay")
		if err := rejectGiven(k, "mask", "wrap the optimizer in a mask instead"); err != nil {
			return nil, err
		}
		return DoWG(c)
	})
}
