package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// This file holds optax's Adam family: adam, adamw, nadam, nadamw, adamax, adamaxw, amsgrad,
// radam, and the links they share.

// ema is optax's update_moment: (1-β)·x + β·m. beta is a float64 scalar: 1-β is computed in
// float64 before meeting x, as Python does, which matters in float32 (1 - 0.999f is off by 5e-5).
func ema(x, m, beta *Node) *Node {
	return Add(Mul(As(OneMinus(beta), x), x), Mul(As(beta, x), m))
}

// biasCorrect is optax's bias_correction: m / (1 - β^t).
func biasCorrect(s *Step, m, beta, count *Node) *Node {
	return Div(m, As(OneMinus(Pow(beta, count)), m))
}

// adamMoments updates optax's first and second moments μ ← ema(g, μ, β1), ν ← ema(g², ν, β2)
// of variable i and returns them.
func adamMoments(s *Step, i int, g, b1, b2 *Node) (mu, nu *Node) {
	muV, nuV := s.State(i, "mu", 0), s.State(i, "nu", 0)
	mu, nu = ema(g, s.Get(muV), b1), ema(Square(g), s.Get(nuV), b2)
	s.Set(muV, mu)
	s.Set(nuV, nu)
	return mu, nu
}

// adamMuHat is μ̂ = μ/(1-β1^t), or with nesterov β1·μ/(1-β1^(t+1)) + (1-β1)·g/(1-β1^t).
func adamMuHat(s *Step, mu, g, b1 *Node, nesterov bool) *Node {
	if !nesterov {
		return biasCorrect(s, mu, b1, s.Count)
	}
	return Add(Mul(As(b1, g), biasCorrect(s, mu, b1, AddScalar(s.Count, 1))), Mul(As(OneMinus(b1), g), biasCorrect(s, g, b1, s.Count)))
}

// ScaleByAdam is optax.scale_by_adam: d = μ̂ / (√(ν̂ + ε_root) + ε), ν̂ = ν/(1-β2^t); nesterov
// gives NAdam's μ̂ (see adamMuHat).
// nil hyperparameters take optax's defaults: b1 0.9, b2 0.999, eps 1e-8, eps_root 0.
func ScaleByAdam(b1, b2, eps, epsRoot *Hyper, nesterov bool) *Transform {
	b1 = linkHyper(b1, "b1", 0.9, UnitInterval)
	b2 = linkHyper(b2, "b2", 0.999, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-8, Positive)
	epsRoot = linkHyper(epsRoot, "eps_root", 0, NonNegative)
	return &Transform{Name: "scale_by_adam", Hypers: []*Hyper{b1, b2, eps, epsRoot}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		beta1, beta2 := s.Hyper(b1), s.Hyper(b2)
		for i, g := range u {
			mu, nu := adamMoments(s, i, g, beta1, beta2)
			nuHat := biasCorrect(s, nu, beta2, s.Count)
			out[i] = Div(adamMuHat(s, mu, g, beta1, nesterov), Add(Sqrt(Add(nuHat, s.HyperAs(epsRoot, g))), s.HyperAs(eps, g)))
		}
		return out
	}}
}

// ScaleByAmsgrad is optax.scale_by_amsgrad: ν̂max ← max(ν̂max, ν̂); d = μ̂ / (√(ν̂max + ε_root) + ε).
// nil hyperparameters take optax's defaults: b1 0.9, b2 0.999, eps 1e-8, eps_root 0.
func ScaleByAmsgrad(b1, b2, eps, epsRoot *Hyper, biasCorrectMu, biasCorrectNu bool) *Transform {
	b1 = linkHyper(b1, "b1", 0.9, UnitInterval)
	b2 = linkHyper(b2, "b2", 0.999, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-8, Positive)
	epsRoot = linkHyper(epsRoot, "eps_root", 0, NonNegative)
	return &Transform{Name: "scale_by_amsgrad", Hypers: []*Hyper{b1, b2, eps, epsRoot}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		beta1, beta2 := s.Hyper(b1), s.Hyper(b2)
		for i, g := range u {
			mu, nu := adamMoments(s, i, g, beta1, beta2)
			if biasCorrectMu {
				mu = biasCorrect(s, mu, beta1, s.Count)
			}
			if biasCorrectNu {
				nu = biasCorrect(s, nu, beta2, s.Count)
			}
			maxV := s.State(i, "nu_max", 0)
			nuMax := Max(s.Get(maxV), nu)
			s.Set(maxV, nuMax)
			out[i] = Div(mu, Add(Sqrt(Add(nuMax, s.HyperAs(epsRoot, g))), s.HyperAs(eps, g)))
		}
		return out
	}}
}

// ScaleByAdamax is optax.scale_by_adamax: μ ← ema(g, μ, β1); ν ← max(|g| + ε, β2·ν); d = μ̂/ν.
// nil hyperparameters take optax's defaults: b1 0.9, b2 0.999, eps 1e-8.
func ScaleByAdamax(b1, b2, eps *Hyper) *Transform {
	b1 = linkHyper(b1, "b1", 0.9, UnitInterval)
	b2 = linkHyper(b2, "b2", 0.999, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-8, Positive)
	return &Transform{Name: "scale_by_adamax", Hypers: []*Hyper{b1, b2, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		beta1 := s.Hyper(b1)
		for i, g := range u {
			muV, nuV := s.State(i, "mu", 0), s.State(i, "nu", 0)
			mu := ema(g, s.Get(muV), beta1)
			nu := Max(Add(Abs(g), s.HyperAs(eps, g)), Mul(s.HyperAs(b2, g), s.Get(nuV)))
			s.Set(muV, mu)
			s.Set(nuV, nu)
			out[i] = Div(biasCorrect(s, mu, beta1, s.Count), nu)
		}
		return out
	}}
}

// ScaleByRAdam is optax.scale_by_radam: with ρ∞ = 2/(1-β2) - 1 and ρ_t = ρ∞ - 2t·β2^t/(1-β2^t),
// d = r_t·μ̂/(√(ν̂ + ε_root) + ε) if ρ_t ≥ threshold, else μ̂.
// nil hyperparameters take optax's defaults: b1 0.9, b2 0.999, eps 1e-8, eps_root 0, threshold 5.
func ScaleByRAdam(b1, b2, eps, epsRoot, threshold *Hyper, nesterov bool) *Transform {
	b1 = linkHyper(b1, "b1", 0.9, UnitInterval)
	b2 = linkHyper(b2, "b2", 0.999, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-8, Positive)
	epsRoot = linkHyper(epsRoot, "eps_root", 0, NonNegative)
	threshold = linkHyper(threshold, "threshold", 5, AnyReal)
	hypers := []*Hyper{b1, b2, eps, epsRoot, threshold}
	return &Transform{Name: "scale_by_radam", Hypers: hypers, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		beta1, beta2 := s.Hyper(b1), s.Hyper(b2)
		rhoInf := AddScalar(Div(Scalar(s.G, beta2.DType(), 2), OneMinus(beta2)), -1) // 2/(1-β2) - 1
		b2t := Pow(beta2, s.Count)
		rho := Sub(rhoInf, Div(MulScalar(Mul(s.Count, b2t), 2), OneMinus(b2t)))
		r := Sqrt(Div(Mul(Mul(AddScalar(rho, -4), AddScalar(rho, -2)), rhoInf),
			Mul(Mul(AddScalar(rhoInf, -4), AddScalar(rhoInf, -2)), rho)))
		tractable := GreaterOrEqual(rho, s.Hyper(threshold))
		r = Where(tractable, r, ZerosLike(r)) // keeps NaN out of the unused branch
		for i, g := range u {
			mu, nu := adamMoments(s, i, g, beta1, beta2)
			muHat := adamMuHat(s, mu, g, beta1, nesterov)
			nuHat := biasCorrect(s, nu, beta2, s.Count)
			rect := Div(Mul(As(r, g), muHat), Add(Sqrt(Add(nuHat, s.HyperAs(epsRoot, g))), s.HyperAs(eps, g)))
			out[i] = Where(tractable, rect, muHat)
		}
		return out
	}}
}

// OptaxAdamConfig configures optax.adam, and with Decoupled optax.adamw (decayed weights
// added after the Adam direction), with Nesterov optax.nadam and nadamw.
type OptaxAdamConfig struct {
	LearningRate, B1, B2, Eps, EpsRoot, WeightDecay float64
	Nesterov, Decoupled                             bool
}

// DefaultOptaxAdam returns optax's defaults for adam with the given learning rate (optax has
// no default for it): b1 0.9, b2 0.999, eps 1e-8, eps_root 0; weight_decay 1e-4 for adamw.
func DefaultOptaxAdam(learningRate float64) OptaxAdamConfig {
	return OptaxAdamConfig{LearningRate: learningRate, B1: 0.9, B2: 0.999, Eps: 1e-8, WeightDecay: 1e-4}
}

// OptaxAdam builds optax.adam: chain(scale_by_adam, [add_decayed_weights,] scale_by_learning_rate).
func OptaxAdam(c OptaxAdamConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultOptaxAdam(c.LearningRate), "DefaultOptaxAdam(lr)")
	name := map[[2]bool]string{{false, false}: "adam", {false, true}: "adamw", {true, false}: "nadam", {true, true}: "nadamw"}[[2]bool{c.Nesterov, c.Decoupled}]
	links := []*Transform{ScaleByAdam(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval),
		NewHyper("eps", c.Eps, Positive), NewHyper("eps_root", c.EpsRoot, NonNegative), c.Nesterov)}
	if c.Decoupled {
		links = append(links, AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)))
	}
	return NewOptimizer(name, append(links, ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))...)
}

// OptaxAdamaxConfig configures optax.adamax, and with Decoupled optax.adamaxw.
type OptaxAdamaxConfig struct {
	LearningRate, B1, B2, Eps, WeightDecay float64
	Decoupled                              bool
}

// DefaultOptaxAdamax returns optax's defaults for adamax(w): b1 0.9, b2 0.999, eps 1e-8, weight_decay 1e-4.
func DefaultOptaxAdamax(learningRate float64) OptaxAdamaxConfig {
	return OptaxAdamaxConfig{LearningRate: learningRate, B1: 0.9, B2: 0.999, Eps: 1e-8, WeightDecay: 1e-4}
}

// OptaxAdamax builds optax.adamax: chain(scale_by_adamax, [add_decayed_weights,] scale_by_learning_rate).
func OptaxAdamax(c OptaxAdamaxConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultOptaxAdamax(c.LearningRate), "DefaultOptaxAdamax(lr)")
	name := "adamax"
	links := []*Transform{ScaleByAdamax(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval), NewHyper("eps", c.Eps, Positive))}
	if c.Decoupled {
		name = "adamaxw"
		links = append(links, AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)))
	}
	return NewOptimizer(name, append(links, ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))...)
}

// OptaxAmsgradConfig configures optax.amsgrad.
type OptaxAmsgradConfig struct {
	LearningRate, B1, B2, Eps, EpsRoot float64
	BiasCorrectionMu, BiasCorrectionNu bool
}

// DefaultOptaxAmsgrad returns optax's defaults for amsgrad: Adam's, with both bias corrections.
func DefaultOptaxAmsgrad(learningRate float64) OptaxAmsgradConfig {
	return OptaxAmsgradConfig{LearningRate: learningRate, B1: 0.9, B2: 0.999, Eps: 1e-8, BiasCorrectionMu: true, BiasCorrectionNu: true}
}

// OptaxAmsgrad builds optax.amsgrad: chain(scale_by_amsgrad, scale_by_learning_rate).
func OptaxAmsgrad(c OptaxAmsgradConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultOptaxAmsgrad(c.LearningRate), "DefaultOptaxAmsgrad(lr)")
	return NewOptimizer("amsgrad", ScaleByAmsgrad(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval),
		NewHyper("eps", c.Eps, Positive), NewHyper("eps_root", c.EpsRoot, NonNegative), c.BiasCorrectionMu, c.BiasCorrectionNu),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

// OptaxRAdamConfig configures optax.radam.
type OptaxRAdamConfig struct {
	LearningRate, B1, B2, Eps, EpsRoot, Threshold float64
	Nesterov                                      bool
}

// DefaultOptaxRAdam returns optax's defaults for radam: Adam's, threshold 5.
func DefaultOptaxRAdam(learningRate float64) OptaxRAdamConfig {
	return OptaxRAdamConfig{LearningRate: learningRate, B1: 0.9, B2: 0.999, Eps: 1e-8, Threshold: 5}
}

// OptaxRAdam builds optax.radam: chain(scale_by_radam, scale_by_learning_rate).
func OptaxRAdam(c OptaxRAdamConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultOptaxRAdam(c.LearningRate), "DefaultOptaxRAdam(lr)")
	return NewOptimizer("radam", ScaleByRAdam(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval),
		NewHyper("eps", c.Eps, Positive), NewHyper("eps_root", c.EpsRoot, NonNegative), NewHyper("threshold", c.Threshold, AnyReal), c.Nesterov),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

func init() {
	adam := func(nesterov, decoupled bool) Factory {
		return func(k *Kwargs) (*Optimizer, error) {
			c := DefaultOptaxAdam(k.RequiredFloat("learning_rate"))
			c.B1, c.B2, c.Eps, c.EpsRoot = k.Float("b1", c.B1), k.Float("b2", c.B2), k.Float("eps", c.Eps), k.Float("eps_root", c.EpsRoot)
			k.NoneOnly("mu_dtype")
			// optax.nadam is functools.partial(adam, nesterov=True): the keyword can still be given.
			c.Nesterov, c.Decoupled = k.Bool("nesterov", nesterov), decoupled
			if decoupled {
				c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
				k.NoneOnly("mask")
			}
			return OptaxAdam(c)
		}
	}
	registerOptax("adam", adam(false, false))
	registerOptax("adamw", adam(false, true))
	registerOptax("nadam", adam(true, false))
	registerOptax("nadamw", adam(true, true))
	adamax := func(decoupled bool) Factory {
		return func(k *Kwargs) (*Optimizer, error) {
			c := DefaultOptaxAdamax(k.RequiredFloat("learning_rate"))
			c.B1, c.B2, c.Eps, c.Decoupled = k.Float("b1", c.B1), k.Float("b2", c.B2), k.Float("eps", c.Eps), decoupled
			if decoupled {
				c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
				k.NoneOnly("mask")
			}
			return OptaxAdamax(c)
		}
	}
	registerOptax("adamax", adamax(false))
	registerOptax("adamaxw", adamax(true))
	registerOptax("amsgrad", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultOptaxAmsgrad(k.RequiredFloat("learning_rate"))
		c.B1, c.B2, c.Eps, c.EpsRoot = k.Float("b1", c.B1), k.Float("b2", c.B2), k.Float("eps", c.Eps), k.Float("eps_root", c.EpsRoot)
		k.NoneOnly("mu_dtype")
		c.BiasCorrectionMu, c.BiasCorrectionNu = k.Bool("bias_correction_mu", true), k.Bool("bias_correction_nu", true)
		return OptaxAmsgrad(c)
	})
	registerOptax("radam", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultOptaxRAdam(k.RequiredFloat("learning_rate"))
		c.B1, c.B2, c.Eps, c.EpsRoot = k.Float("b1", c.B1), k.Float("b2", c.B2), k.Float("eps", c.Eps), k.Float("eps_root", c.EpsRoot)
		c.Threshold, c.Nesterov = k.Float("threshold", c.Threshold), k.Bool("nesterov", false)
		return OptaxRAdam(c)
	})
}
