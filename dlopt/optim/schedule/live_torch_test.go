package schedule

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"testing"
)

// torchPython is Debian's Python, which has python3-torch 1.13 (scripts/install.sh).
const torchPython = "/usr/bin/python3"

// liveSpec is one random scheduler configuration, in `dlopt schedule`'s spec format.
type liveSpec struct {
	Class   string         `json:"class"`
	Kwargs  map[string]any `json:"kwargs"`
	BaseLR  float64        `json:"base_lr"`
	Steps   int            `json:"steps"`
	Metrics []float64      `json:"metrics,omitempty"`
}

// randomKwargs draws valid keyword arguments for a basic torch class, for runs of `steps` steps.
func randomKwargs(r *rand.Rand, class string, steps int) map[string]any {
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
	n := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	switch class {
	case "StepLR":
		return map[string]any{"step_size": n(1, 9), "gamma": u(0.05, 1.5)}
	case "MultiStepLR":
		ms := []int{n(0, 5)}
		for range n(0, 4) {
			ms = append(ms, ms[len(ms)-1]+n(0, 12))
		}
		return map[string]any{"milestones": ms, "gamma": u(0.05, 0.99)}
	case "ConstantLR":
		return map[string]any{"factor": u(0.01, 1), "total_iters": n(1, 20)}
	case "LinearLR":
		return map[string]any{"start_factor": u(0.01, 1), "end_factor": u(0, 1), "total_iters": n(1, 30)}
	case "ExponentialLR":
		return map[string]any{"gamma": u(0.8, 1.05)}
	case "PolynomialLR":
		return map[string]any{"total_iters": n(1, 40), "power": u(0, 3)}
	case "CosineAnnealingLR":
		return map[string]any{"T_max": n(1, 30), "eta_min": u(0, 0.01)}
	case "CosineAnnealingWarmRestarts":
		return map[string]any{"T_0": n(1, 12), "T_mult": n(1, 3), "eta_min": u(0, 0.01)}
	case "CyclicLR":
		kw := map[string]any{"base_lr": u(0.001, 0.05), "max_lr": u(0.05, 1), "step_size_up": n(1, 10),
			"mode": []string{"triangular", "triangular2", "exp_range"}[r.IntN(3)], "gamma": u(0.8, 1),
			"cycle_momentum": r.IntN(2) == 0, "base_momentum": u(0.5, 0.85), "max_momentum": u(0.85, 0.99)}
		if r.IntN(2) == 0 {
			kw["step_size_down"] = n(1, 10)
		}
		return kw
	case "OneCycleLR":
		return map[string]any{"max_lr": u(0.01, 2), "total_steps": steps + n(0, 10), "pct_start": u(0.05, 0.95),
			"anneal_strategy": []string{"cos", "linear"}[r.IntN(2)], "three_phase": r.IntN(2) == 0,
			"cycle_momentum": r.IntN(2) == 0, "base_momentum": u(0.5, 0.85), "max_momentum": u(0.85, 0.99),
			"div_factor": u(2, 50), "final_div_factor": u(10, 1e5)}
	case "ReduceLROnPlateau":
		return map[string]any{"mode": []string{"min", "max"}[r.IntN(2)], "factor": u(0, 0.99), "patience": n(0, 5),
			"threshold": u(0, 0.05), "threshold_mode": []string{"rel", "abs"}[r.IntN(2)], "cooldown": n(0, 4),
			"min_lr": u(0, 0.01), "eps": []float64{0, 1e-8, 1e-3}[r.IntN(3)]}
	}
	panic("no generator for " + class)
}

var basicClasses = []string{"StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
	"CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR"}

func randomSpec(r *rand.Rand) liveSpec {
	s := liveSpec{BaseLR: 0.01 + r.Float64(), Steps: 20 + r.IntN(60)}
	pick := func() []any {
		c := basicClasses[r.IntN(len(basicClasses))]
		return []any{c, randomKwargs(r, c, s.Steps)}
	}
	switch k := r.IntN(len(basicClasses) + 3); {
	case k < len(basicClasses):
		s.Class = basicClasses[k]
		s.Kwargs = randomKwargs(r, s.Class, s.Steps)
	case k == len(basicClasses):
		s.Class = "ReduceLROnPlateau"
		s.Kwargs = randomKwargs(r, s.Class, s.Steps)
		v := 1.0
		for range s.Steps { // a noisy walk with flat stretches, so that patience and cooldown matter
			if r.IntN(3) > 0 {
				v += 0.05 * (r.Float64() - 0.6)
			}
			s.Metrics = append(s.Metrics, v)
		}
	case k == len(basicClasses)+1:
		s.Class = "SequentialLR"
		kids := []any{pick()}
		ms := []int{}
		for last := 0; len(kids) < 4 && r.IntN(3) > 0; {
			last += 1 + r.IntN(s.Steps/2)
			ms = append(ms, last)
			kids = append(kids, pick())
		}
		s.Kwargs = map[string]any{"schedulers": kids, "milestones": ms}
	default:
		s.Class = "ChainedScheduler"
		kids := []any{pick(), pick()}
		if r.IntN(2) == 0 {
			kids = append(kids, pick())
		}
		s.Kwargs = map[string]any{"schedulers": kids}
	}
	return s
}

// TestLiveTorch draws 300 seeded random configurations of every class (composites included),
// runs them in Debian's torch 1.13 and here, and compares every value: the schedulers must
// agree with torch on configurations nobody chose, not only on the recorded oracle.
func TestLiveTorch(t *testing.T) {
	if err := exec.Command(torchPython, "-c", "import torch").Run(); err != nil {
		t.Skipf("%s with torch is not available (make setup installs python3-torch): %v", torchPython, err)
	}
	r := rand.New(rand.NewPCG(2026, 11))
	specs := make([]liveSpec, 300)
	for i := range specs {
		specs[i] = randomSpec(r)
	}
	results := runTorchLive(t, specs)
	worst, torchErrors := 0.0, 0
	for i, spec := range specs {
		// Go sees the kwargs as decoded JSON, as the command line does.
		var kw map[string]any
		raw, _ := json.Marshal(spec.Kwargs)
		_ = json.Unmarshal(raw, &kw)
		s, err := FromTorch(spec.Class, kw, spec.BaseLR)
		var lr, mom []float64
		if err == nil {
			lr, mom, err = Values(s, spec.Steps, spec.Metrics)
		}
		want := results[i]
		if want.Error != "" || err != nil {
			torchErrors++
			if want.Error == "" || err == nil {
				t.Errorf("spec %d %s %s: torch error %q, Go error %v", i, spec.Class, raw, want.Error, err)
			}
			continue
		}
		for k := range want.LR {
			e := relErr(lr[k], want.LR[k])
			worst = max(worst, e)
			if !(e <= 1e-12) {
				t.Errorf("spec %d %s %s: lr[%d] = %.17g, torch %.17g", i, spec.Class, raw, k, lr[k], want.LR[k])
				break
			}
		}
		if mom != nil {
			for k := range want.Momentum {
				if e := relErr(mom[k], want.Momentum[k]); !(e <= 1e-12) {
					t.Errorf("spec %d %s %s: momentum[%d] = %.17g, torch %.17g", i, spec.Class, raw, k, mom[k], want.Momentum[k])
					break
				}
			}
		}
	}
	t.Logf("%d random configurations, %d rejected by both torch and Go, worst relative error %.3g", len(specs), torchErrors, worst)
	if torchErrors > len(specs)/10 {
		t.Errorf("%d of %d random configurations failed: the generator should draw valid ones", torchErrors, len(specs))
	}
}

// liveResult is what testdata/torch_live.py computes for one liveSpec.
type liveResult struct {
	LR, Momentum []float64
	Error        string
}

// runTorchLive runs specs in Debian's torch through testdata/torch_live.py: one result each.
func runTorchLive(t *testing.T, specs []liveSpec) []liveResult {
	t.Helper()
	in, err := json.Marshal(specs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(torchPython, "testdata/torch_live.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("torch_live.py: %v\n%s", err, stderr.String())
	}
	var results []liveResult
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(specs) {
		t.Fatalf("torch_live.py output: %v (%d results for %d specs)", err, len(results), len(specs))
	}
	return results
}
