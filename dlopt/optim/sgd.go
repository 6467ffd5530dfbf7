package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// TorchMomentum is torch.optim.SGD's momentum buffer: b ← g at the first step, then
// b ← μ·b + (1 - dampening)·g; it returns b, or g + μ·b with nesterov.
// momentum is required; nil dampening is 0.
func TorchMomentum(momentum, dampening *Hyper, nesterov bool) *Transform {
	momentum = requiredHyper(momentum, "momentum", UnitInterval)
	dampening = linkHyper(dampening, "dampening", 0, ClosedUnitInterval)
	return &Transform{Name: "momentum", Hypers: []*Hyper{momentum, dampening}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		first := firstStep(s)
		for i, g := range u {
			bv := s.State(i, "momentum_buffer", 0)
			mu := s.HyperAs(momentum, g)
			damped := Mul(As(OneMinus(s.Hyper(dampening)), g), g)
			b := Where(first, g, Add(Mul(mu, s.Get(bv)), damped))
			s.Set(bv, b)
			if nesterov {
				out[i] = Add(g, Mul(mu, b))
			} else {
				out[i] = b
			}
		}
		return out
	}}
}

// SGDConfig is torch.optim.SGD with PyTorch's defaults (lr 1e-3).
//
//	g ← -g if maximize;  g ← g + wd·p;  b ← μ·b + (1-τ)·g (b = g at step 1);
//	d = g + μ·b if nesterov else b;  p ← p - lr·d
type SGDConfig struct {
	LR, Momentum, Dampening, WeightDecay float64
	Nesterov, Maximize                   bool
}

// DefaultSGD returns torch.optim.SGD's defaults.
func DefaultSGD() SGDConfig { return SGDConfig{LR: 1e-3} }

// SGD builds torch.optim.SGD.
func SGD(c SGDConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultSGD(), "DefaultSGD()")
	var links []*Transform
	if c.Maximize {
		links = append(links, Negate())
	}
	// Present even for 0 (g + 0·p is g) so that a schedule can change it, see torchPrefix.
	links = append(links, AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)))
	if c.Momentum != 0 {
		if c.Nesterov && c.Dampening != 0 {
			return nil, errorf("SGD: nesterov=true requires dampening = 0, got %v", c.Dampening)
		}
		links = append(links, TorchMomentum(NewHyper("momentum", c.Momentum, UnitInterval),
			NewHyper("dampening", c.Dampening, ClosedUnitInterval), c.Nesterov))
	} else if c.Nesterov {
		return nil, errorf("SGD: nesterov=true requires momentum > 0")
	}
	links = append(links, ScaleByLearningRate(NewHyper("lr", c.LR, NonNegative)))
	return NewOptimizer("SGD", links...)
}

func init() {
	registerTorch("SGD", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultSGD()
		c.LR = k.Float("lr", c.LR)
		c.Momentum = k.Float("momentum", c.Momentum)
		c.Dampening = k.Float("dampening", c.Dampening)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		c.Nesterov = k.Bool("nesterov", c.Nesterov)
		c.Maximize = k.Bool("maximize", c.Maximize)
		k.Ignored(torchRuntimeKeywords...)
		return SGD(c)
	})
	registerOptax("sgd", func(k *Kwargs) (*Optimizer, error) {
		c := OptaxSGDConfig{LearningRate: k.RequiredFloat("learning_rate")}
		c.Momentum, c.HasMomentum = k.OptFloat("momentum")
		c.Nesterov = k.Bool("nesterov", false)
		k.NoneOnly("accumulator_dtype")
		return OptaxSGD(c)
	})
}

// torchRuntimeKeywords only choose PyTorch's implementation, not what it computes.
var torchRuntimeKeywords = []string{"foreach", "fused", "differentiable", "capturable"}

// OptaxSGDConfig configures optax.sgd; Momentum applies only with HasMomentum (optax's
// momentum=None by default). optax has no default learning rate.
type OptaxSGDConfig struct {
	LearningRate, Momentum float64
	HasMomentum, Nesterov  bool
}

// OptaxSGD is optax.sgd: chain(trace(momentum, nesterov) if momentum is given,
// scale_by_learning_rate). Unlike torch.optim.SGD the trace starts at zero: t ← g + μ·t.
func OptaxSGD(c OptaxSGDConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, OptaxSGDConfig{LearningRate: c.LearningRate}, "OptaxSGDConfig{LearningRate: lr}")
	var links []*Transform
	if c.HasMomentum {
		links = append(links, Trace(NewHyper("momentum", c.Momentum, UnitInterval), c.Nesterov))
	}
	links = append(links, ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
	return NewOptimizer("sgd", links...)
}
