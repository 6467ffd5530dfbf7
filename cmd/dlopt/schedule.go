package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dlopt/course/dlopt/optim/schedule"
)

func init() {
	register("schedule", command{summary: "evaluate a torch learning-rate scheduler (JSON spec in, JSON values out)", run: runSchedule})
}

// scheduleStdin is where --spec - reads from (a variable so that tests can feed it).
var scheduleStdin io.Reader = os.Stdin

// scheduleSpec is the input of `dlopt schedule`, in the shape of the torch oracle's entries.
type scheduleSpec struct {
	// Library is "torch" (the default) or "optax"; for optax, Class is the schedule's public
	// name (e.g. "warmup_cosine_decay_schedule") and base_lr is not used.
	Library string         `json:"library"`
	Class   string         `json:"class"`
	Kwargs  map[string]any `json:"kwargs"`
	BaseLR  *float64       `json:"base_lr"`
	Steps   *int           `json:"steps"`
	// Metrics[t] is passed to ReduceLROnPlateau after step t.
	Metrics []float64 `json:"metrics"`
	// SequentialLR and ChainedScheduler may take these at the top level instead of in kwargs.
	Schedulers json.RawMessage `json:"schedulers"`
	Milestones json.RawMessage `json:"milestones"`
	// Name is ignored (the oracle entries carry one).
	Name string `json:"name"`
}

const scheduleHelp = `usage: dlopt schedule --spec FILE   (FILE "-" reads standard input)

FILE is JSON: {"class": NAME, "kwargs": {...}, "base_lr": x, "steps": N, "metrics": [...]}
with NAME a torch.optim.lr_scheduler class (torch's keyword names and defaults). SequentialLR and
ChainedScheduler take "schedulers": [[NAME, {kwargs}], ...] (and SequentialLR "milestones"), in
kwargs or at the top level. ReduceLROnPlateau needs one metric per step.
With "library": "optax", NAME is an optax schedule (e.g. "warmup_cosine_decay_schedule") with
optax's keywords, and the values are the schedule at steps 0..N-1 (no base_lr).

Output: {"lr": [...]}, the learning rate in force at steps 0..N-1 (read before optimizer.step(),
scheduler.step() after each step), plus "momentum" when CyclicLR/OneCycleLR cycle it.
`

func runSchedule(args []string, stdout, stderr io.Writer) int {
	const cmd = "dlopt schedule"
	fs := newFlagSet(cmd)
	fs.Usage = func() { fmt.Fprint(stderr, scheduleHelp); fs.PrintDefaults() }
	specPath := fs.String("spec", "", `JSON spec file, or "-" for standard input`)
	if code, stop := parseFlags(fs, args, stderr); stop {
		return code
	}
	if err := unexpectedArgs(fs); err != nil {
		return fail(stderr, cmd, err)
	}
	if *specPath == "" {
		return fail(stderr, cmd, usagef("--spec FILE is required (\"-\" reads stdin)"))
	}
	// The values are a function of the spec alone: every error is the spec's.
	out, err := evalScheduleSpec(*specPath)
	if err != nil {
		return fail(stderr, cmd, asUsage(err))
	}
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(out); err != nil {
		return fail(stderr, cmd, err)
	}
	return 0
}

type scheduleOutput struct {
	LR       []float64 `json:"lr"`
	Momentum []float64 `json:"momentum,omitempty"`
}

func evalScheduleSpec(path string) (*scheduleOutput, error) {
	var raw []byte
	var err error
	if path == "-" {
		raw, err = io.ReadAll(scheduleStdin)
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var spec scheduleSpec
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("spec %s: %w (fields: class, kwargs, base_lr, steps, metrics, schedulers, milestones)", path, err)
	}
	switch spec.Library {
	case "", "torch":
	case "optax":
		return evalOptaxSpec(path, &spec)
	default:
		return nil, fmt.Errorf("spec %s: library=%q must be \"torch\" or \"optax\"", path, spec.Library)
	}
	switch {
	case spec.Class == "":
		return nil, fmt.Errorf("spec %s: \"class\" is required (one of %s)", path, strings.Join(schedule.TorchNames(), ", "))
	case spec.BaseLR == nil:
		return nil, fmt.Errorf("spec %s: \"base_lr\" (the optimizer's learning rate) is required", path)
	case spec.Steps == nil:
		return nil, fmt.Errorf("spec %s: \"steps\" is required", path)
	case *spec.Steps < 0 || *spec.Steps > 10_000_000:
		return nil, fmt.Errorf("spec %s: steps=%d must be in [0, 10000000]", path, *spec.Steps)
	}
	kwargs := map[string]any{}
	for k, v := range spec.Kwargs {
		kwargs[k] = v
	}
	for _, top := range []struct {
		name string
		raw  json.RawMessage
	}{{"schedulers", spec.Schedulers}, {"milestones", spec.Milestones}} {
		if top.raw == nil {
			continue
		}
		if _, dup := kwargs[top.name]; dup {
			return nil, fmt.Errorf("spec %s: %q given both at the top level and in kwargs", path, top.name)
		}
		var v any
		if err := json.Unmarshal(top.raw, &v); err != nil {
			return nil, fmt.Errorf("spec %s: %s: %w", path, top.name, err)
		}
		kwargs[top.name] = v
	}
	s, err := schedule.FromTorch(spec.Class, kwargs, *spec.BaseLR)
	if err != nil {
		return nil, err
	}
	if s.NeedsMetric() {
		if len(spec.Metrics) < *spec.Steps {
			return nil, fmt.Errorf("spec %s: %s needs one metric per step: \"metrics\" has %d values for %d steps", path, spec.Class, len(spec.Metrics), *spec.Steps)
		}
	} else if spec.Metrics != nil {
		return nil, fmt.Errorf("spec %s: %s takes no metrics (only ReduceLROnPlateau does)", path, spec.Class)
	}
	lr, momentum, err := schedule.Values(s, *spec.Steps, spec.Metrics)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Class, err)
	}
	return &scheduleOutput{LR: lr, Momentum: momentum}, nil
}

// evalOptaxSpec evaluates an optax schedule at steps 0..steps-1.
func evalOptaxSpec(path string, spec *scheduleSpec) (*scheduleOutput, error) {
	switch {
	case spec.Class == "":
		return nil, fmt.Errorf("spec %s: \"class\" is required (one of %s)", path, strings.Join(schedule.OptaxNames(), ", "))
	case spec.Steps == nil:
		return nil, fmt.Errorf("spec %s: \"steps\" is required", path)
	case *spec.Steps < 0 || *spec.Steps > 10_000_000:
		return nil, fmt.Errorf("spec %s: steps=%d must be in [0, 10000000]", path, *spec.Steps)
	case spec.BaseLR != nil || spec.Metrics != nil || spec.Schedulers != nil || spec.Milestones != nil:
		return nil, fmt.Errorf("spec %s: optax schedules take only class, kwargs and steps (base_lr, metrics, schedulers and milestones are torch's)", path)
	}
	s, err := schedule.FromOptax(spec.Class, spec.Kwargs)
	if err != nil {
		return nil, err
	}
	return &scheduleOutput{LR: schedule.ScheduleValues(s, *spec.Steps)}, nil
}
