package schedule

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	core "github.com/dlopt/course/dlopt/internal/kwargs"
)

// optaxSchedules maps optax's public schedule names to builders from optax's keyword arguments.
var optaxSchedules map[string]optaxSchedule

type optaxSchedule struct {
	keywords []string
	build    func(k *kwargs) (Schedule, error)
}

func init() {
	optaxSchedules = map[string]optaxSchedule{
		"constant_schedule": {[]string{"value"}, func(k *kwargs) (Schedule, error) {
			v := k.float("value", 0, true)
			if k.Err() != nil {
				return nil, k.Err()
			}
			if err := checkFinite("constant_schedule", "value", v); err != nil {
				return nil, err
			}
			return Constant(v), nil
		}},
		"linear_schedule": {[]string{"init_value", "end_value", "transition_steps", "transition_begin"}, func(k *kwargs) (Schedule, error) {
			i, e, n, b := k.float("init_value", 0, true), k.float("end_value", 0, true), k.int("transition_steps", 0, true), k.int("transition_begin", 0, false)
			if k.Err() != nil {
				return nil, k.Err()
			}
			return Linear(i, e, n, b)
		}},
		"polynomial_schedule": {[]string{"init_value", "end_value", "power", "transition_steps", "transition_begin"}, func(k *kwargs) (Schedule, error) {
			i, e, p := k.float("init_value", 0, true), k.float("end_value", 0, true), k.float("power", 0, true)
			n, b := k.int("transition_steps", 0, true), k.int("transition_begin", 0, false)
			if k.Err() != nil {
				return nil, k.Err()
			}
			return Polynomial(i, e, p, n, b)
		}},
		"cosine_decay_schedule": {[]string{"init_value", "decay_steps", "alpha", "exponent"}, func(k *kwargs) (Schedule, error) {
			i, n, a, e := k.float("init_value", 0, true), k.int("decay_steps", 0, true), k.float("alpha", 0, false), k.float("exponent", 1, false)
			if k.Err() != nil {
				return nil, k.Err()
			}
			return CosineDecay(i, n, a, e)
		}},
		"exponential_decay": {[]string{"init_value", "transition_steps", "decay_rate", "transition_begin", "staircase", "end_value"}, func(k *kwargs) (Schedule, error) {
			c := k.expDecay("init_value")
			if k.Err() != nil {
				return nil, k.Err()
			}
			return ExponentialDecay(c)
		}},
		"piecewise_constant_schedule": {[]string{"init_value", "boundaries_and_scales"}, func(k *kwargs) (Schedule, error) {
			i, m := k.float("init_value", 0, true), k.scales("boundaries_and_scales")
			if k.Err() != nil {
				return nil, k.Err()
			}
			return PiecewiseConstant(i, m)
		}},
		"piecewise_interpolate_schedule": {[]string{"interpolate_type", "init_value", "boundaries_and_scales"}, func(k *kwargs) (Schedule, error) {
			kind, i, m := k.str("interpolate_type", ""), k.float("init_value", 0, true), k.scales("boundaries_and_scales")
			k.get("interpolate_type", true)
			if k.Err() != nil {
				return nil, k.Err()
			}
			return PiecewiseInterpolate(kind, i, m)
		}},
		"warmup_constant_schedule": {[]string{"init_value", "peak_value", "warmup_steps"}, func(k *kwargs) (Schedule, error) {
			i, p, w := k.float("init_value", 0, true), k.float("peak_value", 0, true), k.int("warmup_steps", 0, true)
			if k.Err() != nil {
				return nil, k.Err()
			}
			return WarmupConstant(i, p, w)
		}},
		"warmup_cosine_decay_schedule": {[]string{"init_value", "peak_value", "warmup_steps", "decay_steps", "end_value", "exponent"}, func(k *kwargs) (Schedule, error) {
			c := k.warmupCosine()
			if k.Err() != nil {
				return nil, k.Err()
			}
			return WarmupCosineDecay(c.Init, c.Peak, c.WarmupSteps, c.DecaySteps, c.End, c.Exponent)
		}},
		"warmup_exponential_decay_schedule": {[]string{"init_value", "peak_value", "warmup_steps", "transition_steps", "decay_rate",
			"transition_begin", "staircase", "end_value"}, func(k *kwargs) (Schedule, error) {
			i, w := k.float("init_value", 0, true), k.int("warmup_steps", 0, true)
			c := k.expDecay("peak_value")
			if k.Err() != nil {
				return nil, k.Err()
			}
			return WarmupExponentialDecay(i, w, c)
		}},
		"linear_onecycle_schedule": {[]string{"transition_steps", "peak_value", "pct_start", "pct_final", "div_factor", "final_div_factor"}, func(k *kwargs) (Schedule, error) {
			n, p := k.int("transition_steps", 0, true), k.float("peak_value", 0, true)
			s, f := k.float("pct_start", 0.3, false), k.float("pct_final", 0.85, false)
			d, fd := k.float("div_factor", 25, false), k.float("final_div_factor", 1e4, false)
			if k.Err() != nil {
				return nil, k.Err()
			}
			return LinearOneCycle(n, p, s, f, d, fd)
		}},
		"cosine_onecycle_schedule": {[]string{"transition_steps", "peak_value", "pct_start", "div_factor", "final_div_factor"}, func(k *kwargs) (Schedule, error) {
			n, p, s := k.int("transition_steps", 0, true), k.float("peak_value", 0, true), k.float("pct_start", 0.3, false)
			d, fd := k.float("div_factor", 25, false), k.float("final_div_factor", 1e4, false)
			if k.Err() != nil {
				return nil, k.Err()
			}
			return CosineOneCycle(n, p, s, d, fd)
		}},
		"sgdr_schedule": {[]string{"cosine_kwargs"}, func(k *kwargs) (Schedule, error) {
			list, ok := k.get("cosine_kwargs", true)
			if !ok {
				return nil, k.Err()
			}
			items, isList := list.([]any)
			if !isList {
				return nil, fmt.Errorf("sgdr_schedule: cosine_kwargs (%T) must be a list of warmup_cosine_decay_schedule keyword objects", list)
			}
			cycles := make([]WarmupCosineConfig, len(items))
			for i, it := range items {
				m, isMap := it.(map[string]any)
				if !isMap {
					return nil, fmt.Errorf("sgdr_schedule: cosine_kwargs[%d] (%T) must be an object", i, it)
				}
				ck := newKwargs(fmt.Sprintf("sgdr_schedule: cosine_kwargs[%d]", i), m, optaxSchedules["warmup_cosine_decay_schedule"].keywords)
				cycles[i] = ck.warmupCosine()
				if ck.Err() != nil {
					return nil, ck.Err()
				}
			}
			return SGDR(cycles)
		}},
		"join_schedules": {[]string{"schedules", "boundaries"}, func(k *kwargs) (Schedule, error) {
			specs, bounds := k.specs("schedules"), k.ints("boundaries", true)
			if k.Err() != nil {
				return nil, k.Err()
			}
			parts := make([]Schedule, len(specs))
			for i, sp := range specs {
				s, err := FromOptax(sp.Name, sp.Kwargs)
				if err != nil {
					return nil, fmt.Errorf("join_schedules: schedules[%d]: %w", i, err)
				}
				parts[i] = s
			}
			return Join(parts, bounds)
		}},
	}
}

func (k *kwargs) expDecay(initName string) ExponentialDecayConfig {
	c := ExponentialDecayConfig{Init: k.float(initName, 0, true), TransitionSteps: k.int("transition_steps", 0, true),
		DecayRate: k.float("decay_rate", 0, true), TransitionBegin: k.int("transition_begin", 0, false),
		Staircase: k.bool("staircase", false)}
	if _, given := k.get("end_value", false); given {
		e := k.float("end_value", 0, false)
		c.EndValue = &e
	}
	return c
}

func (k *kwargs) warmupCosine() WarmupCosineConfig {
	return WarmupCosineConfig{Init: k.float("init_value", 0, true), Peak: k.float("peak_value", 0, true),
		WarmupSteps: k.int("warmup_steps", 0, true), DecaySteps: k.int("decay_steps", 0, true),
		End: k.float("end_value", 0, false), Exponent: k.float("exponent", 1, false)}
}

// scales reads optax's boundaries_and_scales: a map from step to scale (JSON object keys are
// strings holding integers), or a Go map[int]float64. Absent or null means none.
func (k *kwargs) scales(name string) map[int]float64 {
	v, ok := k.get(name, false)
	if !ok {
		return nil
	}
	switch m := v.(type) {
	case map[int]float64:
		return m
	case map[string]any:
		out := make(map[int]float64, len(m))
		for key, val := range m {
			b, err := strconv.Atoi(strings.TrimSpace(key))
			if err != nil {
				k.fail("%s: boundary %q must be an integer step", name, key)
				return nil
			}
			f, isNum := core.ToFloat(val)
			if !isNum {
				k.fail("%s[%d]=%v (%T) must be a number", name, b, val, val)
				return nil
			}
			out[b] = f
		}
		return out
	}
	k.fail("%s=%v (%T) must map integer steps to scales", name, v, v)
	return nil
}

// OptaxNames lists the optax schedule names [FromOptax] accepts.
func OptaxNames() []string {
	names := make([]string, 0, len(optaxSchedules))
	for n := range optaxSchedules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// FromOptax builds the optax schedule with that public name (optax.schedules, e.g.
// "warmup_cosine_decay_schedule") from optax's keyword arguments and defaults. join_schedules
// takes "schedules" as a list of [NAME, {kwargs}]; sgdr_schedule takes "cosine_kwargs" as a
// list of warmup_cosine_decay_schedule keyword objects; boundaries_and_scales maps steps
// (JSON object keys) to scales. Unknown names and keywords are errors listing what is accepted.
func FromOptax(name string, kw map[string]any) (Schedule, error) {
	s, ok := optaxSchedules[name]
	if !ok {
		return nil, fmt.Errorf("unknown optax schedule %q; accepted: %s", name, strings.Join(OptaxNames(), ", "))
	}
	k := newKwargs(name, kw, s.keywords)
	if k.Err() != nil {
		return nil, k.Err()
	}
	return s.build(k)
}
