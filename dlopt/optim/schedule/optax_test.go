package schedule

import (
	"math"
	"testing"
)

// must(t)(f()) returns f's schedule, failing the test on f's error.
func must(t *testing.T) func(Schedule, error) Schedule {
	return func(s Schedule, err error) Schedule {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

func ptr(v float64) *float64 { return &v }

// TestOptaxValues checks optax's schedules at steps whose values follow by hand from the
// formulas in optax's documentation (the comment of each case says how).
func TestOptaxValues(t *testing.T) {
	type at struct {
		k    int
		want float64
	}
	sgdr := func() (Schedule, error) {
		return SGDR([]WarmupCosineConfig{
			{Init: 0, Peak: 1, WarmupSteps: 0, DecaySteps: 10, End: 0, Exponent: 1},
			{Init: 0, Peak: 0.5, WarmupSteps: 2, DecaySteps: 20, End: 0, Exponent: 1},
		})
	}
	cases := []struct {
		name string
		make func() (Schedule, error)
		at   []at
	}{
		{"constant", func() (Schedule, error) { return Constant(0.3), nil }, []at{{0, 0.3}, {1000, 0.3}}},
		// (1 - 0.01) * (1 - k/100) + 0.01
		{"linear", func() (Schedule, error) { return Linear(1, 0.01, 100, 0) }, []at{{0, 1}, {50, 0.505}, {100, 0.01}, {1000, 0.01}}},
		// held at 1 until step 5, then (0.99)(1 - (k-5)/100)^2 + 0.01: optax's own docstring example.
		{"polynomial begin", func() (Schedule, error) { return Polynomial(1, 0.01, 2, 100, 5) },
			[]at{{0, 1}, {5, 1}, {6, 0.99*0.99*0.99 + 0.01}, {104, 0.99*0.01*0.01 + 0.01}, {105, 0.01}, {110, 0.01}}},
		{"polynomial zero steps is constant", func() (Schedule, error) { return Polynomial(2, 0, 1, 0, 0) }, []at{{0, 2}, {9, 2}}},
		{"warmup constant", func() (Schedule, error) { return WarmupConstant(0, 2, 4) }, []at{{0, 0}, {1, 0.5}, {4, 2}, {50, 2}}},
		// 0.5 (1 + cos(pi k/10)): half at k = 5, alpha at and after k = 10.
		{"cosine decay", func() (Schedule, error) { return CosineDecay(1, 10, 0, 1) }, []at{{0, 1}, {5, 0.5}, {10, 0}, {30, 0}}},
		{"cosine decay alpha exponent", func() (Schedule, error) { return CosineDecay(2, 10, 0.1, 2) },
			[]at{{0, 2}, {5, 2 * (0.9*0.25 + 0.1)}, {10, 0.2}, {11, 0.2}}},
		// 0.5^((k-0)/2), floored with staircase; end_value a lower bound for rate < 1.
		{"exponential", func() (Schedule, error) {
			return ExponentialDecay(ExponentialDecayConfig{Init: 1, TransitionSteps: 2, DecayRate: 0.5})
		}, []at{{0, 1}, {1, math.Sqrt(0.5)}, {2, 0.5}, {3, math.Pow(0.5, 1.5)}}},
		{"exponential staircase begin", func() (Schedule, error) {
			return ExponentialDecay(ExponentialDecayConfig{Init: 1, TransitionSteps: 2, DecayRate: 0.5, TransitionBegin: 3, Staircase: true})
		}, []at{{0, 1}, {3, 1}, {4, 1}, {5, 0.5}, {6, 0.5}, {7, 0.25}}},
		{"exponential end lower bound", func() (Schedule, error) {
			return ExponentialDecay(ExponentialDecayConfig{Init: 1, TransitionSteps: 1, DecayRate: 0.5, EndValue: ptr(0.3)})
		}, []at{{1, 0.5}, {2, 0.3}, {10, 0.3}}},
		{"exponential end upper bound", func() (Schedule, error) {
			return ExponentialDecay(ExponentialDecayConfig{Init: 1, TransitionSteps: 1, DecayRate: 2, EndValue: ptr(5)})
		}, []at{{1, 2}, {2, 4}, {3, 5}, {10, 5}}},
		{"exponential rate 0 is constant", func() (Schedule, error) {
			return ExponentialDecay(ExponentialDecayConfig{Init: 0.7, TransitionSteps: 1, DecayRate: 0})
		}, []at{{0, 0.7}, {5, 0.7}}},
		// scaled by every scale whose boundary is <= k
		{"piecewise constant", func() (Schedule, error) { return PiecewiseConstant(1, map[int]float64{6: 0.1, 3: 0.5}) },
			[]at{{0, 1}, {2, 1}, {3, 0.5}, {5, 0.5}, {6, 0.05}, {100, 0.05}}},
		// values 1, 0.5, 0.25 at steps 0, 4, 8; linear in between
		{"piecewise linear", func() (Schedule, error) { return PiecewiseInterpolate("linear", 1, map[int]float64{4: 0.5, 8: 0.5}) },
			[]at{{0, 1}, {2, 0.75}, {4, 0.5}, {6, 0.375}, {8, 0.25}, {100, 0.25}}},
		{"piecewise cosine", func() (Schedule, error) { return PiecewiseInterpolate("cosine", 1, map[int]float64{4: 0.5}) },
			[]at{{0, 1}, {1, 0.5 + 0.25*(math.Cos(math.Pi/4)+1)}, {2, 0.75}, {4, 0.5}, {9, 0.5}}},
		// linear 0 -> 1 over 10 steps, then 1 * ((1 - 0.1) * cosine + 0.1) over 100 steps.
		{"warmup cosine", func() (Schedule, error) { return WarmupCosineDecay(0, 1, 10, 110, 0.1, 1) },
			[]at{{0, 0}, {5, 0.5}, {10, 1}, {60, 0.9*0.5 + 0.1}, {110, 0.1}, {500, 0.1}}},
		// linear 0 -> 4 over 4 steps, then 4 * 0.5^(k-4).
		{"warmup exponential", func() (Schedule, error) {
			return WarmupExponentialDecay(0, 4, ExponentialDecayConfig{Init: 4, TransitionSteps: 1, DecayRate: 0.5})
		}, []at{{0, 0}, {2, 2}, {4, 4}, {5, 2}, {6, 1}}},
		// peak/25 at 0, peak at 30, peak/25 at 85, peak/25/1e4 at 100, linear in between.
		{"linear onecycle", func() (Schedule, error) { return LinearOneCycle(100, 1, 0.3, 0.85, 25, 1e4) },
			[]at{{0, 0.04}, {15, 0.52}, {30, 1}, {85, 0.04}, {100, 0.04 * 1e-4}, {200, 0.04 * 1e-4}}},
		{"cosine onecycle", func() (Schedule, error) { return CosineOneCycle(100, 1, 0.3, 25, 1e4) },
			[]at{{0, 0.04}, {15, 0.52}, {30, 1}, {65, (1 + 4e-6) / 2}, {100, 4e-6}}},
		// cycle 1: cosine 1 -> 0 over 10 steps; cycle 2 from step 10: warmup 0 -> 0.5 in 2 steps,
		// then cosine 0.5 -> 0 over 18 steps.
		{"sgdr", sgdr, []at{{0, 1}, {5, 0.5}, {10, 0}, {11, 0.25}, {12, 0.5}, {21, 0.25}, {30, 0}, {40, 0}}},
		{"join", func() (Schedule, error) {
			return Join([]Schedule{Constant(1), Func(func(k int) float64 { return float64(k) })}, []int{3})
		}, []at{{0, 1}, {2, 1}, {3, 0}, {7, 4}}},
		// gamma0 / sqrt(k+1)
		{"inverse sqrt", func() (Schedule, error) { return InverseSqrt(1) }, []at{{0, 1}, {3, 0.5}, {8, 1.0 / 3}, {99, 0.1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := must(t)(tc.make())
			for _, a := range tc.at {
				if got := s.Value(a.k); math.Abs(got-a.want) > 1e-14*math.Max(1, math.Abs(a.want)) {
					t.Errorf("value at step %d = %.17g, want %.17g", a.k, got, a.want)
				}
			}
		})
	}
}

// TestOptaxIdentities checks relations optax documents between its schedules.
func TestOptaxIdentities(t *testing.T) {
	lin := must(t)(Linear(0.3, 0.01, 17, 4))
	poly := must(t)(Polynomial(0.3, 0.01, 1, 17, 4))
	cos := must(t)(CosineDecay(0.5, 12, 0.2, 1))
	// warmup_cosine_decay with no warmup is cosine_decay with alpha = end/peak.
	wc := must(t)(WarmupCosineDecay(0, 0.5, 0, 12, 0.1, 1))
	for k := range 40 {
		if lin.Value(k) != poly.Value(k) {
			t.Errorf("linear(%d) = %v != polynomial power 1 = %v", k, lin.Value(k), poly.Value(k))
		}
		if math.Abs(cos.Value(k)-wc.Value(k)) > 1e-15 {
			t.Errorf("cosine_decay(%d) = %v != warmup_cosine_decay without warmup = %v", k, cos.Value(k), wc.Value(k))
		}
	}
}

func TestOptaxErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() (Schedule, error)
		want string
	}{
		{"negative steps", func() (Schedule, error) { return Linear(1, 0, -1, 0) }, "transition_steps=-1 must be >= 0"},
		{"negative begin", func() (Schedule, error) { return Polynomial(1, 0, 1, 5, -2) }, "transition_begin=-2 must be >= 0"},
		{"nan init", func() (Schedule, error) { return Linear(math.NaN(), 0, 5, 0) }, "init_value=NaN must be a finite number"},
		{"cosine steps", func() (Schedule, error) { return CosineDecay(1, 0, 0, 1) }, "decay_steps=0 must be >= 1"},
		{"negative rate", func() (Schedule, error) {
			return ExponentialDecay(ExponentialDecayConfig{Init: 1, TransitionSteps: 1, DecayRate: -0.5})
		}, "decay_rate=-0.5 must be >= 0"},
		{"negative scale", func() (Schedule, error) { return PiecewiseConstant(1, map[int]float64{3: -1}) }, "scale at boundary 3=-1 must be >= 0"},
		{"interp kind", func() (Schedule, error) { return PiecewiseInterpolate("cubic", 1, nil) }, `interpolate_type="cubic"`},
		{"interp zero boundary", func() (Schedule, error) { return PiecewiseInterpolate("linear", 1, map[int]float64{0: 2}) }, "boundary 0 must be >= 1"},
		{"warmup longer than decay", func() (Schedule, error) { return WarmupCosineDecay(0, 1, 10, 10, 0, 1) }, "decay_steps=10 must be > warmup_steps=10"},
		{"onecycle too short", func() (Schedule, error) { return CosineOneCycle(3, 1, 0.3, 25, 1e4) }, "int(pct_start*transition_steps) must be >= 1"},
		{"onecycle div", func() (Schedule, error) { return LinearOneCycle(100, 1, 0.3, 0.85, 0, 1e4) }, "div_factor=0 must be a finite number > 0"},
		{"onecycle pct", func() (Schedule, error) { return CosineOneCycle(100, 1, 1.5, 25, 1e4) }, "pct=1.5 must be in [0, 1]"},
		{"join boundaries", func() (Schedule, error) { return Join([]Schedule{Constant(1)}, []int{3}) }, "one boundary fewer"},
		{"join order", func() (Schedule, error) { return Join([]Schedule{Constant(1), Constant(2), Constant(3)}, []int{5, 3}) }, "non-decreasing"},
		{"sgdr empty", func() (Schedule, error) { return SGDR(nil) }, "at least one cycle"},
		{"sgdr cycle", func() (Schedule, error) { return SGDR([]WarmupCosineConfig{{Peak: 1, DecaySteps: 0}}) }, "cycle 0"},
		{"inverse sqrt", func() (Schedule, error) { return InverseSqrt(-1) }, "gamma0=-1 must be >= 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.make()
			if err == nil || !containsStr(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func containsStr(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
