package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// This file holds PyTorch's Adagrad, RMSprop, Adadelta, ASGD and Rprop.

// TorchScaleByAdagrad is PyTorch's Adagrad direction with learning-rate decay:
// s ← s + g² (s starts at initial_accumulator_value); d = g/(√s + ε) / (1 + (t-1)·lr_decay).
// nil hyperparameters take PyTorch's defaults: lr_decay 0, eps 1e-10.
func TorchScaleByAdagrad(lrDecay, eps *Hyper, initialAccumulator float64) *Transform {
	lrDecay = linkHyper(lrDecay, "lr_decay", 0, NonNegative)
	eps = linkHyper(eps, "eps", 1e-10, Positive)
	return &Transform{Name: "scale_by_adagrad", Hypers: []*Hyper{lrDecay, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		decay := OnePlus(Mul(AddScalar(s.Count, -1), s.Hyper(lrDecay)))
		for i, g := range u {
			sv := s.State(i, "sum", initialAccumulator)
			sum := Add(s.Get(sv), Square(g))
			s.Set(sv, sum)
			out[i] = Div(Div(g, Add(Sqrt(sum), s.HyperAs(eps, g))), As(decay, g))
		}
		return out
	}}
}

// TorchScaleByRMS is PyTorch's RMSprop direction: v ← α·v + (1-α)·g²; with centered,
// ḡ ← ḡ + (1-α)·(g - ḡ) and v is replaced by v - ḡ²; d = g/(√v + ε) (eps outside the root,
// unlike optax).
// nil hyperparameters take PyTorch's defaults: alpha 0.99, eps 1e-8.
func TorchScaleByRMS(alpha, eps *Hyper, centered bool) *Transform {
	alpha = linkHyper(alpha, "alpha", 0.99, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-8, Positive)
	return &Transform{Name: "scale_by_rms", Hypers: []*Hyper{alpha, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			a := s.Hyper(alpha)
			vv := s.State(i, "square_avg", 0)
			v := Add(Mul(As(a, g), s.Get(vv)), Mul(As(OneMinus(a), g), Square(g)))
			s.Set(vv, v)
			if centered {
				gv := s.State(i, "grad_avg", 0)
				gm := lerpMoment(s.Get(gv), g, a)
				s.Set(gv, gm)
				v = Sub(v, Square(gm))
			}
			out[i] = Div(g, Add(Sqrt(v), s.HyperAs(eps, g)))
		}
		return out
	}}
}

// TorchScaleByAdadelta is PyTorch's Adadelta direction: v ← ρ·v + (1-ρ)·g²;
// d = √(a + ε)/√(v + ε)·g; a ← ρ·a + (1-ρ)·d².
// nil hyperparameters take PyTorch's defaults: rho 0.9, eps 1e-6.
func TorchScaleByAdadelta(rho, eps *Hyper) *Transform {
	rho = linkHyper(rho, "rho", 0.9, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-6, Positive)
	return &Transform{Name: "scale_by_adadelta", Hypers: []*Hyper{rho, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			r, e := s.Hyper(rho), s.HyperAs(eps, g)
			vv, av := s.State(i, "square_avg", 0), s.State(i, "acc_delta", 0)
			v := Add(Mul(As(r, g), s.Get(vv)), Mul(As(OneMinus(r), g), Square(g)))
			d := Mul(Div(Sqrt(Add(s.Get(av), e)), Sqrt(Add(v, e))), g)
			s.Set(vv, v)
			s.Set(av, Add(Mul(As(r, g), s.Get(av)), Mul(As(OneMinus(r), g), Square(d))))
			out[i] = d
		}
		return out
	}}
}

// TorchASGD is PyTorch's averaged SGD (a whole optimizer in one link, as the averaging needs
// the new parameters): p ← p·(1 - λ·η) - η·g; ā ← ā + μ·(p - ā) (ā = p while μ = 1);
// then η ← lr/(1 + λ·lr·t)^α and μ ← 1/max(1, t - t0). The average is the evaluation parameter.
// nil hyperparameters take PyTorch's defaults: lr 1e-2, lambd 1e-4, alpha 0.75, t0 1e6.
func TorchASGD(lr, lambd, alpha, t0 *Hyper) *Transform {
	lr = linkHyper(lr, "lr", 1e-2, NonNegative)
	lambd = linkHyper(lambd, "lambd", 1e-4, NonNegative)
	alpha = linkHyper(alpha, "alpha", 0.75, NonNegative)
	t0 = linkHyper(t0, "t0", 1e6, NonNegative)
	return &Transform{Name: "asgd", Hypers: []*Hyper{lr, lambd, alpha, t0}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		etaVar := s.Scalar("eta", s.Count.DType(), lr.Value)
		muVar := s.Scalar("mu", s.Count.DType(), 1)
		eta, mu := s.Get(etaVar), s.Get(muVar)
		l := s.Hyper(lambd)
		for i, g := range u {
			p := s.ParamAs(i, g)
			newP := Sub(Mul(p, As(OneMinus(Mul(l, eta)), g)), Mul(As(eta, g), g))
			av := s.State(i, "ax", 0)
			ax := Where(Equal(mu, OnesLike(mu)), newP, Add(s.Get(av), Mul(Sub(newP, s.Get(av)), As(mu, g))))
			s.Set(av, ax)
			out[i] = Sub(newP, p)
		}
		lrv := s.Hyper(lr)
		s.Set(etaVar, Div(lrv, Pow(OnePlus(Mul(Mul(l, lrv), s.Count)), s.Hyper(alpha))))
		one := OnesLike(s.Count)
		s.Set(muVar, Div(one, Max(one, Sub(s.Count, s.Hyper(t0)))))
		return out
	}, Eval: func(s *Step, params []*Node) []*Node {
		out := make([]*Node, len(params))
		for i := range params {
			out[i] = s.Get(s.State(i, "ax", 0))
		}
		return out
	}}
}

// TorchRprop is PyTorch's Rprop (one link: it returns the step itself): with q = sign(g·g_prev),
// step ← clip(step·η₊ if q > 0, step·η₋ if q < 0, step if q = 0; [min, max]); g is zeroed where
// q < 0; p ← p - step·sign(g); g_prev ← g. The step sizes start at lr.
// nil hyperparameters take PyTorch's defaults: lr 1e-2, etas (0.5, 1.2), step_sizes (1e-6, 50).
func TorchRprop(lr, etaMinus, etaPlus, minStep, maxStep *Hyper) *Transform {
	lr = linkHyper(lr, "lr", 1e-2, Positive)
	etaMinus = linkHyper(etaMinus, "etaminus", 0.5, Positive)
	etaPlus = linkHyper(etaPlus, "etaplus", 1.2, Positive)
	minStep = linkHyper(minStep, "step_size_min", 1e-6, NonNegative)
	maxStep = linkHyper(maxStep, "step_size_max", 50, Positive)
	hypers := []*Hyper{lr, etaMinus, etaPlus, minStep, maxStep}
	return &Transform{Name: "rprop", Hypers: hypers, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			prevV, stepV := s.State(i, "prev", 0), s.State(i, "step_size", lr.Value)
			q := Sign(Mul(g, s.Get(prevV)))
			zero := ZerosLike(q)
			factor := Where(GreaterThan(q, zero), BroadcastToShape(s.HyperAs(etaPlus, g), g.Shape()),
				Where(LessThan(q, zero), BroadcastToShape(s.HyperAs(etaMinus, g), g.Shape()), OnesLike(g)))
			step := Min(Max(Mul(s.Get(stepV), factor), s.HyperAs(minStep, g)), s.HyperAs(maxStep, g))
			g = Where(LessThan(q, zero), zero, g)
			s.Set(stepV, step)
			s.Set(prevV, g)
			out[i] = Neg(Mul(Sign(g), step))
		}
		return out
	}}
}

// AdagradConfig configures torch.optim.Adagrad.
type AdagradConfig struct {
	LR, LRDecay, WeightDecay, InitialAccumulatorValue, Eps float64
	Maximize                                               bool
}

// DefaultAdagrad returns torch.optim.Adagrad's defaults: lr 1e-2, eps 1e-10, no decay, sums from 0.
func DefaultAdagrad() AdagradConfig { return AdagradConfig{LR: 1e-2, Eps: 1e-10} }

// Adagrad builds torch.optim.Adagrad: p ← p - lr·d, d of TorchScaleByAdagrad.
func Adagrad(c AdagradConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultAdagrad(), "DefaultAdagrad()")
	if !NonNegative.Contains(c.InitialAccumulatorValue) {
		return nil, errorf("Adagrad: initial_accumulator_value = %v is invalid: allowed range is %s", c.InitialAccumulatorValue, NonNegative)
	}
	links := append(torchPrefix(c.Maximize, c.WeightDecay),
		TorchScaleByAdagrad(NewHyper("lr_decay", c.LRDecay, NonNegative), NewHyper("eps", c.Eps, Positive), c.InitialAccumulatorValue),
		ScaleByLearningRate(NewHyper("lr", c.LR, NonNegative)))
	return NewOptimizer("Adagrad", links...)
}

// RMSpropConfig configures torch.optim.RMSprop.
type RMSpropConfig struct {
	LR, Alpha, Eps, WeightDecay, Momentum float64
	Centered, Maximize                    bool
}

// DefaultRMSprop returns torch.optim.RMSprop's defaults: lr 1e-2, alpha 0.99, eps 1e-8.
func DefaultRMSprop() RMSpropConfig { return RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8} }

// RMSprop builds torch.optim.RMSprop: d of TorchScaleByRMS, through PyTorch's momentum buffer
// b ← μ·b + d (which starts at zero: optax's trace) when Momentum > 0; p ← p - lr·d.
func RMSprop(c RMSpropConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultRMSprop(), "DefaultRMSprop()")
	links := append(torchPrefix(c.Maximize, c.WeightDecay),
		TorchScaleByRMS(NewHyper("alpha", c.Alpha, UnitInterval), NewHyper("eps", c.Eps, Positive), c.Centered))
	if c.Momentum != 0 {
		links = append(links, Trace(NewHyper("momentum", c.Momentum, UnitInterval), false))
	}
	return NewOptimizer("RMSprop", append(links, ScaleByLearningRate(NewHyper("lr", c.LR, NonNegative)))...)
}

// AdadeltaConfig configures torch.optim.Adadelta.
type AdadeltaConfig struct {
	LR, Rho, Eps, WeightDecay float64
	Maximize                  bool
}

// DefaultAdadelta returns torch.optim.Adadelta's defaults: lr 1, rho 0.9, eps 1e-6.
func DefaultAdadelta() AdadeltaConfig { return AdadeltaConfig{LR: 1, Rho: 0.9, Eps: 1e-6} }

// Adadelta builds torch.optim.Adadelta: p ← p - lr·d, d of TorchScaleByAdadelta.
func Adadelta(c AdadeltaConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultAdadelta(), "DefaultAdadelta()")
	links := append(torchPrefix(c.Maximize, c.WeightDecay),
		TorchScaleByAdadelta(NewHyper("rho", c.Rho, UnitInterval), NewHyper("eps", c.Eps, Positive)),
		ScaleByLearningRate(NewHyper("lr", c.LR, NonNegative)))
	return NewOptimizer("Adadelta", links...)
}

// ASGDConfig configures torch.optim.ASGD.
type ASGDConfig struct {
	LR, Lambd, Alpha, T0, WeightDecay float64
	Maximize                          bool
}

// DefaultASGD returns torch.optim.ASGD's defaults: lr 1e-2, lambd 1e-4, alpha 0.75, t0 1e6.
func DefaultASGD() ASGDConfig { return ASGDConfig{LR: 1e-2, Lambd: 1e-4, Alpha: 0.75, T0: 1e6} }

// ASGD builds torch.optim.ASGD (see TorchASGD); its average is the evaluation parameter.
func ASGD(c ASGDConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultASGD(), "DefaultASGD()")
	links := append(torchPrefix(c.Maximize, c.WeightDecay), TorchASGD(NewHyper("lr", c.LR, NonNegative),
		NewHyper("lambd", c.Lambd, NonNegative), NewHyper("alpha", c.Alpha, NonNegative), NewHyper("t0", c.T0, NonNegative)))
	return NewOptimizer("ASGD", links...)
}

// RpropConfig configures torch.optim.Rprop (etas and step_sizes as pairs).
type RpropConfig struct {
	LR, EtaMinus, EtaPlus, MinStep, MaxStep float64
	Maximize                                bool
}

// DefaultRprop returns torch.optim.Rprop's defaults: lr 1e-2, etas (0.5, 1.2), step sizes (1e-6, 50).
func DefaultRprop() RpropConfig {
	return RpropConfig{LR: 1e-2, EtaMinus: 0.5, EtaPlus: 1.2, MinStep: 1e-6, MaxStep: 50}
}

// Rprop builds torch.optim.Rprop (see TorchRprop).
func Rprop(c RpropConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultRprop(), "DefaultRprop()")
	if !(c.EtaMinus > 0 && c.EtaMinus < 1 && c.EtaPlus > 1) {
		return nil, errorf("Rprop: etas = (%v, %v) are invalid: need 0 < etaminus < 1 < etaplus", c.EtaMinus, c.EtaPlus)
	}
	if !(c.MinStep >= 0 && c.MinStep <= c.MaxStep) {
		return nil, errorf("Rprop: step_sizes = (%v, %v) are invalid: need 0 <= min <= max", c.MinStep, c.MaxStep)
	}
	links := append(torchNoWeightDecay(c.Maximize), TorchRprop(NewHyper("lr", c.LR, Positive),
		NewHyper("etaminus", c.EtaMinus, Positive), NewHyper("etaplus", c.EtaPlus, Positive),
		NewHyper("step_size_min", c.MinStep, NonNegative), NewHyper("step_size_max", c.MaxStep, Positive)))
	return NewOptimizer("Rprop", links...)
}

func init() {
	registerTorch("Adagrad", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultAdagrad()
		c.LR, c.LRDecay = k.Float("lr", c.LR), k.Float("lr_decay", c.LRDecay)
		c.Eps, c.WeightDecay = k.Float("eps", c.Eps), k.Float("weight_decay", c.WeightDecay)
		c.InitialAccumulatorValue = k.Float("initial_accumulator_value", c.InitialAccumulatorValue)
		c.Maximize = k.Bool("maximize", c.Maximize)
		k.Ignored(torchRuntimeKeywords...)
		return Adagrad(c)
	})
	registerTorch("RMSprop", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultRMSprop()
		c.LR, c.Alpha, c.Eps = k.Float("lr", c.LR), k.Float("alpha", c.Alpha), k.Float("eps", c.Eps)
		c.WeightDecay, c.Momentum = k.Float("weight_decay", c.WeightDecay), k.Float("momentum", c.Momentum)
		c.Centered, c.Maximize = k.Bool("centered", c.Centered), k.Bool("maximize", c.Maximize)
		k.Ignored(torchRuntimeKeywords...)
		return RMSprop(c)
	})
	registerTorch("Adadelta", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultAdadelta()
		c.LR, c.Rho, c.Eps = k.Float("lr", c.LR), k.Float("rho", c.Rho), k.Float("eps", c.Eps)
		c.WeightDecay, c.Maximize = k.Float("weight_decay", c.WeightDecay), k.Bool("maximize", c.Maximize)
		k.Ignored(torchRuntimeKeywords...)
		return Adadelta(c)
	})
	registerTorch("ASGD", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultASGD()
		c.LR, c.Lambd, c.Alpha, c.T0 = k.Float("lr", c.LR), k.Float("lambd", c.Lambd), k.Float("alpha", c.Alpha), k.Float("t0", c.T0)
		c.WeightDecay, c.Maximize = k.Float("weight_decay", c.WeightDecay), k.Bool("maximize", c.Maximize)
		k.Ignored(torchRuntimeKeywords...)
		return ASGD(c)
	})
	registerTorch("Rprop", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultRprop()
		c.LR = k.Float("lr", c.LR)
		etas := k.Floats("etas", 2, []float64{c.EtaMinus, c.EtaPlus})
		steps := k.Floats("step_sizes", 2, []float64{c.MinStep, c.MaxStep})
		c.EtaMinus, c.EtaPlus, c.MinStep, c.MaxStep = etas[0], etas[1], steps[0], steps[1]
		c.Maximize = k.Bool("maximize", c.Maximize)
		k.Ignored(torchRuntimeKeywords...)
		return Rprop(c)
	})
}
