package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// This file holds optax's adagrad, rmsprop and adadelta and their links.

// ScaleByRSS is optax.scale_by_rss (Adagrad): s ← s + g² (s starts at initial_accumulator_value);
// d = g/√(s + ε) where s > 0, else 0.
// nil eps is optax's default 1e-7.
func ScaleByRSS(initialAccumulator float64, eps *Hyper) *Transform {
	eps = linkHyper(eps, "eps", 1e-7, Positive)
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
// nil hyperparameters take optax's defaults: decay 0.9, eps 1e-8.
func ScaleByRMS(decay, eps *Hyper, initialScale float64, epsInSqrt, centered, biasCorrection bool) *Transform {
	decay = linkHyper(decay, "decay", 0.9, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-8, Positive)
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
// nil hyperparameters take optax's defaults: rho 0.9, eps 1e-6.
func ScaleByAdadelta(rho, eps *Hyper) *Transform {
	rho = linkHyper(rho, "rho", 0.9, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-6, Positive)
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

// OptaxAdagradConfig configures optax.adagrad.
type OptaxAdagradConfig struct {
	LearningRate, InitialAccumulatorValue, Eps float64
}

// DefaultOptaxAdagrad returns optax's defaults for adagrad: initial_accumulator_value 0.1 and
// eps 1e-7 (PyTorch: 0 and 1e-10, with eps outside the root).
func DefaultOptaxAdagrad(learningRate float64) OptaxAdagradConfig {
	return OptaxAdagradConfig{LearningRate: learningRate, InitialAccumulatorValue: 0.1, Eps: 1e-7}
}

// OptaxAdagrad builds optax.adagrad: chain(scale_by_rss, scale_by_learning_rate).
func OptaxAdagrad(c OptaxAdagradConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultOptaxAdagrad(c.LearningRate), "DefaultOptaxAdagrad(lr)")
	if !NonNegative.Contains(c.InitialAccumulatorValue) {
		return nil, errorf("adagrad: initial_accumulator_value = %v is invalid: allowed range is %s", c.InitialAccumulatorValue, NonNegative)
	}
	return NewOptimizer("adagrad", ScaleByRSS(c.InitialAccumulatorValue, NewHyper("eps", c.Eps, Positive)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

// OptaxRMSpropConfig configures optax.rmsprop; Momentum applies only with HasMomentum (optax's
// momentum=None by default).
type OptaxRMSpropConfig struct {
	LearningRate, Decay, Eps, InitialScale, Momentum           float64
	EpsInSqrt, Centered, HasMomentum, Nesterov, BiasCorrection bool
}

// DefaultOptaxRMSprop returns optax's defaults for rmsprop: decay 0.9, eps 1e-8 inside the root,
// no momentum.
func DefaultOptaxRMSprop(learningRate float64) OptaxRMSpropConfig {
	return OptaxRMSpropConfig{LearningRate: learningRate, Decay: 0.9, Eps: 1e-8, EpsInSqrt: true}
}

// OptaxRMSprop builds optax.rmsprop: chain(scale_by_rms or scale_by_stddev,
// scale_by_learning_rate, [trace]).
func OptaxRMSprop(c OptaxRMSpropConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultOptaxRMSprop(c.LearningRate), "DefaultOptaxRMSprop(lr)")
	links := []*Transform{
		ScaleByRMS(NewHyper("decay", c.Decay, UnitInterval), NewHyper("eps", c.Eps, Positive), c.InitialScale, c.EpsInSqrt, c.Centered, c.BiasCorrection),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)),
	}
	if c.HasMomentum {
		links = append(links, Trace(NewHyper("momentum", c.Momentum, UnitInterval), c.Nesterov))
	}
	return NewOptimizer("rmsprop", links...)
}

// OptaxAdadeltaConfig configures optax.adadelta; without HasLearningRate (optax's
// learning_rate=None) the direction is added as is.
type OptaxAdadeltaConfig struct {
	LearningRate, Rho, Eps, WeightDecay float64
	HasLearningRate                     bool
}

// DefaultOptaxAdadelta returns optax's defaults for adadelta: rho 0.9, eps 1e-6, no learning rate.
func DefaultOptaxAdadelta() OptaxAdadeltaConfig { return OptaxAdadeltaConfig{Rho: 0.9, Eps: 1e-6} }

// OptaxAdadelta builds optax.adadelta: chain(add_decayed_weights, scale_by_adadelta,
// scale_by_learning_rate).
func OptaxAdadelta(c OptaxAdadeltaConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultOptaxAdadelta(), "DefaultOptaxAdadelta()")
	// optax.adadelta without a learning rate adds the direction itself (scale_by_learning_rate(None)
	// is the identity): kept as is, so that configurations port verbatim.
	last := Unchanged()
	if c.HasLearningRate {
		last = ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative))
	}
	return NewOptimizer("adadelta", AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		ScaleByAdadelta(NewHyper("rho", c.Rho, UnitInterval), NewHyper("eps", c.Eps, Positive)), last)
}

func init() {
	registerOptax("adagrad", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultOptaxAdagrad(k.RequiredFloat("learning_rate"))
		c.InitialAccumulatorValue, c.Eps = k.Float("initial_accumulator_value", c.InitialAccumulatorValue), k.Float("eps", c.Eps)
		return OptaxAdagrad(c)
	})
	registerOptax("rmsprop", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultOptaxRMSprop(k.RequiredFloat("learning_rate"))
		c.Decay, c.Eps, c.InitialScale = k.Float("decay", c.Decay), k.Float("eps", c.Eps), k.Float("initial_scale", c.InitialScale)
		c.EpsInSqrt, c.Centered = k.Bool("eps_in_sqrt", c.EpsInSqrt), k.Bool("centered", c.Centered)
		c.Momentum, c.HasMomentum = k.OptFloat("momentum")
		c.Nesterov, c.BiasCorrection = k.Bool("nesterov", c.Nesterov), k.Bool("bias_correction", c.BiasCorrection)
		return OptaxRMSprop(c)
	})
	registerOptax("adadelta", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultOptaxAdadelta()
		c.LearningRate, c.HasLearningRate = k.OptFloat("learning_rate")
		c.Rho, c.Eps, c.WeightDecay = k.Float("rho", c.Rho), k.Float("eps", c.Eps), k.Float("weight_decay", c.WeightDecay)
		k.NoneOnly("weight_decay_mask")
		return OptaxAdadelta(c)
	})
}
