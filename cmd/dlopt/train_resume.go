package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/dlopt/course/dlopt/experiment"
)

// checkpointsDir is where `dlopt train` keeps checkpoints, under --out.
const checkpointsDir = "checkpoints"

// checkpointFlags are the flags of `dlopt train` about checkpoints and resuming.
type checkpointFlags struct {
	every  *int
	off    *bool
	resume *bool
	from   *string
}

// trainingFlags give, for every flag that sets a field of experiment.Config, that field's
// value in the flag's own notation: on --resume a given flag must agree with the checkpoint.
var trainingFlags = map[string]func(experiment.Config) string{
	"model": func(c experiment.Config) string { return c.Model },
	"hidden": func(c experiment.Config) string {
		return strings.Trim(strings.Join(strings.Fields(fmt.Sprint(c.Hidden)), ","), "[]")
	},
	"optimizer": func(c experiment.Config) string { return c.Optimizer },
	"opt-args": func(c experiment.Config) string {
		if len(c.OptimizerArgs) == 0 {
			return "{}"
		}
		b, _ := json.Marshal(c.OptimizerArgs) // keys sorted: the same arguments give the same text
		return string(b)
	},
	"lr":          func(c experiment.Config) string { return strconv.FormatFloat(c.LearningRate, 'g', -1, 64) },
	"schedule":    func(c experiment.Config) string { return c.Schedule },
	"epochs":      func(c experiment.Config) string { return strconv.Itoa(c.Epochs) },
	"batch":       func(c experiment.Config) string { return strconv.Itoa(c.BatchSize) },
	"seed":        func(c experiment.Config) string { return strconv.FormatInt(c.Seed, 10) },
	"norm":        func(c experiment.Config) string { return c.Normalization },
	"dtype":       func(c experiment.Config) string { return strings.ToLower(c.DType.String()) },
	"backend":     func(c experiment.Config) string { return c.Backend },
	"train-limit": func(c experiment.Config) string { return strconv.Itoa(c.TrainLimit) },
	"test-limit":  func(c experiment.Config) string { return strconv.Itoa(c.TestLimit) },

	// The schedule and the starting weights (issue 22).
	"warmup":    func(c experiment.Config) string { return strconv.Itoa(c.Warmup) },
	"init-from": func(c experiment.Config) string { return c.InitFrom },
	"schedule-spec": func(c experiment.Config) string {
		if c.LRSchedule == nil {
			return ""
		}
		return c.LRSchedule.String()
	},
	// May change on --resume (see resumeChangeable).
	"schedule-epochs": func(c experiment.Config) string { return strconv.Itoa(c.ScheduleEpochs) },
	"allow-nonfinite": func(c experiment.Config) string { return strconv.FormatBool(c.AllowNonFinite) },
}

// apply sets cfg.Checkpoint from the flags. On --resume it replaces cfg (built from the flags)
// by the checkpoint's configuration, after checking that every training flag given agrees with
// it, but for those of resumeChangeable: --epochs N extends the run to N epochs, keeping the
// horizon of a decaying schedule unless --schedule-epochs re-plans it. It returns an exit code
// (2: usage, 1: failure) and a message when the command must stop.
func (f checkpointFlags) apply(cfg *experiment.Config, fs *flag.FlagSet, out string, stderr io.Writer) (int, string) {
	dir := filepath.Join(out, checkpointsDir)
	resuming := *f.resume || *f.from != ""
	if *f.off && (resuming || *f.every != 0) {
		return 2, "--no-checkpoint contradicts --resume, --resume-from and --checkpoint-every"
	}
	if *f.off {
		return 0, ""
	}
	cfg.Checkpoint = experiment.Checkpointing{Dir: dir, Every: *f.every}
	if !resuming {
		latest, err := experiment.LatestCheckpoint(dir)
		if err != nil {
			return 1, fmt.Sprintf("--out %s: %v", out, err)
		}
		if latest != "" {
			return 2, fmt.Sprintf("--out %s already holds checkpoints of a run (newest %s): continue it with `%s`, or choose another --out",
				out, latest, f.resumeCommand(out))
		}
		return 0, ""
	}
	path := *f.from
	if path == "" {
		latest, err := experiment.LatestCheckpoint(dir)
		if err != nil {
			return 1, fmt.Sprintf("--out %s: %v", out, err)
		}
		if latest == "" {
			return 2, fmt.Sprintf("--resume: there is no checkpoint in %s to resume from", dir)
		}
		path = latest
	}
	ck, err := experiment.ReadCheckpoint(path)
	if err != nil {
		if info, serr := os.Stat(path); serr != nil || !info.IsDir() {
			return 2, err.Error() // --resume-from names no checkpoint: the caller's mistake
		}
		return 1, damagedHint(err, out)
	}
	var contradictions []string
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) {
		given[fl.Name] = true
		value, ok := trainingFlags[fl.Name]
		if ok && !resumeChangeable[fl.Name] && value(*cfg) != value(ck.Config) {
			contradictions = append(contradictions, fmt.Sprintf("--%s %s contradicts the checkpoint's %s %s", fl.Name, value(*cfg), fl.Name, value(ck.Config)))
		}
	})
	if len(contradictions) > 0 {
		return 2, fmt.Sprintf("%s (%s): leave the flag out to continue that run, or start a new run with another --out",
			strings.Join(contradictions, "; "), path)
	}
	flags := *cfg
	*cfg = ck.Config
	cfg.Checkpoint = experiment.Checkpointing{Dir: dir, Every: *f.every, Resume: true, From: path}
	if given["allow-nonfinite"] {
		cfg.AllowNonFinite = flags.AllowNonFinite
	}
	if given["epochs"] {
		cfg.Epochs = flags.Epochs
	}
	if given["schedule-epochs"] {
		cfg.ScheduleEpochs = flags.ScheduleEpochs
	} else if horizon := ck.Config.ScheduleHorizon(); horizon > 0 && cfg.Epochs != ck.Config.Epochs {
		cfg.ScheduleEpochs = horizon // an extended run keeps the horizon it was planned with
	}
	return 0, ""
}

// resumeChangeable are the training flags --resume takes even where they differ from the
// checkpoint: --epochs extends a run (or ends it earlier), --schedule-epochs re-plans the
// horizon of a decaying schedule, --allow-nonfinite changes no result until a divergence.
var resumeChangeable = map[string]bool{"epochs": true, "schedule-epochs": true, "allow-nonfinite": true}

// resumeCommand is the command that continues the run checkpointed under out.
func (f checkpointFlags) resumeCommand(out string) string {
	cmd := "dlopt train --resume --out " + shellQuote(out)
	if *f.every != 0 {
		cmd += " --checkpoint-every " + strconv.Itoa(*f.every)
	}
	return cmd
}

// damagedHint turns the library's advice for a damaged checkpoint into the command to run.
func damagedHint(err error, out string) string {
	var damaged *experiment.DamagedCheckpointError
	if !errors.As(err, &damaged) || damaged.Previous == "" {
		return err.Error()
	}
	return fmt.Sprintf("checkpoint %s is damaged, refusing to resume from it: %v\nthe previous checkpoint is intact; resume from it with:\n  dlopt train --resume-from %s --out %s",
		damaged.Path, damaged.Err, shellQuote(damaged.Previous), shellQuote(out))
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe characters.
func shellQuote(s string) string {
	safe := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+,:=@", r))
	}) < 0
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// interrupts turns SIGINT and SIGTERM into a request to stop after the current step (the
// run then writes a checkpoint); a second signal exits at once, leaving the last complete
// checkpoint (checkpoints are written atomically).
type interrupts struct {
	mu     sync.Mutex
	first  os.Signal
	sigs   chan os.Signal
	done   chan struct{}
	stderr io.Writer
}

func catchInterrupts(stderr io.Writer) *interrupts {
	in := &interrupts{sigs: make(chan os.Signal, 2), done: make(chan struct{}), stderr: stderr}
	signal.Notify(in.sigs, os.Interrupt, syscall.SIGTERM)
	go in.watch()
	return in
}

func (in *interrupts) watch() {
	select {
	case s := <-in.sigs:
		in.mu.Lock()
		in.first = s
		in.mu.Unlock()
		fmt.Fprintf(in.stderr, "\n%s: finishing the current step, then writing a checkpoint (again to quit at once)\n", s)
	case <-in.done:
		return
	}
	select {
	case s := <-in.sigs:
		fmt.Fprintf(in.stderr, "\n%s again: quitting now; the last complete checkpoint stays usable\n", s)
		os.Exit(signalExitCode(s))
	case <-in.done:
	}
}

// requested reports whether a signal asked the run to stop (Callbacks.Stop).
func (in *interrupts) requested() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.first != nil
}

// exitCode is the shell's code for the first signal: 128 + its number (130 SIGINT, 143 SIGTERM).
func (in *interrupts) exitCode() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return signalExitCode(in.first)
}

func signalExitCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}

// release stops catching signals.
func (in *interrupts) release() {
	signal.Stop(in.sigs)
	close(in.done)
}
