package optim

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// This file holds optax's adagrad, rmsprop and adadelta and their links.

// ScaleByRSS is optax.scale_by_rss (Adagrad): s ← s + g² (s starts at initial_accumulator_value);
// d = g/√(s + ε) where s > 0, else 0.
func ScaleByRSS(initialAccumulator float64, eps *Hyper) *Transform {
	return &Transform{Name: "scale_by_rss", Hypers: []*Hyper{eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			sv := s.State(i, "sum_of_squares", initialAccumulator)
			sum := Add(Square(g), s.Get(sv))
			s.Set(sv, sum)
			out[i] = Mul(Where(GreaterThan(sum, ZerosLike(sum)), Rsqrt(Add(sum, s.HyperAs(eps, g))), ZerosLike(sum)), g)
		}
		return out
	}}
}

// ScaleByRMS is optax.scale_by_rms and, with centered, optax.scale_by_stddev:
// ν ← ema(g², ν, decay) (ν starts at initial_scale); centered: μ ← ema(g, μ, decay), ν̃ = ν - μ²;
// optional bias correction ν̂ = ν/(1-decay^t); d = g/√(ν̂ + ε) (eps_in_sqrt) or g/(√ν̂ + ε).
func ScaleByRMS(decay, eps *Hyper, initialScale float64, epsInSqrt, centered, biasCorrection bool) *Transform {
	name := "scale_by_rms"
	if centered {
		name = "scale_by_stddev"
	}
	return &Transform{Name: name, Hypers: []*Hyper{decay, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		d := s.Hyper(decay)
		for i, g := range u {
			nuV := s.State(i, "nu", initialScale)
			nu := ema(Square(g), s.Get(nuV), d)
			s.Set(nuV, nu)
			if biasCorrection {
				nu = biasCorrect(s, nu, d, s.Count)
			}
			if centered {
				muV := s.State(i, "mu", 0)
				mu := ema(g, s.Get(muV), d)
				s.Set(muV, mu)
				if biasCorrection {
					mu = biasCorrect(s, mu, d, s.Count)
				}
				nu = Sub(nu, Square(mu))
			}
			if epsInSqrt {
				out[i] = Mul(Rsqrt(Add(nu, s.HyperAs(eps, g))), g)
			} else {
				out[i] = Mul(Reciprocal(Add(Sqrt(nu), s.HyperAs(eps, g))), g)
			}
		}
		return out
	}}
}

// ScaleByAdadelta is optax.scale_by_adadelta: e_g ← ema(g², e_g, ρ);
// d = √(e_x + ε)/√(e_g + ε)·g; e_x ← ema(d², e_x, ρ).
func ScaleByAdadelta(rho, eps *Hyper) *Transform {
	return &Transform{Name: "scale_by_adadelta", Hypers: []*Hyper{rho, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		r := s.Hyper(rho)
		for i, g := range u {
			e := s.HyperAs(eps, g)
			egV, exV := s.State(i, "e_g", 0), s.State(i, "e_x", 0)
			eg := ema(Square(g), s.Get(egV), r)
			d := Mul(Div(Sqrt(Add(s.Get(exV), e)), Sqrt(Add(eg, e))), g)
			s.Set(egV, eg)
			s.Set(exV, ema(Square(d), s.Get(exV), r))
			out[i] = d
		}
		return out
	}}
}

func init() {
	registerOptax("adagrad", func(k *Kwargs) (*Optimizer, error) {
		lr := NewHyper("learning_rate", k.RequiredFloat("learning_rate"), NonNegative)
		init := k.Float("initial_accumulator_value", 0.1)
		eps := NewHyper("eps", k.Float("eps", 1e-7), Positive)
		if !NonNegative.Contains(init) {
			return nil, errorf("adagrad: initial_accumulator_value = %v is invalid: allowed range is %s", init, NonNegative)
		}
		return NewOptimizer("adagrad", ScaleByRSS(init, eps), ScaleByLearningRate(lr))
	})
	registerOptax("rmsprop", func(k *Kwargs) (*Optimizer, error) {
		lr := NewHyper("learning_rate", k.RequiredFloat("learning_rate"), NonNegative)
		decay := NewHyper("decay", k.Float("decay", 0.9), UnitInterval)
		eps := NewHyper("eps", k.Float("eps", 1e-8), Positive)
		initialScale := k.Float("initial_scale", 0)
		epsInSqrt, centered := k.Bool("eps_in_sqrt", true), k.Bool("centered", false)
		momentum, hasMomentum := k.OptFloat("momentum")
		nesterov, biasCorrection := k.Bool("nesterov", false), k.Bool("bias_correction", false)
		links := []*Transform{ScaleByRMS(decay, eps, initialScale, epsInSqrt, centered, biasCorrection), ScaleByLearningRate(lr)}
		if hasMomentum {
			links = append(links, Trace(NewHyper("momentum", momentum, UnitInterval), nesterov))
		}
		return NewOptimizer("rmsprop", links...)
	})
	registerOptax("adadelta", func(k *Kwargs) (*Optimizer, error) {
		lr, hasLR := k.OptFloat("learning_rate")
		rho := NewHyper("rho", k.Float("rho", 0.9), UnitInterval)
		eps := NewHyper("eps", k.Float("eps", 1e-6), Positive)
		wd := optaxWeightDecay(k, 0, "weight_decay_mask")
		// optax.adadelta without a learning rate adds the direction itself (scale_by_learning_rate(None)
		// is the identity): kept as is, so that configurations port verbatim.
		last := Unchanged()
		if hasLR {
			last = ScaleByLearningRate(NewHyper("learning_rate", lr, NonNegative))
		}
		return NewOptimizer("adadelta", AddDecayedWeights(wd), ScaleByAdadelta(rho, eps), last)
	})
}
