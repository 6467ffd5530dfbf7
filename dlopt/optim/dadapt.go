package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// DAdaptAdamWConfig is optax.contrib.dadapt_adamw (Defazio & Mishchenko 2023, "Learning-Rate-Free
// Learning by D-Adaptation", ICML): AdamW whose rate d·lr grows with an estimate d of the
// distance to the solution (in the ∞-norm). With t = 1, 2, ..., sums over all variables,
// β = √β₂:
//
//	η = d·lr·√(1-β₂^t)/(1-β₁^t);  r ← β·r + (1-β)·η·⟨g, s/(√v + eps)⟩   (s, v before update)
//	m ← β₁·m + (1-β₁)·η·g;  v ← β₂·v + (1-β₂)·g²;  s ← β·s + (1-β)·η·g
//	d ← max(d, r/((1-β)·‖s‖₁));  x ← x - m/(√v + eps) - wd·η·x
type DAdaptAdamWConfig struct {
	LearningRate, B1, B2, Eps, EstimLR0, WeightDecay float64
}

// DefaultDAdaptAdamW returns optax.contrib.dadapt_adamw's defaults.
func DefaultDAdaptAdamW() DAdaptAdamWConfig {
	return DAdaptAdamWConfig{LearningRate: 1, B1: 0.9, B2: 0.999, Eps: 1e-8, EstimLR0: 1e-6}
}

// ScaleByDAdaptAdamW is optax.contrib.dadapt_adamw's update; its output is the step.
// nil hyperparameters take DefaultDAdaptAdamW's values.
func ScaleByDAdaptAdamW(lr, b1, b2, eps, d0, wd *Hyper) *Transform {
	lr = linkHyper(lr, "learning_rate", DefaultDAdaptAdamW().LearningRate, NonNegative)
	b1 = linkHyper(b1, "b1", DefaultDAdaptAdamW().B1, UnitInterval)
	b2 = linkHyper(b2, "b2", DefaultDAdaptAdamW().B2, UnitInterval)
	eps = linkHyper(eps, "eps", DefaultDAdaptAdamW().Eps, Positive)
	d0 = linkHyper(d0, "estim_lr0", DefaultDAdaptAdamW().EstimLR0, Positive)
	wd = linkHyper(wd, "weight_decay", DefaultDAdaptAdamW().WeightDecay, NonNegative)
	return &Transform{Name: "dadapt_adamw", Hypers: []*Hyper{lr, b1, b2, eps, d0, wd}, Update: func(s *Step, u []*Node) []*Node {
		beta1, beta2 := s.Hyper(b1), s.Hyper(b2)
		sb2 := Sqrt(beta2)
		d, setD := float64Scalar(s, "estim_lr", 0)
		d = Where(firstStep(s), s.Hyper(d0), d)
		num, setNum := float64Scalar(s, "numerator_weighted", 0)
		bc := Div(Sqrt(OneMinus(Pow(beta2, s.Count))), OneMinus(Pow(beta1, s.Count)))
		dlr := Mul(Mul(d, s.Hyper(lr)), bc)
		weighted := make([]*Node, len(u))
		ms, vs, sums := make([]*Node, len(u)), make([]*Node, len(u)), make([]*Node, len(u))
		for i, g := range u {
			mv, vv, sv := s.State(i, "exp_avg", 0), s.State(i, "exp_avg_sq", 0), s.State(i, "grad_sum", 0)
			weighted[i] = Div(s.Get(sv), Add(Sqrt(s.Get(vv)), s.HyperAs(eps, g)))
			eta := As(dlr, g)
			ms[i] = Add(Mul(As(beta1, g), s.Get(mv)), Mul(Mul(As(OneMinus(beta1), g), eta), g))
			vs[i] = Add(Mul(As(beta2, g), s.Get(vv)), Mul(Mul(As(OneMinus(beta2), g), g), g))
			sums[i] = Add(Mul(As(sb2, g), s.Get(sv)), Mul(Mul(As(OneMinus(sb2), g), eta), g))
			s.Set(mv, ms[i])
			s.Set(vv, vs[i])
			s.Set(sv, sums[i])
		}
		num = Add(Mul(sb2, num), Mul(Mul(OneMinus(sb2), dlr), treeVdot(u, weighted)))
		setNum(num)
		setD(Max(d, Div(num, Mul(OneMinus(sb2), treeSumAbs(sums)))))
		out := make([]*Node, len(u))
		for i, g := range u {
			step := Neg(Div(ms[i], Add(Sqrt(vs[i]), s.HyperAs(eps, g))))
			out[i] = Add(step, Mul(As(Neg(Mul(s.Hyper(wd), dlr)), g), s.ParamAs(i, g)))
		}
		return out
	}}
}

// DAdaptAdamW builds optax.contrib.dadapt_adamw.
func DAdaptAdamW(c DAdaptAdamWConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultDAdaptAdamW(), "DefaultDAdaptAdamW()")
	return NewOptimizer("dadapt_adamw", ScaleByDAdaptAdamW(NewHyper("learning_rate", c.LearningRate, NonNegative),
		NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval), NewHyper("eps", c.Eps, Positive),
		NewHyper("estim_lr0", c.EstimLR0, Positive), NewHyper("weight_decay", c.WeightDecay, NonNegative)))
}

func init() {
	registerOptax("dadapt_adamw", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultDAdaptAdamW()
		c.LearningRate = k.Float("learning_rate", c.LearningRate)
		betas := k.Floats("betas", 2, []float64{c.B1, c.B2})
		c.B1, c.B2 = betas[0], betas[1]
		c.Eps = k.Float("eps", c.Eps)
		c.EstimLR0 = k.Float("estim_lr0", c.EstimLR0)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		if err := rejectGiven(k, "weight_decay_mask", "wrap the optimizer in a mask instead"); err != nil {
			return nil, err
		}
		return DAdaptAdamW(c)
	})
}
