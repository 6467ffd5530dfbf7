package schedule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The keyword tests of the schedules: every keyword a torch scheduler class or an optax schedule
// reads is checked at a non-default value against an independent reference (torch 1.13, live
// or recorded, for torch; a plain-Python implementation written from optax's source for optax),
// and the table in testdata/keyword-references.md lists which.

// optaxScheduleCases give every optax keyword a non-default value; TestScheduleKeywordTable
// checks that dropping each one changes the values (or is an error: a required keyword).
var optaxScheduleCases = []struct {
	name   string
	kwargs string
}{
	{"constant_schedule", `{"value": 0.3}`},
	{"linear_schedule", `{"init_value": 1, "end_value": 0.1, "transition_steps": 30, "transition_begin": 5}`},
	{"polynomial_schedule", `{"init_value": 1, "end_value": 0.1, "power": 2.5, "transition_steps": 30, "transition_begin": 5}`},
	{"cosine_decay_schedule", `{"init_value": 0.5, "decay_steps": 40, "alpha": 0.1, "exponent": 2}`},
	{"exponential_decay", `{"init_value": 1, "transition_steps": 7, "decay_rate": 0.5, "transition_begin": 3, "staircase": true, "end_value": 0.05}`},
	{"piecewise_constant_schedule", `{"init_value": 1, "boundaries_and_scales": {"10": 0.5, "30": 0.1}}`},
	{"piecewise_interpolate_schedule", `{"interpolate_type": "cosine", "init_value": 1, "boundaries_and_scales": {"10": 0.5, "30": 0.1}}`},
	{"piecewise_interpolate_schedule", `{"interpolate_type": "linear", "init_value": 2, "boundaries_and_scales": {"5": 3, "40": 0.01}}`},
	{"warmup_constant_schedule", `{"init_value": 0.1, "peak_value": 1, "warmup_steps": 10}`},
	{"warmup_cosine_decay_schedule", `{"init_value": 0.1, "peak_value": 1, "warmup_steps": 10, "decay_steps": 60, "end_value": 0.01, "exponent": 2}`},
	{"warmup_exponential_decay_schedule", `{"init_value": 0.1, "peak_value": 1, "warmup_steps": 10, "transition_steps": 5, "decay_rate": 0.8,
		"transition_begin": 4, "staircase": true, "end_value": 0.2}`},
	{"linear_onecycle_schedule", `{"transition_steps": 60, "peak_value": 1, "pct_start": 0.2, "pct_final": 0.7, "div_factor": 10, "final_div_factor": 100}`},
	{"cosine_onecycle_schedule", `{"transition_steps": 60, "peak_value": 1, "pct_start": 0.25, "div_factor": 10, "final_div_factor": 100}`},
	{"sgdr_schedule", `{"cosine_kwargs": [{"init_value": 0.1, "peak_value": 1, "warmup_steps": 2, "decay_steps": 20},
		{"init_value": 0, "peak_value": 0.5, "warmup_steps": 3, "decay_steps": 30, "end_value": 0.05, "exponent": 2}]}`},
	{"join_schedules", `{"schedules": [["linear_schedule", {"init_value": 0, "end_value": 1, "transition_steps": 5}],
		["cosine_decay_schedule", {"init_value": 1, "decay_steps": 50}]], "boundaries": [5]}`},
}

const scheduleSteps = 90

// optaxValues builds name from kwargs and returns its values at steps 0..scheduleSteps-1.
func optaxValues(name string, kw map[string]any) ([]float64, error) {
	s, err := FromOptax(name, kw)
	if err != nil {
		return nil, err
	}
	out := make([]float64, scheduleSteps)
	for k := range out {
		out[k] = s.Value(k)
	}
	return out, nil
}

func decodeKwargs(t *testing.T, s string) map[string]any {
	t.Helper()
	var kw map[string]any
	if err := json.Unmarshal([]byte(s), &kw); err != nil {
		t.Fatal(err)
	}
	return kw
}

// TestOptaxSchedulesAgainstPython compares every case of optaxScheduleCases with the plain
// Python implementation written from optax's source, at 1e-12 relative (both in float64).
func TestOptaxSchedulesAgainstPython(t *testing.T) {
	if err := exec.Command(torchPython, "-c", "import json, math").Run(); err != nil {
		t.Skipf("%s is not available: %v", torchPython, err)
	}
	type pyCase struct {
		Name   string         `json:"name"`
		Kwargs map[string]any `json:"kwargs"`
	}
	spec := struct {
		Steps int      `json:"steps"`
		Cases []pyCase `json:"cases"`
	}{Steps: scheduleSteps}
	for _, c := range optaxScheduleCases {
		spec.Cases = append(spec.Cases, pyCase{c.name, decodeKwargs(t, c.kwargs)})
	}
	in, _ := json.Marshal(spec)
	cmd := exec.Command(torchPython, "testdata/optax_schedules_numpy.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var res struct{ Values [][]float64 }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	for i, c := range optaxScheduleCases {
		got, err := optaxValues(c.name, spec.Cases[i].Kwargs)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		checkSeries(t, c.name+" "+c.kwargs, got, res.Values[i], 1e-12)
	}
}

// torchValues builds class from kwargs on baseLR and returns its learning rates, then its
// momenta if it cycles them, over steps steps fed metrics (nil: a fixed noisy walk, for
// ReduceLROnPlateau).
func torchValues(class string, kw map[string]any, baseLR float64, steps int, metrics []float64) ([]float64, error) {
	s, err := FromTorch(class, kw, baseLR)
	if err != nil {
		return nil, err
	}
	if metrics == nil {
		r := rand.New(rand.NewPCG(1, 2))
		v := 1.0
		for range steps {
			if r.IntN(3) > 0 {
				v += 0.05 * (r.Float64() - 0.6)
			}
			metrics = append(metrics, v)
		}
	}
	lr, mom, err := Values(s, steps, metrics)
	return append(lr, mom...), err
}

// asJSON returns kw as decoded JSON (the form the command line gives), keeping Go functions
// (the oracle's lambdas) as they are.
func asJSON(kw map[string]any) map[string]any {
	raw, err := json.Marshal(kw)
	if err != nil {
		return kw
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// liveExtraSpecs are configurations TestLiveTorch's generator does not draw, run in torch 1.13
// by TestScheduleKeywordsLive: OneCycleLR sized by epochs and steps_per_epoch.
var liveExtraSpecs = []liveSpec{
	{Class: "OneCycleLR", Kwargs: map[string]any{"max_lr": 0.8, "epochs": 4, "steps_per_epoch": 10, "pct_start": 0.4}, BaseLR: 0.1, Steps: 40},
	{Class: "OneCycleLR", Kwargs: map[string]any{"max_lr": 0.8, "epochs": 3, "steps_per_epoch": 12, "anneal_strategy": "linear",
		"cycle_momentum": false}, BaseLR: 0.1, Steps: 36},
}

// TestScheduleKeywordsLive runs liveExtraSpecs in Debian's torch 1.13 and compares every value.
func TestScheduleKeywordsLive(t *testing.T) {
	if err := exec.Command(torchPython, "-c", "import torch").Run(); err != nil {
		t.Skipf("%s with torch is not available: %v", torchPython, err)
	}
	results := runTorchLive(t, liveExtraSpecs)
	for i, spec := range liveExtraSpecs {
		if results[i].Error != "" {
			t.Fatalf("%s %v: torch error %s", spec.Class, spec.Kwargs, results[i].Error)
		}
		s, err := FromTorch(spec.Class, asJSON(spec.Kwargs), spec.BaseLR)
		if err != nil {
			t.Fatal(err)
		}
		lr, mom, err := Values(s, spec.Steps, spec.Metrics)
		if err != nil {
			t.Fatal(err)
		}
		checkSeries(t, fmt.Sprint(spec.Class, spec.Kwargs, " lr"), lr, results[i].LR, 1e-12)
		if mom != nil { // torch reports the group's momentum also when it is not cycled
			checkSeries(t, fmt.Sprint(spec.Class, spec.Kwargs, " momentum"), mom, results[i].Momentum, 1e-12)
		}
	}
}

// scheduleNoEffect are the keywords that cannot change values here, with a value to try: it
// must be accepted without effect, or rejected with an error naming the keyword.
var scheduleNoEffect = map[string]any{"verbose": true, "last_epoch": 3}

// TestScheduleKeywordTable checks that every keyword of every torch class and optax schedule
// has a reference: for torch, the oracle entries (torch 1.13, recorded) and the configurations
// TestLiveTorch draws (torch 1.13, live), counted where dropping the keyword changes the
// values; for optax, optaxScheduleCases (compared with Python by
// TestOptaxSchedulesAgainstPython), likewise; verbose and last_epoch by a no-effect check.
func TestScheduleKeywordTable(t *testing.T) {
	refs := map[string]map[string]bool{}
	add := func(id, ref string) {
		if refs[id] == nil {
			refs[id] = map[string]bool{}
		}
		refs[id][ref] = true
	}
	counts := func(values func(map[string]any) ([]float64, error), kw map[string]any, key string) bool {
		base, err := values(kw)
		if err != nil {
			return false
		}
		without := maps.Clone(kw)
		delete(without, key)
		other, err := values(without)
		return err != nil || !slices.Equal(base, other)
	}
	torchCase := func(class string, kw map[string]any, baseLR float64, steps int, metrics []float64, ref string) {
		values := func(m map[string]any) ([]float64, error) { return torchValues(class, m, baseLR, steps, metrics) }
		for key := range kw {
			if counts(values, kw, key) {
				add("torch/"+class+"/"+key, ref)
			}
		}
	}
	for _, file := range []string{"testdata/schedules-torch1.13.json", "testdata/schedules-extra-torch1.13.json"} {
		for _, e := range loadOracle(t, file) {
			torchCase(e.Class, withLambdas(t, e.Kwargs), e.BaseLR, e.Steps, e.Metrics, "torch 1.13 oracle")
		}
	}
	r := rand.New(rand.NewPCG(2026, 11)) // TestLiveTorch's draws
	for range 300 {
		s := randomSpec(r)
		torchCase(s.Class, asJSON(s.Kwargs), s.BaseLR, s.Steps, s.Metrics, "torch 1.13 live (TestLiveTorch)")
	}
	for _, s := range liveExtraSpecs {
		torchCase(s.Class, asJSON(s.Kwargs), s.BaseLR, s.Steps, s.Metrics, "torch 1.13 live (TestScheduleKeywordsLive)")
	}
	for _, c := range optaxScheduleCases {
		kw := decodeKwargs(t, c.kwargs)
		values := func(m map[string]any) ([]float64, error) { return optaxValues(c.name, m) }
		for key := range kw {
			if counts(values, kw, key) {
				add("optax/"+c.name+"/"+key, "Python from optax source")
			} else {
				t.Errorf("%s %s: dropping %q changes nothing: the value is the default or not read", c.name, c.kwargs, key)
			}
		}
	}
	var rows, missing []string
	check := func(lib, name string, keywords []string, minimal map[string]any) {
		for _, key := range keywords {
			id := lib + "/" + name + "/" + key
			if v, ok := scheduleNoEffect[key]; ok && refs[id] == nil {
				base, err := torchValues(name, minimal, 0.5, scheduleSteps, nil)
				if err != nil {
					t.Fatalf("%s %v: %v", name, minimal, err)
				}
				given := maps.Clone(minimal)
				given[key] = v
				got, err := torchValues(name, given, 0.5, scheduleSteps, nil)
				switch {
				case err != nil && strings.Contains(err.Error(), key):
					add(id, "only the default accepted (checked)")
				case err != nil:
					t.Errorf("%s = %v: %v", id, v, err)
				case !slices.Equal(got, base):
					t.Errorf("%s = %v changes the values", id, v)
				default:
					add(id, "accepted, no effect (checked)")
				}
			}
			if refs[id] == nil {
				missing = append(missing, id)
				continue
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", lib, name, key, strings.Join(slices.Sorted(maps.Keys(refs[id])), "; ")))
		}
	}
	minimalTorch := map[string]map[string]any{
		"LambdaLR": {"lr_lambda": func(int) float64 { return 1 }}, "MultiplicativeLR": {"lr_lambda": func(int) float64 { return 1 }},
		"StepLR": {"step_size": 3}, "MultiStepLR": {"milestones": []any{3}}, "ConstantLR": {}, "LinearLR": {}, "ExponentialLR": {"gamma": 0.9},
		"PolynomialLR": {}, "CosineAnnealingLR": {"T_max": 10}, "CosineAnnealingWarmRestarts": {"T_0": 5},
		"CyclicLR": {"base_lr": 0.1, "max_lr": 1}, "OneCycleLR": {"max_lr": 1, "total_steps": scheduleSteps},
		"ReduceLROnPlateau": {}, "SequentialLR": {"schedulers": []any{[]any{"StepLR", map[string]any{"step_size": 3}}}, "milestones": []any{}},
		"ChainedScheduler": {"schedulers": []any{[]any{"StepLR", map[string]any{"step_size": 3}}}},
	}
	for _, name := range TorchNames() {
		keywords := slices.Clone(torchClasses[name].keywords)
		if !classesWithoutCommon[name] {
			keywords = append(keywords, "last_epoch", "verbose")
		} else if name == "ReduceLROnPlateau" {
			keywords = append(keywords, "verbose")
		}
		sort.Strings(keywords)
		check("torch", name, keywords, minimalTorch[name])
	}
	for _, name := range OptaxNames() {
		keywords := slices.Sorted(slices.Values(optaxSchedules[name].keywords))
		check("optax", name, keywords, nil)
	}
	if len(missing) > 0 {
		t.Errorf("%d schedule keywords have no reference (add a case, or a draw to TestLiveTorch):\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
	table := "# Schedule keyword references\n\n" +
		"Every keyword a torch scheduler class or an optax schedule reads, and what checks it at a non-default value.\n" +
		"Generated by TestScheduleKeywordTable (dlopt/optim/schedule/keywords_test.go); " +
		"`DLOPT_UPDATE_KEYWORDS=1 go test -run TestScheduleKeywordTable ./dlopt/optim/schedule` rewrites it.\n\n" +
		"| library | schedule | keyword | reference |\n|---|---|---|---|\n" + strings.Join(rows, "\n") + "\n"
	const file = "testdata/keyword-references.md"
	if os.Getenv("DLOPT_UPDATE_KEYWORDS") == "1" {
		if err := os.WriteFile(file, []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if old, err := os.ReadFile(file); err != nil || string(old) != table {
		t.Errorf("%s is stale or missing (%v): rerun with DLOPT_UPDATE_KEYWORDS=1 and review the diff", file, err)
	}
}
