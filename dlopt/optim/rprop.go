package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// OptaxRpropConfig is optax.rprop (Riedmiller & Braun 1993, "A direct adaptive method for faster
// backpropagation learning: the RPROP algorithm"); torch.optim.Rprop is [Rprop]. Each coordinate
// has its own step size η, grown by eta_plus while the gradient keeps its sign and shrunk by
// eta_minus when it flips, clipped to [min_step_size, max_step_size]; with s = g·q (q the stored
// previous update):
//
//	η ← clip(η·eta_plus) if s > 0, clip(η·eta_minus) if s < 0, η if s = 0
//	step = -q (0 where s < 0);  q ← η·sign(g) (0 where s < 0)
//
// As in optax 0.2.8, the step applied is the one stored at the previous update, so the first
// update moves nothing and every step lags the gradient by one update.
type OptaxRpropConfig struct {
	LearningRate, EtaMinus, EtaPlus, MinStepSize, MaxStepSize float64
}

// DefaultOptaxRprop returns optax.rprop's defaults (learning_rate has none in optax: 0.01 here).
func DefaultOptaxRprop() OptaxRpropConfig {
	return OptaxRpropConfig{LearningRate: 0.01, EtaMinus: 0.5, EtaPlus: 1.2, MinStepSize: 1e-6, MaxStepSize: 50}
}

// ScaleByOptaxRprop is optax.scale_by_rprop; its output is an ascent direction (optax.rprop
// negates it).
// nil hyperparameters take DefaultOptaxRprop's values.
func ScaleByOptaxRprop(lr, etaMinus, etaPlus, minStep, maxStep *Hyper) *Transform {
	lr = linkHyper(lr, "learning_rate", DefaultOptaxRprop().LearningRate, NonNegative)
	etaMinus = linkHyper(etaMinus, "eta_minus", DefaultOptaxRprop().EtaMinus, Range{Min: 0, Max: 1, MinOpen: true, MaxOpen: true})
	etaPlus = linkHyper(etaPlus, "eta_plus", DefaultOptaxRprop().EtaPlus, Range{Min: 1, Max: posInf, MinOpen: true, MaxOpen: true})
	minStep = linkHyper(minStep, "min_step_size", DefaultOptaxRprop().MinStepSize, NonNegative)
	maxStep = linkHyper(maxStep, "max_step_size", DefaultOptaxRprop().MaxStepSize, NonNegative)
	return &Transform{Name: "scale_by_rprop", Hypers: []*Hyper{lr, etaMinus, etaPlus, minStep, maxStep}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			sv := s.State(i, "step_sizes", 0)
			qv := s.State(i, "prev_updates", 0)
			eta := Where(firstStep(s), BroadcastToShape(s.HyperAs(lr, g), g.Shape()), s.Get(sv))
			q := s.Get(qv)
			sign := Mul(g, q)
			zero := ZerosLike(g)
			grown := Min(Mul(eta, s.HyperAs(etaPlus, g)), s.HyperAs(maxStep, g))
			shrunk := Max(Mul(eta, s.HyperAs(etaMinus, g)), s.HyperAs(minStep, g))
			newEta := Where(GreaterThan(sign, zero), grown, Where(LessThan(sign, zero), shrunk, eta))
			flipped := LessThan(sign, zero)
			s.Set(sv, newEta)
			s.Set(qv, Where(flipped, zero, Mul(newEta, Sign(g))))
			out[i] = Where(flipped, zero, q)
		}
		return out
	}}
}

// OptaxRprop builds optax.rprop: chain(scale_by_rprop, scale(-1)).
func OptaxRprop(c OptaxRpropConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultOptaxRprop(), "DefaultOptaxRprop()")
	if !(c.MinStepSize <= c.MaxStepSize) {
		return nil, errorf("rprop: min_step_size = %v must be <= max_step_size = %v", c.MinStepSize, c.MaxStepSize)
	}
	return NewOptimizer("rprop",
		ScaleByOptaxRprop(NewHyper("learning_rate", c.LearningRate, NonNegative), NewHyper("eta_minus", c.EtaMinus, Range{Min: 0, Max: 1, MinOpen: true, MaxOpen: true}),
			NewHyper("eta_plus", c.EtaPlus, Range{Min: 1, Max: posInf, MinOpen: true, MaxOpen: true}),
			NewHyper("min_step_size", c.MinStepSize, NonNegative), NewHyper("max_step_size", c.MaxStepSize, NonNegative)),
		Negate())
}

func init() {
	registerOptax("rprop", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultOptaxRprop()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.EtaMinus = k.Float("eta_minus", c.EtaMinus)
		c.EtaPlus = k.Float("eta_plus", c.EtaPlus)
		c.MinStepSize = k.Float("min_step_size", c.MinStepSize)
		c.MaxStepSize = k.Float("max_step_size", c.MaxStepSize)
		return OptaxRprop(c)
	})
}
