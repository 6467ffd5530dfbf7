package optim

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
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
func ScaleByAdam(b1, b2, eps, epsRoot *Hyper, nesterov bool) *Transform {
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
func ScaleByAmsgrad(b1, b2, eps, epsRoot *Hyper, biasCorrectMu, biasCorrectNu bool) *Transform {
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
func ScaleByAdamax(b1, b2, eps *Hyper) *Transform {
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
func ScaleByRAdam(b1, b2, eps, epsRoot, threshold *Hyper, nesterov bool) *Transform {
	hypers := []*Hyper{b1, b2, eps, epsRoot, threshold}
	return &Transform{Name: "scale_by_radam", Hypers: hypers, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		beta1, beta2 := s.Hyper(b1), s.Hyper(b2)
		rhoInf := AddScalar(DivScalar(Reciprocal(OneMinus(beta2)), 0.5), -1)
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

// optaxAdamHypers reads b1, b2, eps (and eps_root when withRoot) with optax's defaults.
func optaxAdamHypers(k *Kwargs, withRoot bool) (b1, b2, eps, epsRoot *Hyper) {
	b1 = NewHyper("b1", k.Float("b1", 0.9), UnitInterval)
	b2 = NewHyper("b2", k.Float("b2", 0.999), UnitInterval)
	eps = NewHyper("eps", k.Float("eps", 1e-8), Positive)
	if withRoot {
		epsRoot = NewHyper("eps_root", k.Float("eps_root", 0), NonNegative)
	}
	return
}

// optaxWeightDecay reads optax's weight_decay (default def) and its mask keyword (null only).
func optaxWeightDecay(k *Kwargs, def float64, maskKey string) *Hyper {
	wd := NewHyper("weight_decay", k.Float("weight_decay", def), NonNegative)
	k.NoneOnly(maskKey)
	return wd
}

func init() {
	adam := func(name string, nesterov, decoupled bool) Factory {
		return func(k *Kwargs) (*Optimizer, error) {
			lr := NewHyper("learning_rate", k.RequiredFloat("learning_rate"), NonNegative)
			b1, b2, eps, epsRoot := optaxAdamHypers(k, true)
			k.NoneOnly("mu_dtype")
			if !nesterov {
				nesterov = k.Bool("nesterov", false)
			}
			links := []*Transform{ScaleByAdam(b1, b2, eps, epsRoot, nesterov)}
			if decoupled {
				links = append(links, AddDecayedWeights(optaxWeightDecay(k, 1e-4, "mask")))
			}
			return NewOptimizer(name, append(links, ScaleByLearningRate(lr))...)
		}
	}
	registerOptax("adam", adam("adam", false, false))
	registerOptax("adamw", adam("adamw", false, true))
	registerOptax("nadam", adam("nadam", true, false))
	registerOptax("nadamw", adam("nadamw", true, true))
	adamax := func(name string, decoupled bool) Factory {
		return func(k *Kwargs) (*Optimizer, error) {
			lr := NewHyper("learning_rate", k.RequiredFloat("learning_rate"), NonNegative)
			b1, b2, eps, _ := optaxAdamHypers(k, false)
			links := []*Transform{ScaleByAdamax(b1, b2, eps)}
			if decoupled {
				links = append(links, AddDecayedWeights(optaxWeightDecay(k, 1e-4, "mask")))
			}
			return NewOptimizer(name, append(links, ScaleByLearningRate(lr))...)
		}
	}
	registerOptax("adamax", adamax("adamax", false))
	registerOptax("adamaxw", adamax("adamaxw", true))
	registerOptax("amsgrad", func(k *Kwargs) (*Optimizer, error) {
		lr := NewHyper("learning_rate", k.RequiredFloat("learning_rate"), NonNegative)
		b1, b2, eps, epsRoot := optaxAdamHypers(k, true)
		k.NoneOnly("mu_dtype")
		bcMu, bcNu := k.Bool("bias_correction_mu", true), k.Bool("bias_correction_nu", true)
		return NewOptimizer("amsgrad", ScaleByAmsgrad(b1, b2, eps, epsRoot, bcMu, bcNu), ScaleByLearningRate(lr))
	})
	registerOptax("radam", func(k *Kwargs) (*Optimizer, error) {
		lr := NewHyper("learning_rate", k.RequiredFloat("learning_rate"), NonNegative)
		b1, b2, eps, epsRoot := optaxAdamHypers(k, true)
		threshold := NewHyper("threshold", k.Float("threshold", 5), AnyReal)
		nesterov := k.Bool("nesterov", false)
		return NewOptimizer("radam", ScaleByRAdam(b1, b2, eps, epsRoot, threshold, nesterov), ScaleByLearningRate(lr))
	})
}
