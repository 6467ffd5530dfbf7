package schedule

import (
	"math"
	"strings"
	"testing"
)

// TestFromTorchErrors checks that bad names, keywords, types and values are rejected with a
// message naming the value and what is allowed.
func TestFromTorchErrors(t *testing.T) {
	for _, tc := range []struct {
		class string
		kw    map[string]any
		want  []string
	}{
		{"WarmupLR", nil, []string{`unknown torch scheduler "WarmupLR"`, "ChainedScheduler", "ReduceLROnPlateau"}},
		{"StepLR", map[string]any{"step_size": 3, "decay": 0.1}, []string{`unknown keyword "decay"`, "step_size, gamma, last_epoch, verbose"}},
		{"StepLR", map[string]any{}, []string{`missing required keyword "step_size"`}},
		{"StepLR", map[string]any{"step_size": 0}, []string{"step_size=0 must be an integer >= 1"}},
		{"StepLR", map[string]any{"step_size": 2, "gamma": -0.1}, []string{"gamma=-0.1 must be >= 0"}},
		{"StepLR", map[string]any{"step_size": 2, "gamma": "0.1"}, []string{"gamma=0.1 (string) must be a number"}},
		{"StepLR", map[string]any{"step_size": 2, "last_epoch": 4}, []string{"last_epoch=4: only -1"}},
		{"StepLR", map[string]any{"step_size": 2, "verbose": 1}, []string{"verbose=1 (int) must be true or false"}},
		{"MultiStepLR", map[string]any{"milestones": []any{5, 2}}, []string{"non-decreasing", "milestones[1]=2 < milestones[0]=5"}},
		{"MultiStepLR", map[string]any{"milestones": []any{-1}}, []string{"milestones[0]=-1 must be >= 0"}},
		{"MultiStepLR", map[string]any{"milestones": 3}, []string{"must be a list of integers"}},
		{"MultiStepLR", map[string]any{"milestones": []any{1.5}}, []string{"milestones[0]=1.5", "must be an integer"}},
		{"ConstantLR", map[string]any{"factor": 0.0}, []string{"factor=0 must be in (0, 1]"}},
		{"ConstantLR", map[string]any{"factor": 1.5}, []string{"factor=1.5 must be in (0, 1]"}},
		{"ConstantLR", map[string]any{"total_iters": 0}, []string{"total_iters=0 must be an integer >= 1"}},
		{"LinearLR", map[string]any{"start_factor": 0.0}, []string{"start_factor=0 must be in (0, 1]"}},
		{"LinearLR", map[string]any{"end_factor": 2.0}, []string{"end_factor=2 must be in [0, 1]"}},
		{"ExponentialLR", map[string]any{}, []string{`missing required keyword "gamma"`}},
		{"ExponentialLR", map[string]any{"gamma": math.NaN()}, []string{"gamma=NaN must be a finite number"}},
		{"PolynomialLR", map[string]any{"power": -1.0}, []string{"power=-1 must be >= 0"}},
		{"CosineAnnealingLR", map[string]any{"T_max": 0}, []string{"T_max=0 must be an integer >= 1"}},
		{"CosineAnnealingLR", map[string]any{"T_max": 2.5}, []string{"T_max=2.5 (float64) must be an integer"}},
		{"CosineAnnealingWarmRestarts", map[string]any{"T_0": 5, "T_mult": 0}, []string{"T_mult=0 must be an integer >= 1"}},
		{"CyclicLR", map[string]any{"base_lr": 0.1}, []string{`missing required keyword "max_lr"`}},
		{"CyclicLR", map[string]any{"base_lr": 0.1, "max_lr": 1, "mode": "sine"}, []string{`mode="sine" must be one of triangular, triangular2, exp_range`}},
		{"CyclicLR", map[string]any{"base_lr": 0.1, "max_lr": 1, "step_size_up": 0}, []string{"step_size_up=0 must be > 0"}},
		{"CyclicLR", map[string]any{"base_lr": 0.1, "max_lr": 1, "step_size_down": -3}, []string{"step_size_down=-3 must be > 0"}},
		{"CyclicLR", map[string]any{"base_lr": 0.1, "max_lr": 1, "max_momentum": 1.2}, []string{"max_momentum=1.2 must be in [0, 1]"}},
		{"CyclicLR", map[string]any{"base_lr": 0.1, "max_lr": 1, "scale_fn": 3}, []string{"scale_fn (int) must be a Go func"}},
		{"OneCycleLR", map[string]any{"max_lr": 1}, []string{"give total_steps >= 1, or epochs >= 1 and steps_per_epoch >= 1"}},
		{"OneCycleLR", map[string]any{"max_lr": 1, "total_steps": 0}, []string{"total_steps=0 must be an integer >= 1"}},
		{"OneCycleLR", map[string]any{"max_lr": 1, "total_steps": 10, "pct_start": 1.2}, []string{"pct_start=1.2 must be in [0, 1]"}},
		{"OneCycleLR", map[string]any{"max_lr": 1, "total_steps": 10, "anneal_strategy": "exp"}, []string{`anneal_strategy="exp" must be "cos" or "linear"`}},
		{"OneCycleLR", map[string]any{"max_lr": 1, "total_steps": 10, "div_factor": 0}, []string{"div_factor=0 must be a finite number > 0"}},
		// pct_start * total_steps = 1 makes torch divide 0 by 0 at the first step.
		{"OneCycleLR", map[string]any{"max_lr": 1, "total_steps": 10, "pct_start": 0.1}, []string{"phase 1 is empty", "pct_start=0.1"}},
		{"ReduceLROnPlateau", map[string]any{"mode": "low"}, []string{`mode="low" must be "min" or "max"`}},
		{"ReduceLROnPlateau", map[string]any{"threshold_mode": "pct"}, []string{`threshold_mode="pct" must be "rel" or "abs"`}},
		{"ReduceLROnPlateau", map[string]any{"factor": 1.0}, []string{"factor=1 must be in [0, 1)"}},
		{"ReduceLROnPlateau", map[string]any{"patience": -1}, []string{"patience=-1 must be >= 0"}},
		{"ReduceLROnPlateau", map[string]any{"cooldown": -2}, []string{"cooldown=-2 must be >= 0"}},
		{"ReduceLROnPlateau", map[string]any{"min_lr": -1.0}, []string{"min_lr=-1 must be >= 0"}},
		{"ReduceLROnPlateau", map[string]any{"last_epoch": -1}, []string{`unknown keyword "last_epoch"`}},
		{"LambdaLR", map[string]any{"lr_lambda": func(e int) int { return e }}, []string{"must be a Go func(epoch int) float64"}},
		{"LambdaLR", map[string]any{}, []string{`missing required keyword "lr_lambda"`}},
		{"SequentialLR", map[string]any{"schedulers": []any{[]any{"StepLR", map[string]any{"step_size": 2}}}, "milestones": []any{}}, nil},
		{"SequentialLR", map[string]any{"schedulers": []any{[]any{"ReduceLROnPlateau", map[string]any{}}}, "milestones": []any{}}, []string{"cannot be sequenced"}},
		{"SequentialLR", map[string]any{"schedulers": []any{"StepLR"}, "milestones": []any{}}, []string{"must be [NAME, {kwargs}]"}},
		{"SequentialLR", map[string]any{"schedulers": []any{}, "milestones": []any{}}, []string{"schedulers is empty"}},
		{"SequentialLR", map[string]any{"schedulers": []any{[]any{"StepLR", map[string]any{"step_size": 2}}, []any{"StepLR", map[string]any{"step_size": 1}}}, "milestones": []any{}}, []string{"one milestone fewer"}},
		{"ChainedScheduler", map[string]any{"schedulers": []any{[]any{"StepLR", map[string]any{"step_size": -2}}}}, []string{"ChainedScheduler: schedulers[0]: StepLR: step_size=-2"}},
		{"ChainedScheduler", map[string]any{"schedulers": []any{}, "verbose": true}, []string{`unknown keyword "verbose"`}},
	} {
		_, err := FromTorch(tc.class, tc.kw, 0.1)
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s %v: unexpected error %v", tc.class, tc.kw, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s %v: no error, want %q", tc.class, tc.kw, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %v: error %q does not contain %q", tc.class, tc.kw, err, w)
			}
		}
	}
	if _, err := FromTorch("StepLR", map[string]any{"step_size": 2}, math.Inf(1)); err == nil || !strings.Contains(err.Error(), "base_lr=+Inf") {
		t.Errorf("infinite base_lr: error %v", err)
	}
}

// TestTorchNamesComplete checks that FromTorch knows exactly torch 1.13's __all__.
func TestTorchNamesComplete(t *testing.T) {
	torchAll := []string{"LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
		"ExponentialLR", "SequentialLR", "CosineAnnealingLR", "ChainedScheduler", "ReduceLROnPlateau",
		"CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR", "PolynomialLR"}
	got := TorchNames()
	if len(got) != len(torchAll) {
		t.Errorf("TorchNames() = %v, want the %d classes of torch 1.13", got, len(torchAll))
	}
	for _, n := range torchAll {
		if !contains(got, n) {
			t.Errorf("%s missing from TorchNames()", n)
		}
	}
}

// TestStepMetrics checks the metric rules of Step.
func TestStepMetrics(t *testing.T) {
	step, _ := FromTorch("StepLR", map[string]any{"step_size": 2}, 0.1)
	if err := step.Step(1.0); err == nil {
		t.Error("StepLR.Step(metric): no error")
	}
	plateau, _ := FromTorch("ReduceLROnPlateau", nil, 0.1)
	if err := plateau.Step(); err == nil {
		t.Error("ReduceLROnPlateau.Step(): no error")
	}
	if err := plateau.Step(1, 2); err == nil {
		t.Error("ReduceLROnPlateau.Step(1, 2): no error")
	}
	if _, _, err := Values(plateau, 3, []float64{1}); err == nil {
		t.Error("Values with too few metrics: no error")
	}
	// A NaN metric counts as no improvement, as in torch: with patience 0 the rate drops.
	p0, _ := FromTorch("ReduceLROnPlateau", map[string]any{"patience": 0, "factor": 0.5}, 1)
	_ = p0.Step(1)
	_ = p0.Step(math.NaN())
	if p0.LR() != 0.5 {
		t.Errorf("after a NaN metric with patience 0: lr %v, want 0.5", p0.LR())
	}
	once, _ := FromTorch("OneCycleLR", map[string]any{"max_lr": 1, "total_steps": 4}, 0.1)
	if _, _, err := Values(once, 5, nil); err == nil || !strings.Contains(err.Error(), "total_steps is 4") {
		t.Errorf("OneCycleLR past total_steps: error %v", err)
	}
}

// TestSharedGroup builds schedulers by hand on one group, as torch code does, and checks
// that the chained result equals the product of the two schedules (ExponentialLR's and
// StepLR's recursive forms multiply the shared rate).
func TestSharedGroup(t *testing.T) {
	g := NewGroup(1)
	exp, err := NewExponentialLR(g, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	step, err := NewStepLR(g, 3, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := NewChainedScheduler(exp, step)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 20 {
		want := math.Pow(0.9, float64(k)) * math.Pow(0.5, float64(k/3))
		if math.Abs(chain.LR()-want) > 1e-15 {
			t.Errorf("step %d: lr %.17g, want 0.9^k 0.5^floor(k/3) = %.17g", k, chain.LR(), want)
		}
		if err := chain.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if exp.LastEpoch() != 20 || step.LastEpoch() != 20 {
		t.Errorf("last epochs %d, %d, want 20", exp.LastEpoch(), step.LastEpoch())
	}
	other, _ := NewStepLR(NewGroup(1), 3, 0.5)
	if _, err := NewChainedScheduler(exp, other); err == nil {
		t.Error("chaining schedulers of different groups: no error")
	}
	if _, err := NewSequentialLR([]Scheduler{exp, other}, []int{3}); err == nil {
		t.Error("sequencing schedulers of different groups: no error")
	}
	if _, err := NewStepLR(nil, 3, 0.5); err == nil {
		t.Error("nil group: no error")
	}
}

// TestCosineAnnealingRecursive shows that torch's CosineAnnealingLR follows its recursion, not
// the closed form: alone it matches the closed form to rounding, and when another scheduler
// scales the shared rate it keeps annealing from the changed rate, so it leaves the closed form.
func TestCosineAnnealingRecursive(t *testing.T) {
	closed := func(k int) float64 { return 0.01 + (1-0.01)*(1+math.Cos(math.Pi*float64(k)/10))/2 }
	g := NewGroup(1)
	cos, _ := NewCosineAnnealingLR(g, 10, 0.01)
	for k := range 35 {
		if math.Abs(cos.LR()-closed(k)) > 1e-14 {
			t.Errorf("alone, step %d: %.17g, closed form %.17g", k, cos.LR(), closed(k))
		}
		_ = cos.Step()
	}
	g2 := NewGroup(1)
	cos2, _ := NewCosineAnnealingLR(g2, 10, 0.01)
	_ = cos2.Step()
	_ = cos2.Step()
	g2.LR *= 0.5 // e.g. a manual change, or another scheduler
	_ = cos2.Step()
	// (1 + cos(3pi/10)) / (1 + cos(2pi/10)) * (lr_2/2 - eta_min) + eta_min
	want := (1+math.Cos(3*math.Pi/10))/(1+math.Cos(2*math.Pi/10))*(closed(2)/2-0.01) + 0.01
	if math.Abs(cos2.LR()-want) > 1e-15 || math.Abs(cos2.LR()-closed(3)) < 0.1 {
		t.Errorf("after halving: %.17g, want the recursion's %.17g (closed form %.17g)", cos2.LR(), want, closed(3))
	}
}

// TestStepping checks the adapter from pure schedules to the stepping interface.
func TestStepping(t *testing.T) {
	lin, _ := Linear(1, 0, 4, 0)
	s := Stepping(lin)
	lr, mom, err := Values(s, 6, nil)
	if err != nil || mom != nil {
		t.Fatal(err, mom)
	}
	for k, v := range lr {
		if v != lin.Value(k) {
			t.Errorf("step %d: %v, want %v", k, v, lin.Value(k))
		}
	}
	if err := s.Step(1); err == nil {
		t.Error("Stepping.Step(metric): no error")
	}
	if _, _, err := Values(s, -1, nil); err == nil {
		t.Error("Values(-1 steps): no error")
	}
}

// TestChainedWithPlateau checks the extension that lets ChainedScheduler hold a
// ReduceLROnPlateau: both act on the shared rate, the plateau child gets the metric.
func TestChainedWithPlateau(t *testing.T) {
	g := NewGroup(1)
	exp, _ := NewExponentialLR(g, 0.9)
	cfg := DefaultPlateauConfig()
	cfg.Patience, cfg.Factor = 0, 0.5
	plateau, err := NewReduceLROnPlateau(g, cfg)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := NewChainedScheduler(exp, plateau)
	if err != nil {
		t.Fatal(err)
	}
	if !chain.NeedsMetric() {
		t.Fatal("chain with a plateau child does not need a metric")
	}
	if err := chain.Step(); err == nil {
		t.Error("Step() without the metric: no error")
	}
	// metric 1 (an improvement on +inf): 0.9; metric 1 again (no improvement, patience 0):
	// 0.9 * 0.9 then halved.
	for k, want := range []float64{0.9, 0.9 * 0.9 * 0.5} {
		if err := chain.Step(1); err != nil {
			t.Fatal(err)
		}
		if math.Abs(chain.LR()-want) > 1e-16 {
			t.Errorf("after step %d: lr %v, want %v", k+1, chain.LR(), want)
		}
	}
}
