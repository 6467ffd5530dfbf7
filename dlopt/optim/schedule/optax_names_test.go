package schedule

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFromOptax builds each optax schedule from its name and JSON keyword arguments and
// checks it against the typed constructor with the same arguments, at steps 0..80.
func TestFromOptax(t *testing.T) {
	end := 0.05
	for _, tc := range []struct {
		name, kwargs string
		direct       func() (Schedule, error)
	}{
		{"constant_schedule", `{"value": 0.3}`, func() (Schedule, error) { return Constant(0.3), nil }},
		{"linear_schedule", `{"init_value": 1, "end_value": 0.1, "transition_steps": 30, "transition_begin": 5}`,
			func() (Schedule, error) { return Linear(1, 0.1, 30, 5) }},
		{"polynomial_schedule", `{"init_value": 1, "end_value": 0.1, "power": 2, "transition_steps": 30}`,
			func() (Schedule, error) { return Polynomial(1, 0.1, 2, 30, 0) }},
		{"cosine_decay_schedule", `{"init_value": 0.5, "decay_steps": 40}`, func() (Schedule, error) { return CosineDecay(0.5, 40, 0, 1) }},
		{"exponential_decay", `{"init_value": 1, "transition_steps": 7, "decay_rate": 0.5, "staircase": true, "end_value": 0.05, "transition_begin": 3}`,
			func() (Schedule, error) {
				return ExponentialDecay(ExponentialDecayConfig{Init: 1, TransitionSteps: 7, DecayRate: 0.5, Staircase: true, EndValue: &end, TransitionBegin: 3})
			}},
		{"piecewise_constant_schedule", `{"init_value": 1, "boundaries_and_scales": {"10": 0.5, "30": 0.1}}`,
			func() (Schedule, error) { return PiecewiseConstant(1, map[int]float64{10: 0.5, 30: 0.1}) }},
		{"piecewise_interpolate_schedule", `{"interpolate_type": "cosine", "init_value": 1, "boundaries_and_scales": {"10": 0.5, "30": 0.1}}`,
			func() (Schedule, error) { return PiecewiseInterpolate("cosine", 1, map[int]float64{10: 0.5, 30: 0.1}) }},
		{"warmup_constant_schedule", `{"init_value": 0, "peak_value": 1, "warmup_steps": 10}`, func() (Schedule, error) { return WarmupConstant(0, 1, 10) }},
		{"warmup_cosine_decay_schedule", `{"init_value": 0, "peak_value": 1, "warmup_steps": 10, "decay_steps": 60, "end_value": 0.01}`,
			func() (Schedule, error) { return WarmupCosineDecay(0, 1, 10, 60, 0.01, 1) }},
		{"warmup_exponential_decay_schedule", `{"init_value": 0, "peak_value": 1, "warmup_steps": 10, "transition_steps": 5, "decay_rate": 0.8}`,
			func() (Schedule, error) {
				return WarmupExponentialDecay(0, 10, ExponentialDecayConfig{Init: 1, TransitionSteps: 5, DecayRate: 0.8})
			}},
		{"linear_onecycle_schedule", `{"transition_steps": 60, "peak_value": 1}`, func() (Schedule, error) { return LinearOneCycle(60, 1, 0.3, 0.85, 25, 1e4) }},
		{"cosine_onecycle_schedule", `{"transition_steps": 60, "peak_value": 1, "pct_start": 0.25}`, func() (Schedule, error) { return CosineOneCycle(60, 1, 0.25, 25, 1e4) }},
		{"sgdr_schedule", `{"cosine_kwargs": [{"init_value": 0, "peak_value": 1, "warmup_steps": 2, "decay_steps": 20}, {"init_value": 0, "peak_value": 0.5, "warmup_steps": 2, "decay_steps": 30}]}`,
			func() (Schedule, error) {
				return SGDR([]WarmupCosineConfig{
					{Init: 0, Peak: 1, WarmupSteps: 2, DecaySteps: 20, Exponent: 1},
					{Init: 0, Peak: 0.5, WarmupSteps: 2, DecaySteps: 30, Exponent: 1}})
			}},
		{"join_schedules", `{"schedules": [["linear_schedule", {"init_value": 0, "end_value": 1, "transition_steps": 5}], ["cosine_decay_schedule", {"init_value": 1, "decay_steps": 50}]], "boundaries": [5]}`,
			func() (Schedule, error) {
				warm, _ := Linear(0, 1, 5, 0)
				cos, _ := CosineDecay(1, 50, 0, 1)
				return Join([]Schedule{warm, cos}, []int{5})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var kw map[string]any
			if err := json.Unmarshal([]byte(tc.kwargs), &kw); err != nil {
				t.Fatal(err)
			}
			got := must(t)(FromOptax(tc.name, kw))
			want := must(t)(tc.direct())
			for k := range 81 {
				if got.Value(k) != want.Value(k) {
					t.Fatalf("step %d: %v, typed constructor %v", k, got.Value(k), want.Value(k))
				}
			}
		})
	}
	if len(OptaxNames()) != 14 {
		t.Errorf("OptaxNames() = %v, want the 14 schedules of optax.schedules tested here", OptaxNames())
	}
}

func TestFromOptaxErrors(t *testing.T) {
	for _, tc := range []struct{ name, kwargs, want string }{
		{"cosine_schedule", `{}`, `unknown optax schedule "cosine_schedule"; accepted: constant_schedule, cosine_decay_schedule`},
		{"linear_schedule", `{"init_value": 1, "end_value": 0, "transition_steps": 5, "steps": 3}`, `unknown keyword "steps"`},
		{"linear_schedule", `{"init_value": 1, "end_value": 0}`, `missing required keyword "transition_steps"`},
		{"cosine_decay_schedule", `{"init_value": 1, "decay_steps": 0}`, "decay_steps=0 must be >= 1"},
		{"piecewise_constant_schedule", `{"init_value": 1, "boundaries_and_scales": {"ten": 0.5}}`, `boundary "ten" must be an integer step`},
		{"piecewise_constant_schedule", `{"init_value": 1, "boundaries_and_scales": [1, 2]}`, "must map integer steps to scales"},
		{"piecewise_interpolate_schedule", `{"init_value": 1}`, `missing required keyword "interpolate_type"`},
		{"sgdr_schedule", `{"cosine_kwargs": [{"init_value": 0, "peak_value": 1, "warmup_steps": 2, "decay_steps": 20, "alpha": 0}]}`, `cosine_kwargs[0]: unknown keyword "alpha"`},
		{"join_schedules", `{"schedules": [["nope", {}]], "boundaries": []}`, `schedules[0]: unknown optax schedule "nope"`},
		{"exponential_decay", `{"init_value": 1, "transition_steps": 5, "decay_rate": 0.5, "staircase": "yes"}`, "staircase=yes (string) must be true or false"},
	} {
		var kw map[string]any
		if err := json.Unmarshal([]byte(tc.kwargs), &kw); err != nil {
			t.Fatal(err)
		}
		_, err := FromOptax(tc.name, kw)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: error %v, want %q", tc.name, tc.kwargs, err, tc.want)
		}
	}
}
