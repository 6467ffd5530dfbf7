package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// This file holds PyTorch's Adam family: Adam, AdamW, Adamax, NAdam, RAdam.

// torchPrefix returns the links PyTorch applies to the gradient before its algorithm:
// negation for maximize=True and coupled (L2) weight decay g + wd·p. The decay link is there
// even for wd = 0 (g + 0·p is g, bit for bit), so that a schedule can turn it on with SetHyper,
// as changing param_groups[i]["weight_decay"] does in PyTorch.
func torchPrefix(maximize bool, coupledWD float64) []*Transform {
	var links []*Transform
	if maximize {
		links = append(links, Negate())
	}
	return append(links, AddDecayedWeights(NewHyper("weight_decay", coupledWD, NonNegative)))
}

// torchNoWeightDecay is torchPrefix for the classes without weight decay (Rprop).
func torchNoWeightDecay(maximize bool) []*Transform {
	if maximize {
		return []*Transform{Negate()}
	}
	return nil
}

// torchWeightDecay returns the prefix and suffix links for PyTorch's weight decay: coupled
// (g + wd·p, first) or decoupled (p·(1 - lr·wd), last).
func torchWeightDecay(maximize bool, wd float64, decoupled bool, lr *Hyper) (prefix, suffix []*Transform) {
	if !decoupled {
		return torchPrefix(maximize, wd), nil
	}
	return torchNoWeightDecay(maximize), []*Transform{DecoupledWeightDecay(lr, NewHyper("weight_decay", wd, NonNegative))}
}

// lerpMoment is PyTorch's m.lerp_(g, 1-β) for β > 0.5: m + (1-β)·(g - m), written as torch
// evaluates it; returns the new moment. beta is a float64 scalar: 1-β is computed in float64, as
// Python does, before meeting the tensors (in float32, 1 - 0.999f is off by 5e-5).
func lerpMoment(m, g, beta *Node) *Node {
	return Add(m, Mul(As(OneMinus(beta), g), Sub(g, m)))
}

// TorchScaleByAdam is PyTorch's Adam direction:
//
//	m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;  v̂max ← max(v̂max, v) with amsgrad
//	d = (m / (1-β1^t)) / (√v / √(1-β2^t) + ε)
//
// nil hyperparameters take PyTorch's defaults: betas (0.9, 0.999), eps 1e-8.
func TorchScaleByAdam(beta1, beta2, eps *Hyper, amsgrad bool) *Transform {
	beta1 = linkHyper(beta1, "beta1", 0.9, UnitInterval)
	beta2 = linkHyper(beta2, "beta2", 0.999, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-8, Positive)
	return &Transform{Name: "scale_by_adam", Hypers: []*Hyper{beta1, beta2, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		b1, b2 := s.Hyper(beta1), s.Hyper(beta2)
		bc1 := OneMinus(powCount(s, b1))
		bc2Sqrt := Sqrt(OneMinus(powCount(s, b2)))
		for i, g := range u {
			mv, vv := s.State(i, "exp_avg", 0), s.State(i, "exp_avg_sq", 0)
			m := lerpMoment(s.Get(mv), g, b1)
			v := Add(Mul(As(b2, g), s.Get(vv)), Mul(As(OneMinus(b2), g), Square(g)))
			s.Set(mv, m)
			s.Set(vv, v)
			if amsgrad {
				mx := s.State(i, "max_exp_avg_sq", 0)
				v = Max(s.Get(mx), v)
				s.Set(mx, v)
			}
			denom := Add(Div(Sqrt(v), As(bc2Sqrt, g)), s.HyperAs(eps, g))
			out[i] = Div(Div(m, As(bc1, g)), denom)
		}
		return out
	}}
}

// AdamConfig configures torch.optim.Adam and AdamW (Decoupled: weight decay p·(1 - lr·wd)).
type AdamConfig struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	AMSGrad, Maximize, Decoupled       bool
}

// DefaultAdam returns torch.optim.Adam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8.
func DefaultAdam() AdamConfig { return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// DefaultAdamW returns torch.optim.AdamW's defaults: Adam's, with decoupled weight decay 0.01.
func DefaultAdamW() AdamConfig {
	c := DefaultAdam()
	c.WeightDecay, c.Decoupled = 0.01, true
	return c
}

// Adam builds torch.optim.Adam (or AdamW when c.Decoupled): p ← p - lr·d, d of TorchScaleByAdam.
func Adam(c AdamConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultAdam(), "DefaultAdam() or DefaultAdamW()")
	name := "Adam"
	if c.Decoupled {
		name = "AdamW"
	}
	lr := NewHyper("lr", c.LR, NonNegative)
	prefix, suffix := torchWeightDecay(c.Maximize, c.WeightDecay, c.Decoupled, lr)
	links := append(prefix,
		TorchScaleByAdam(NewHyper("beta1", c.Beta1, UnitInterval), NewHyper("beta2", c.Beta2, UnitInterval),
			NewHyper("eps", c.Eps, Positive), c.AMSGrad),
		ScaleByLearningRate(lr))
	return NewOptimizer(name, append(links, suffix...)...)
}

// TorchScaleByAdamax is PyTorch's Adamax direction: m ← β1·m + (1-β1)·g;
// u ← max(β2·u, |g| + ε); d = (m/u) / (1-β1^t).
// nil hyperparameters take PyTorch's defaults: betas (0.9, 0.999), eps 1e-8.
func TorchScaleByAdamax(beta1, beta2, eps *Hyper) *Transform {
	beta1 = linkHyper(beta1, "beta1", 0.9, UnitInterval)
	beta2 = linkHyper(beta2, "beta2", 0.999, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-8, Positive)
	return &Transform{Name: "scale_by_adamax", Hypers: []*Hyper{beta1, beta2, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		b1 := s.Hyper(beta1)
		bc1 := OneMinus(powCount(s, b1))
		for i, g := range u {
			mv, uv := s.State(i, "exp_avg", 0), s.State(i, "exp_inf", 0)
			m := lerpMoment(s.Get(mv), g, b1)
			inf := Max(Mul(s.HyperAs(beta2, g), s.Get(uv)), Add(Abs(g), s.HyperAs(eps, g)))
			s.Set(mv, m)
			s.Set(uv, inf)
			out[i] = Div(Div(m, inf), As(bc1, g))
		}
		return out
	}}
}

// TorchScaleByNAdam is PyTorch's NAdam direction with its momentum schedule
// μ_t = β1·(1 - ½·0.96^(t·ψ)) (ψ = momentum_decay) and Π_t = μ_1⋯μ_t:
//
//	d = (1-μ_t)/(1-Π_t) · g/den + μ_{t+1}/(1-Π_t·μ_{t+1}) · m/den,   den = √(v/(1-β2^t)) + ε
//
// nil hyperparameters take PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, momentum_decay 4e-3.
func TorchScaleByNAdam(beta1, beta2, eps, momentumDecay *Hyper) *Transform {
	beta1 = linkHyper(beta1, "beta1", 0.9, UnitInterval)
	beta2 = linkHyper(beta2, "beta2", 0.999, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-8, Positive)
	momentumDecay = linkHyper(momentumDecay, "momentum_decay", 4e-3, NonNegative)
	hypers := []*Hyper{beta1, beta2, eps, momentumDecay}
	return &Transform{Name: "scale_by_nadam", Hypers: hypers, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		b1, b2, psi := s.Hyper(beta1), s.Hyper(beta2), s.Hyper(momentumDecay)
		g96 := Scalar(s.G, b1.DType(), 0.96)
		mu := Mul(b1, OneMinus(MulScalar(Pow(g96, Mul(s.Count, psi)), 0.5)))
		muNext := Mul(b1, OneMinus(MulScalar(Pow(g96, Mul(AddScalar(s.Count, 1), psi)), 0.5)))
		prodVar := s.Scalar("mu_product", b1.DType(), 1)
		prod := Mul(s.Get(prodVar), mu)
		s.Set(prodVar, prod)
		coefG := Div(OneMinus(mu), OneMinus(prod))
		coefM := Div(muNext, OneMinus(Mul(prod, muNext)))
		bc2 := OneMinus(powCount(s, b2))
		for i, g := range u {
			mv, vv := s.State(i, "exp_avg", 0), s.State(i, "exp_avg_sq", 0)
			m := lerpMoment(s.Get(mv), g, b1)
			v := Add(Mul(As(b2, g), s.Get(vv)), Mul(As(OneMinus(b2), g), Square(g)))
			s.Set(mv, m)
			s.Set(vv, v)
			den := Add(Sqrt(Div(v, As(bc2, g))), s.HyperAs(eps, g))
			out[i] = Add(Mul(As(coefG, g), Div(g, den)), Mul(As(coefM, g), Div(m, den)))
		}
		return out
	}}
}

// TorchScaleByRAdam is PyTorch's RAdam direction: with ρ∞ = 2/(1-β2) - 1 and
// ρ_t = ρ∞ - 2t·β2^t/(1-β2^t), d = m̂·r_t·√(1-β2^t)/(√v + ε) if ρ_t > 5, else m̂,
// where m̂ = m/(1-β1^t) and r_t = √((ρ_t-4)(ρ_t-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρ_t)).
// nil hyperparameters take PyTorch's defaults: betas (0.9, 0.999), eps 1e-8.
func TorchScaleByRAdam(beta1, beta2, eps *Hyper) *Transform {
	beta1 = linkHyper(beta1, "beta1", 0.9, UnitInterval)
	beta2 = linkHyper(beta2, "beta2", 0.999, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-8, Positive)
	return &Transform{Name: "scale_by_radam", Hypers: []*Hyper{beta1, beta2, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		b1, b2 := s.Hyper(beta1), s.Hyper(beta2)
		bc1 := OneMinus(powCount(s, b1))
		b2t := powCount(s, b2)
		bc2 := OneMinus(b2t)
		rhoInf := AddScalar(Div(Scalar(s.G, b2.DType(), 2), OneMinus(b2)), -1) // 2/(1-β2) - 1
		rho := Sub(rhoInf, Div(MulScalar(Mul(s.Count, b2t), 2), bc2))
		rect := Sqrt(Div(Mul(Mul(AddScalar(rho, -4), AddScalar(rho, -2)), rhoInf),
			Mul(Mul(AddScalar(rhoInf, -4), AddScalar(rhoInf, -2)), rho)))
		tractable := GreaterThan(rho, Scalar(s.G, rho.DType(), 5))
		for i, g := range u {
			mv, vv := s.State(i, "exp_avg", 0), s.State(i, "exp_avg_sq", 0)
			m := lerpMoment(s.Get(mv), g, b1)
			v := Add(Mul(As(b2, g), s.Get(vv)), Mul(As(OneMinus(b2), g), Square(g)))
			s.Set(mv, m)
			s.Set(vv, v)
			mHat := Div(m, As(bc1, g))
			adaptive := Div(As(Sqrt(bc2), g), Add(Sqrt(v), s.HyperAs(eps, g)))
			rectified := Mul(Mul(mHat, adaptive), As(Where(tractable, rect, ScalarZero(s.G, rect.DType())), g))
			out[i] = Where(tractable, rectified, mHat)
		}
		return out
	}}
}

// AdamaxConfig configures torch.optim.Adamax.
type AdamaxConfig struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Maximize                           bool
}

// DefaultAdamax returns torch.optim.Adamax's defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8.
func DefaultAdamax() AdamaxConfig { return AdamaxConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// Adamax builds torch.optim.Adamax: p ← p - lr·d, d of TorchScaleByAdamax.
func Adamax(c AdamaxConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultAdamax(), "DefaultAdamax()")
	links := append(torchPrefix(c.Maximize, c.WeightDecay),
		TorchScaleByAdamax(NewHyper("beta1", c.Beta1, UnitInterval), NewHyper("beta2", c.Beta2, UnitInterval), NewHyper("eps", c.Eps, Positive)),
		ScaleByLearningRate(NewHyper("lr", c.LR, NonNegative)))
	return NewOptimizer("Adamax", links...)
}

// NAdamConfig configures torch.optim.NAdam (Decoupled: decoupled_weight_decay=True).
type NAdamConfig struct {
	LR, Beta1, Beta2, Eps, WeightDecay, MomentumDecay float64
	Decoupled, Maximize                               bool
}

// DefaultNAdam returns torch.optim.NAdam's defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8,
// momentum_decay 4e-3.
func DefaultNAdam() NAdamConfig {
	return NAdamConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, MomentumDecay: 4e-3}
}

// NAdam builds torch.optim.NAdam: p ← p - lr·d, d of TorchScaleByNAdam.
func NAdam(c NAdamConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultNAdam(), "DefaultNAdam()")
	lr := NewHyper("lr", c.LR, NonNegative)
	prefix, suffix := torchWeightDecay(c.Maximize, c.WeightDecay, c.Decoupled, lr)
	links := append(prefix, TorchScaleByNAdam(NewHyper("beta1", c.Beta1, UnitInterval), NewHyper("beta2", c.Beta2, UnitInterval),
		NewHyper("eps", c.Eps, Positive), NewHyper("momentum_decay", c.MomentumDecay, NonNegative)), ScaleByLearningRate(lr))
	return NewOptimizer("NAdam", append(links, suffix...)...)
}

// RAdamConfig configures torch.optim.RAdam (Decoupled: decoupled_weight_decay=True).
type RAdamConfig struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Decoupled, Maximize                bool
}

// DefaultRAdam returns torch.optim.RAdam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8.
func DefaultRAdam() RAdamConfig { return RAdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// RAdam builds torch.optim.RAdam: p ← p - lr·d, d of TorchScaleByRAdam.
func RAdam(c RAdamConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultRAdam(), "DefaultRAdam()")
	lr := NewHyper("lr", c.LR, NonNegative)
	prefix, suffix := torchWeightDecay(c.Maximize, c.WeightDecay, c.Decoupled, lr)
	links := append(prefix, TorchScaleByRAdam(NewHyper("beta1", c.Beta1, UnitInterval), NewHyper("beta2", c.Beta2, UnitInterval),
		NewHyper("eps", c.Eps, Positive)), ScaleByLearningRate(lr))
	return NewOptimizer("RAdam", append(links, suffix...)...)
}

// torchBetas reads betas=(β1, β2).
func torchBetas(k *Kwargs, def [2]float64) (float64, float64) {
	b := k.Floats("betas", 2, def[:])
	return b[0], b[1]
}

func init() {
	adam := func(def AdamConfig, hasDecoupledKeyword bool) Factory {
		return func(k *Kwargs) (*Optimizer, error) {
			c := def
			c.LR = k.Float("lr", c.LR)
			c.Beta1, c.Beta2 = torchBetas(k, [2]float64{c.Beta1, c.Beta2})
			c.Eps = k.Float("eps", c.Eps)
			c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
			c.AMSGrad = k.Bool("amsgrad", c.AMSGrad)
			c.Maximize = k.Bool("maximize", c.Maximize)
			if hasDecoupledKeyword {
				c.Decoupled = k.Bool("decoupled_weight_decay", c.Decoupled)
			}
			k.Ignored(torchRuntimeKeywords...)
			return Adam(c)
		}
	}
	registerTorch("Adam", adam(DefaultAdam(), true))
	registerTorch("AdamW", adam(DefaultAdamW(), false))
	registerTorch("Adamax", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultAdamax()
		c.LR = k.Float("lr", c.LR)
		c.Beta1, c.Beta2 = torchBetas(k, [2]float64{c.Beta1, c.Beta2})
		c.Eps, c.WeightDecay, c.Maximize = k.Float("eps", c.Eps), k.Float("weight_decay", c.WeightDecay), k.Bool("maximize", c.Maximize)
		k.Ignored(torchRuntimeKeywords...)
		return Adamax(c)
	})
	registerTorch("NAdam", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultNAdam()
		c.LR = k.Float("lr", c.LR)
		c.Beta1, c.Beta2 = torchBetas(k, [2]float64{c.Beta1, c.Beta2})
		c.Eps, c.WeightDecay, c.MomentumDecay = k.Float("eps", c.Eps), k.Float("weight_decay", c.WeightDecay), k.Float("momentum_decay", c.MomentumDecay)
		c.Decoupled, c.Maximize = k.Bool("decoupled_weight_decay", c.Decoupled), k.Bool("maximize", c.Maximize)
		k.Ignored(torchRuntimeKeywords...)
		return NAdam(c)
	})
	registerTorch("RAdam", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultRAdam()
		c.LR = k.Float("lr", c.LR)
		c.Beta1, c.Beta2 = torchBetas(k, [2]float64{c.Beta1, c.Beta2})
		c.Eps, c.WeightDecay = k.Float("eps", c.Eps), k.Float("weight_decay", c.WeightDecay)
		c.Decoupled, c.Maximize = k.Bool("decoupled_weight_decay", c.Decoupled), k.Bool("maximize", c.Maximize)
		k.Ignored(torchRuntimeKeywords...)
		return RAdam(c)
	})
}
