package optim

import (
	"math"

	"github.com/gomlx/compute/dtypes"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// ProdigyConfig is optax.contrib.prodigy (Mishchenko & Defazio 2023, "Prodigy: An Expeditiously
// Adaptive Parameter-Free Learner", arXiv:2306.06101): AdamW scaled by an estimate d of the
// distance to the solution, which only grows. With k = 0, 1, ..., sums over all variables:
//
//	η = d·lr·√(1-β₂^(k+1))/(1-β₁^(k+1));  m ← β₁·m + (1-β₁)·d·g;  v ← β₂·v + (1-β₂)·d²·g²
//	s ← β₃·s + η·d·g/d₀;  r ← β₃·r + (d/d₀)·η·⟨g, x₀ - x⟩;  d ← max(d, coef·r/‖s‖₁)
//	x ← x - η·m/(√v + d·eps) - wd·η·x   (new d; β₃ = √β₂ by default; d₀ = estim_lr0)
//
// The first d is estim_lr0 rounded to float32, as optax stores it (the divisions by d₀ use
// estim_lr0 itself).
type ProdigyConfig struct {
	LearningRate, B1, B2 float64
	// B3 is beta3; NaN means optax's default √β₂.
	B3                                      float64
	Eps, EstimLR0, EstimLRCoef, WeightDecay float64
}

// DefaultProdigy returns optax.contrib.prodigy's defaults.
func DefaultProdigy() ProdigyConfig {
	return ProdigyConfig{LearningRate: 1, B1: 0.9, B2: 0.999, B3: math.NaN(), Eps: 1e-8, EstimLR0: 1e-6, EstimLRCoef: 1}
}

// treeVdot returns Σ_i ⟨a_i, b_i⟩ over all variables, in float64.
func treeVdot(a, b []*Node) *Node {
	var total *Node
	for i := range a {
		d := ConvertDType(ReduceAllSum(Mul(a[i], As(b[i], a[i]))), dtypes.Float64)
		if total == nil {
			total = d
		} else {
			total = Add(total, d)
		}
	}
	return total
}

// treeSumAbs returns Σ_i ‖x_i‖₁ over all variables, in float64.
func treeSumAbs(xs []*Node) *Node {
	var total *Node
	for _, x := range xs {
		n := ConvertDType(ReduceAllSum(Abs(x)), dtypes.Float64)
		if total == nil {
			total = n
		} else {
			total = Add(total, n)
		}
	}
	return total
}

// ScaleByProdigy is optax.contrib.prodigy's update (the whole method is one transform); its
// output is the step to add to the parameters.
// nil hyperparameters take DefaultProdigy's values (beta3: √b2).
func ScaleByProdigy(lr, b1, b2, b3, eps, d0, coef, wd *Hyper) *Transform {
	lr = linkHyper(lr, "learning_rate", DefaultProdigy().LearningRate, NonNegative)
	b1 = linkHyper(b1, "b1", DefaultProdigy().B1, UnitInterval)
	b2 = linkHyper(b2, "b2", DefaultProdigy().B2, UnitInterval)
	b3 = linkHyper(b3, "beta3", math.Sqrt(b2.Value), UnitInterval)
	eps = linkHyper(eps, "eps", DefaultProdigy().Eps, Positive)
	d0 = linkHyper(d0, "estim_lr0", DefaultProdigy().EstimLR0, Positive)
	coef = linkHyper(coef, "estim_lr_coef", DefaultProdigy().EstimLRCoef, Positive)
	wd = linkHyper(wd, "weight_decay", DefaultProdigy().WeightDecay, NonNegative)
	return &Transform{Name: "prodigy", Hypers: []*Hyper{lr, b1, b2, b3, eps, d0, coef, wd}, Update: func(s *Step, u []*Node) []*Node {
		beta1, beta2, beta3 := s.Hyper(b1), s.Hyper(b2), s.Hyper(b3)
		d, setD := float64Scalar(s, "estim_lr", 0)
		// optax starts its estimate as jnp.asarray(estim_lr0, jnp.float32): rounded to float32
		// (the divisions by estim_lr0 below use it exactly).
		d = Where(firstStep(s), ConvertDType(ConvertDType(s.Hyper(d0), dtypes.Float32), d.DType()), d)
		num, setNum := float64Scalar(s, "numerator_weighted", 0)
		bc := Div(Sqrt(OneMinus(Pow(beta2, s.Count))), OneMinus(Pow(beta1, s.Count)))
		dlr := Mul(Mul(d, s.Hyper(lr)), bc)
		diffs := distancesFromStart(s)
		numAcc := treeVdot(u, diffs)
		ms, vs, sums := make([]*Node, len(u)), make([]*Node, len(u)), make([]*Node, len(u))
		for i, g := range u {
			mv, vv, sv := s.State(i, "exp_avg", 0), s.State(i, "exp_avg_sq", 0), s.State(i, "grad_sum", 0)
			dg := Mul(As(d, g), g)
			ms[i] = Add(Mul(As(beta1, g), s.Get(mv)), Mul(As(OneMinus(beta1), g), dg))
			vs[i] = Add(Mul(As(beta2, g), s.Get(vv)), Mul(Mul(As(OneMinus(beta2), g), dg), dg))
			sums[i] = Add(Mul(As(beta3, g), s.Get(sv)), Div(Mul(As(dlr, g), dg), s.HyperAs(d0, g)))
			s.Set(mv, ms[i])
			s.Set(vv, vs[i])
			s.Set(sv, sums[i])
		}
		num = Add(Mul(beta3, num), Mul(Mul(Div(d, s.Hyper(d0)), dlr), numAcc))
		estimate := Div(Mul(s.Hyper(coef), num), treeSumAbs(sums))
		setNum(num)
		newD := Max(d, estimate)
		setD(newD)
		out := make([]*Node, len(u))
		for i, g := range u {
			decay := Mul(Mul(Neg(s.HyperAs(wd, g)), As(dlr, g)), s.ParamAs(i, g))
			out[i] = Sub(decay, Div(Mul(As(dlr, g), ms[i]), Add(Sqrt(vs[i]), As(Mul(newD, s.Hyper(eps)), g))))
		}
		return out
	}}
}

// Prodigy builds optax.contrib.prodigy.
func Prodigy(c ProdigyConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultProdigy(), "DefaultProdigy()")
	if math.IsNaN(c.B3) {
		c.B3 = math.Sqrt(c.B2)
	}
	return NewOptimizer("prodigy", ScaleByProdigy(NewHyper("learning_rate", c.LearningRate, NonNegative),
		NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval), NewHyper("beta3", c.B3, UnitInterval),
		NewHyper("eps", c.Eps, Positive), NewHyper("estim_lr0", c.EstimLR0, Positive), NewHyper("estim_lr_coef", c.EstimLRCoef, Positive),
		NewHyper("weight_decay", c.WeightDecay, NonNegative)))
}

func init() {
	registerOptax("prodigy", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultProdigy()
		c.LearningRate = k.Float("learning_rate", c.LearningRate)
		betas := k.Floats("betas", 2, []float64{c.B1, c.B2})
		c.B1, c.B2 = betas[0], betas[1]
		if b3, ok := k.OptFloat("beta3"); ok {
			c.B3 = b3
		}
		c.Eps = k.Float("eps", c.Eps)
		c.EstimLR0 = k.Float("estim_lr0", c.EstimLR0)
		c.EstimLRCoef = k.Float("estim_lr_coef", c.EstimLRCoef)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		if k.Bool("safeguard_warmup", false) {
			return nil, errorf("optax prodigy: safeguard_warmup=true is not supported (only the default false)")
		}
		return Prodigy(c)
	})
}
