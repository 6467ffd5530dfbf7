package schedule

import (
	"fmt"
	"strings"
)

// torchClass is one torch.optim.lr_scheduler class: its keywords (last_epoch and verbose come
// with every class) and how to build it on a group.
type torchClass struct {
	keywords []string
	build    func(g *Group, k *kwargs) (Scheduler, error)
}

var torchClasses = map[string]torchClass{
	"LambdaLR": {[]string{"lr_lambda"}, func(g *Group, k *kwargs) (Scheduler, error) {
		f := k.intFunc("lr_lambda")
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewLambdaLR(g, f)
	}},
	"MultiplicativeLR": {[]string{"lr_lambda"}, func(g *Group, k *kwargs) (Scheduler, error) {
		f := k.intFunc("lr_lambda")
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewMultiplicativeLR(g, f)
	}},
	"StepLR": {[]string{"step_size", "gamma"}, func(g *Group, k *kwargs) (Scheduler, error) {
		size, gamma := k.int("step_size", 0, true), k.float("gamma", 0.1, false)
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewStepLR(g, size, gamma)
	}},
	"MultiStepLR": {[]string{"milestones", "gamma"}, func(g *Group, k *kwargs) (Scheduler, error) {
		ms, gamma := k.ints("milestones", true), k.float("gamma", 0.1, false)
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewMultiStepLR(g, ms, gamma)
	}},
	"ConstantLR": {[]string{"factor", "total_iters"}, func(g *Group, k *kwargs) (Scheduler, error) {
		f, n := k.float("factor", 1.0/3, false), k.int("total_iters", 5, false)
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewConstantLR(g, f, n)
	}},
	"LinearLR": {[]string{"start_factor", "end_factor", "total_iters"}, func(g *Group, k *kwargs) (Scheduler, error) {
		s, e, n := k.float("start_factor", 1.0/3, false), k.float("end_factor", 1, false), k.int("total_iters", 5, false)
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewLinearLR(g, s, e, n)
	}},
	"ExponentialLR": {[]string{"gamma"}, func(g *Group, k *kwargs) (Scheduler, error) {
		gamma := k.float("gamma", 0, true)
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewExponentialLR(g, gamma)
	}},
	"PolynomialLR": {[]string{"total_iters", "power"}, func(g *Group, k *kwargs) (Scheduler, error) {
		n, p := k.int("total_iters", 5, false), k.float("power", 1, false)
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewPolynomialLR(g, n, p)
	}},
	"CosineAnnealingLR": {[]string{"T_max", "eta_min"}, func(g *Group, k *kwargs) (Scheduler, error) {
		n, eta := k.int("T_max", 0, true), k.float("eta_min", 0, false)
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewCosineAnnealingLR(g, n, eta)
	}},
	"CosineAnnealingWarmRestarts": {[]string{"T_0", "T_mult", "eta_min"}, func(g *Group, k *kwargs) (Scheduler, error) {
		t0, tm, eta := k.int("T_0", 0, true), k.int("T_mult", 1, false), k.float("eta_min", 0, false)
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewCosineAnnealingWarmRestarts(g, t0, tm, eta)
	}},
	"CyclicLR": {[]string{"base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma", "scale_fn",
		"scale_mode", "cycle_momentum", "base_momentum", "max_momentum"}, func(g *Group, k *kwargs) (Scheduler, error) {
		c := DefaultCyclicConfig(k.float("base_lr", 0, true), k.float("max_lr", 0, true))
		c.StepSizeUp = k.float("step_size_up", c.StepSizeUp, false)
		c.StepSizeDown = k.float("step_size_down", 0, false)
		if _, given := k.get("step_size_down", false); given && !(c.StepSizeDown > 0) {
			k.fail("step_size_down=%v must be > 0", c.StepSizeDown)
		}
		c.Mode = k.str("mode", c.Mode)
		c.Gamma = k.float("gamma", c.Gamma, false)
		c.ScaleFn = k.floatFunc("scale_fn")
		c.ScaleMode = k.str("scale_mode", c.ScaleMode)
		c.CycleMomentum = k.bool("cycle_momentum", c.CycleMomentum)
		c.BaseMomentum = k.float("base_momentum", c.BaseMomentum, false)
		c.MaxMomentum = k.float("max_momentum", c.MaxMomentum, false)
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewCyclicLR(g, c)
	}},
	"OneCycleLR": {[]string{"max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start", "anneal_strategy",
		"cycle_momentum", "base_momentum", "max_momentum", "div_factor", "final_div_factor", "three_phase"}, func(g *Group, k *kwargs) (Scheduler, error) {
		c := DefaultOneCycleConfig(k.float("max_lr", 0, true), 0)
		c.TotalSteps = k.int("total_steps", 0, false)
		if _, given := k.get("total_steps", false); given && c.TotalSteps < 1 {
			k.fail("total_steps=%d must be an integer >= 1", c.TotalSteps)
		}
		c.Epochs = k.int("epochs", 0, false)
		c.StepsPerEpoch = k.int("steps_per_epoch", 0, false)
		c.PctStart = k.float("pct_start", c.PctStart, false)
		c.AnnealStrategy = k.str("anneal_strategy", c.AnnealStrategy)
		c.CycleMomentum = k.bool("cycle_momentum", c.CycleMomentum)
		c.BaseMomentum = k.float("base_momentum", c.BaseMomentum, false)
		c.MaxMomentum = k.float("max_momentum", c.MaxMomentum, false)
		c.DivFactor = k.float("div_factor", c.DivFactor, false)
		c.FinalDivFactor = k.float("final_div_factor", c.FinalDivFactor, false)
		c.ThreePhase = k.bool("three_phase", false)
		if k.Err() != nil {
			return nil, k.Err()
		}
		return NewOneCycleLR(g, c)
	}},
	"ReduceLROnPlateau": {[]string{"mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps"},
		func(g *Group, k *kwargs) (Scheduler, error) {
			c := DefaultPlateauConfig()
			c.Mode = k.str("mode", c.Mode)
			c.Factor = k.float("factor", c.Factor, false)
			c.Patience = k.int("patience", c.Patience, false)
			c.Threshold = k.float("threshold", c.Threshold, false)
			c.ThresholdMode = k.str("threshold_mode", c.ThresholdMode)
			c.Cooldown = k.int("cooldown", c.Cooldown, false)
			c.MinLR = k.float("min_lr", c.MinLR, false)
			c.Eps = k.float("eps", c.Eps, false)
			if k.Err() != nil {
				return nil, k.Err()
			}
			return NewReduceLROnPlateau(g, c)
		}},
}

// The composites build their children on the same group, in order, as torch code does; they
// are registered in init because they refer back to the table.
func init() {
	torchClasses["SequentialLR"] = torchClass{[]string{"schedulers", "milestones"}, func(g *Group, k *kwargs) (Scheduler, error) {
		specs, ms := k.specs("schedulers"), k.ints("milestones", true)
		if k.Err() != nil {
			return nil, k.Err()
		}
		children, err := buildChildren("SequentialLR", g, specs)
		if err != nil {
			return nil, err
		}
		return NewSequentialLR(children, ms)
	}}
	torchClasses["ChainedScheduler"] = torchClass{[]string{"schedulers"}, func(g *Group, k *kwargs) (Scheduler, error) {
		specs := k.specs("schedulers")
		if k.Err() != nil {
			return nil, k.Err()
		}
		children, err := buildChildren("ChainedScheduler", g, specs)
		if err != nil {
			return nil, err
		}
		return NewChainedScheduler(children...)
	}}
}

// classesWithoutCommon are the classes that take no last_epoch/verbose in torch 1.13.
var classesWithoutCommon = map[string]bool{"ChainedScheduler": true, "ReduceLROnPlateau": true}

func buildChildren(who string, g *Group, specs []TorchSpec) ([]Scheduler, error) {
	if len(specs) == 0 {
		return nil, fmt.Errorf("%s: schedulers is empty", who)
	}
	children := make([]Scheduler, len(specs))
	for i, sp := range specs {
		ch, err := OnGroup(g, sp.Name, sp.Kwargs)
		if err != nil {
			return nil, fmt.Errorf("%s: schedulers[%d]: %w", who, i, err)
		}
		children[i] = ch
	}
	return children, nil
}

// TorchNames lists the torch.optim.lr_scheduler classes [FromTorch] accepts.
func TorchNames() []string { return sortedKeys(torchClasses) }

// FromTorch builds the torch.optim.lr_scheduler class name with torch's keyword arguments and
// defaults, on a fresh parameter group whose learning rate is baseLR (the optimizer's lr).
// Numbers may be Go numbers or decoded JSON; lr_lambda (LambdaLR, MultiplicativeLR) must be a
// Go func(epoch int) float64 and scale_fn (CyclicLR) a func(float64) float64. SequentialLR and
// ChainedScheduler take "schedulers" as a list of [NAME, {kwargs}] (or []TorchSpec), built in
// order on the same group, and SequentialLR takes "milestones". Unknown names and keywords,
// values of the wrong type and out-of-range values are errors that say what is accepted.
func FromTorch(name string, kw map[string]any, baseLR float64) (Scheduler, error) {
	if err := checkFinite("FromTorch", "base_lr", baseLR); err != nil {
		return nil, err
	}
	return OnGroup(NewGroup(baseLR), name, kw)
}

// OnGroup is [FromTorch] on an existing group, for building several schedulers on one
// optimizer group by hand (as torch code does before ChainedScheduler or SequentialLR).
func OnGroup(g *Group, name string, kw map[string]any) (Scheduler, error) {
	c, ok := torchClasses[name]
	if !ok {
		return nil, fmt.Errorf("unknown torch scheduler %q; accepted: %s", name, strings.Join(TorchNames(), ", "))
	}
	accepted := c.keywords
	if !classesWithoutCommon[name] {
		accepted = append(append([]string(nil), accepted...), "last_epoch", "verbose")
	}
	if name == "ReduceLROnPlateau" {
		accepted = append(append([]string(nil), accepted...), "verbose")
	}
	k := newKwargs(name, kw, accepted)
	if !classesWithoutCommon[name] {
		k.common()
	} else {
		k.bool("verbose", false)
	}
	if k.Err() != nil {
		return nil, k.Err()
	}
	return c.build(g, k)
}
