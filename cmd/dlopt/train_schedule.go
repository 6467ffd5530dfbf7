package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/dlopt/course/dlopt/experiment"
	"github.com/dlopt/course/dlopt/optim"
)

// scheduleFlags are the flags of `dlopt train` that refine the learning-rate schedule.
type scheduleFlags struct {
	warmup *int
	epochs *int
	spec   *string
}

// apply sets the schedule fields of cfg from the flags and returns a usage problem, if any.
func (f scheduleFlags) apply(cfg *experiment.Config, fs *flag.FlagSet) string {
	cfg.Warmup, cfg.ScheduleEpochs = *f.warmup, *f.epochs
	if *f.spec == "" {
		return ""
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if given["schedule"] {
		return fmt.Sprintf("--schedule %s and --schedule-spec are both given: give one", cfg.Schedule)
	}
	var spec experiment.ScheduleSpec
	dec := json.NewDecoder(strings.NewReader(*f.spec))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil || dec.More() {
		return fmt.Sprintf("--schedule-spec %q is not a JSON object with library, class and kwargs: %v", *f.spec, err)
	}
	cfg.Schedule, cfg.LRSchedule = "", &spec
	if spec.Library == optim.Optax && !given["lr"] {
		cfg.LearningRate = 0 // the optax schedule gives the rate
	}
	return ""
}

// extensionNote says, for a resumed run whose number of epochs or schedule horizon changed,
// what happens to the schedule: kept (with its horizon) or re-planned. It is empty when neither
// changed.
func extensionNote(cfg experiment.Config) string {
	ck, err := experiment.ReadCheckpoint(cfg.Checkpoint.From)
	if err != nil {
		return ""
	}
	was, now := ck.Config.ScheduleHorizon(), cfg.ScheduleHorizon()
	if ck.Config.Epochs == cfg.Epochs && was == now {
		return ""
	}
	verb := "extending"
	if cfg.Epochs < ck.Config.Epochs {
		verb = "shortening"
	}
	note := fmt.Sprintf("%s the run from %d to %d epochs (%d done)", verb, ck.Config.Epochs, cfg.Epochs, ck.Epochs)
	if ck.Config.Epochs == cfg.Epochs {
		note = fmt.Sprintf("continuing the run of %d epochs (%d done)", cfg.Epochs, ck.Epochs)
	}
	switch {
	case was == 0:
		note += fmt.Sprintf("; the %s is a function of the step, unchanged", experiment.ScheduleDescription(cfg))
	case was == now && now < cfg.Epochs:
		note += fmt.Sprintf("; the %s schedule keeps its horizon of %d epochs: the learning rate is 0 after it, "+
			"from epoch %d on (--schedule-epochs %d re-plans it over the new epochs)", cfg.Schedule, was, was+1, cfg.Epochs)
	case was == now:
		note += fmt.Sprintf("; the %s schedule keeps its horizon of %d epochs", cfg.Schedule, was)
	default:
		note += fmt.Sprintf("; the %s schedule is re-planned over %d epochs (it spanned %d): the learning rate jumps where the run resumes",
			cfg.Schedule, now, was)
	}
	return note
}
