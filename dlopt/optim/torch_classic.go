package optim

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// This file holds PyTorch's Adagrad, RMSprop, Adadelta, ASGD and Rprop.

// TorchScaleByAdagrad is PyTorch's Adagrad direction with learning-rate decay:
// s ← s + g² (s starts at initial_accumulator_value); d = g/(√s + ε) / (1 + (t-1)·lr_decay).
func TorchScaleByAdagrad(lrDecay, eps *Hyper, initialAccumulator float64) *Transform {
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
func TorchScaleByRMS(alpha, eps *Hyper, centered bool) *Transform {
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
func TorchScaleByAdadelta(rho, eps *Hyper) *Transform {
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
func TorchASGD(lr, lambd, alpha, t0 *Hyper) *Transform {
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
func TorchRprop(lr, etaMinus, etaPlus, minStep, maxStep *Hyper) *Transform {
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

func init() {
	registerTorch("Adagrad", func(k *Kwargs) (*Optimizer, error) {
		lr := NewHyper("lr", k.Float("lr", 1e-2), NonNegative)
		lrDecay := NewHyper("lr_decay", k.Float("lr_decay", 0), NonNegative)
		eps := NewHyper("eps", k.Float("eps", 1e-10), Positive)
		init := k.Float("initial_accumulator_value", 0)
		links := torchPrefix(k.Bool("maximize", false), k.Float("weight_decay", 0))
		k.Ignored(torchRuntimeKeywords...)
		if !NonNegative.Contains(init) {
			return nil, errorf("Adagrad: initial_accumulator_value = %v is invalid: allowed range is %s", init, NonNegative)
		}
		return NewOptimizer("Adagrad", append(links, TorchScaleByAdagrad(lrDecay, eps, init), ScaleByLearningRate(lr))...)
	})
	registerTorch("RMSprop", func(k *Kwargs) (*Optimizer, error) {
		lr := NewHyper("lr", k.Float("lr", 1e-2), NonNegative)
		alpha := NewHyper("alpha", k.Float("alpha", 0.99), UnitInterval)
		eps := NewHyper("eps", k.Float("eps", 1e-8), Positive)
		momentum := k.Float("momentum", 0)
		centered := k.Bool("centered", false)
		links := torchPrefix(k.Bool("maximize", false), k.Float("weight_decay", 0))
		k.Ignored(torchRuntimeKeywords...)
		links = append(links, TorchScaleByRMS(alpha, eps, centered))
		if momentum != 0 {
			// PyTorch's RMSprop buffer starts at zero: b ← μ·b + d, which is optax's trace.
			links = append(links, Trace(NewHyper("momentum", momentum, UnitInterval), false))
		}
		return NewOptimizer("RMSprop", append(links, ScaleByLearningRate(lr))...)
	})
	registerTorch("Adadelta", func(k *Kwargs) (*Optimizer, error) {
		lr := NewHyper("lr", k.Float("lr", 1.0), NonNegative)
		rho := NewHyper("rho", k.Float("rho", 0.9), UnitInterval)
		eps := NewHyper("eps", k.Float("eps", 1e-6), Positive)
		links := torchPrefix(k.Bool("maximize", false), k.Float("weight_decay", 0))
		k.Ignored(torchRuntimeKeywords...)
		return NewOptimizer("Adadelta", append(links, TorchScaleByAdadelta(rho, eps), ScaleByLearningRate(lr))...)
	})
	registerTorch("ASGD", func(k *Kwargs) (*Optimizer, error) {
		lr := NewHyper("lr", k.Float("lr", 1e-2), NonNegative)
		lambd := NewHyper("lambd", k.Float("lambd", 1e-4), NonNegative)
		alpha := NewHyper("alpha", k.Float("alpha", 0.75), NonNegative)
		t0 := NewHyper("t0", k.Float("t0", 1e6), NonNegative)
		links := torchPrefix(k.Bool("maximize", false), k.Float("weight_decay", 0))
		k.Ignored(torchRuntimeKeywords...)
		return NewOptimizer("ASGD", append(links, TorchASGD(lr, lambd, alpha, t0))...)
	})
	registerTorch("Rprop", func(k *Kwargs) (*Optimizer, error) {
		lr := NewHyper("lr", k.Float("lr", 1e-2), Positive)
		etas := k.Floats("etas", 2, []float64{0.5, 1.2})
		steps := k.Floats("step_sizes", 2, []float64{1e-6, 50})
		links := torchPrefix(k.Bool("maximize", false), 0)
		k.Ignored(torchRuntimeKeywords...)
		if !(etas[0] > 0 && etas[0] < 1 && etas[1] > 1) {
			return nil, errorf("Rprop: etas = %v are invalid: need 0 < etaminus < 1 < etaplus", etas)
		}
		if !(steps[0] >= 0 && steps[0] <= steps[1]) {
			return nil, errorf("Rprop: step_sizes = %v are invalid: need 0 <= min <= max", steps)
		}
		return NewOptimizer("Rprop", append(links, TorchRprop(lr, NewHyper("etaminus", etas[0], Positive),
			NewHyper("etaplus", etas[1], Positive), NewHyper("step_size_min", steps[0], NonNegative),
			NewHyper("step_size_max", steps[1], Positive)))...)
	})
}
