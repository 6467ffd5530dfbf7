package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/experiment"
)

// workerFlags are the flags of `dlopt train` for simulated workers (experiment.Config.Workers).
type workerFlags struct {
	workers                       *int
	topology, algorithm, sharding *string
	shardClasses                  *int
	shardAlpha                    *float64
}

func addWorkerFlags(fs *flag.FlagSet) workerFlags {
	return workerFlags{
		workers: fs.Int("workers", 1, "simulated workers, >= 1: with N > 1, N models train as one batched graph, each on its own shard\n"+
			"of the training set with --batch examples per step, mixing with its neighbours after every step;\n"+
			"the test accuracy is the workers' average model's, and each epoch reports the consensus error"),
		topology: fs.String("topology", "", "with --workers N > 1, the communication graph: "+strings.Join(decentral.Names, "|")+
			"\n(default "+experiment.DefaultTopology+"; torus needs N = m*m, m >= 3; all-reduce is data-parallel SGD)"),
		algorithm: fs.String("algorithm", "", "with --workers N > 1: "+strings.Join(decentral.Algorithms, "|")+" (default "+experiment.DefaultAlgorithm+")"),
		sharding: fs.String("sharding", "", "with --workers N > 1, how the training set is split: "+strings.Join(experiment.Shardings, "|")+
			" (default "+experiment.DefaultSharding+")"),
		shardClasses: fs.Int("shard-classes", 0, fmt.Sprintf("with --sharding label-skew, class chunks per worker (default %d)", experiment.DefaultShardClasses)),
		shardAlpha: fs.Float64("shard-alpha", 0, fmt.Sprintf("with --sharding dirichlet, the Dirichlet concentration of each worker's class proportions, > 0\n"+
			"(default %g; 0.1: one or two classes per worker, 100: nearly iid)", experiment.DefaultShardAlpha)),
	}
}

// apply copies the flags into cfg; Config.Validate checks the values (naming what is allowed).
// A 0 given explicitly is an error: Config reads 0 as "the default".
func (f workerFlags) apply(cfg *experiment.Config, fs *flag.FlagSet) error {
	if *f.workers < 1 {
		return fmt.Errorf("--workers %d is invalid: it must be >= 1 (1 trains a single model)", *f.workers)
	}
	var zero error
	fs.Visit(func(fl *flag.Flag) {
		switch {
		case fl.Name == "shard-classes" && *f.shardClasses == 0:
			zero = errors.New("--shard-classes 0 is invalid: label-skew needs >= 1 class chunk per worker")
		case fl.Name == "shard-alpha" && *f.shardAlpha == 0:
			zero = errors.New("--shard-alpha 0 is invalid: dirichlet needs a finite alpha > 0 (0.1: very skewed, 100: nearly iid)")
		}
	})
	if zero != nil {
		return zero
	}
	cfg.Workers, cfg.Topology, cfg.Algorithm, cfg.Sharding = *f.workers, *f.topology, *f.algorithm, *f.sharding
	cfg.ShardClasses, cfg.ShardAlpha = *f.shardClasses, *f.shardAlpha
	if cfg.Workers == 1 {
		cfg.Workers = 0 // the single model, as a run without the flag (and its checkpoints)
	}
	return nil
}

func init() {
	// On --resume a workers' flag given must agree with the checkpoint, as the other training flags.
	trainingFlags["workers"] = func(c experiment.Config) string { return strconv.Itoa(max(c.Workers, 1)) }
	trainingFlags["topology"] = func(c experiment.Config) string { return c.Topology }
	trainingFlags["algorithm"] = func(c experiment.Config) string { return c.Algorithm }
	trainingFlags["sharding"] = func(c experiment.Config) string { return c.Sharding }
	trainingFlags["shard-classes"] = func(c experiment.Config) string { return strconv.Itoa(c.ShardClasses) }
	trainingFlags["shard-alpha"] = func(c experiment.Config) string { return strconv.FormatFloat(c.ShardAlpha, 'g', -1, 64) }
}

// workersTitle is the plot title's part about the workers ("" for a single model).
func workersTitle(cfg experiment.Config) string {
	if cfg.Workers <= 1 {
		return ""
	}
	return fmt.Sprintf(", %d workers %s %s %s", cfg.Workers, cfg.Topology, cfg.Algorithm, cfg.Sharding)
}

// printWorkers says, for a run of simulated workers, how they train.
func printWorkers(stdout io.Writer, cfg experiment.Config) {
	if cfg.Workers <= 1 {
		return
	}
	sharding := cfg.Sharding
	switch sharding {
	case experiment.ShardLabelSkew:
		sharding = fmt.Sprintf("%s (%d class chunks per worker)", sharding, cfg.ShardClasses)
	case experiment.ShardDirichlet:
		sharding = fmt.Sprintf("%s (alpha %g)", sharding, cfg.ShardAlpha)
	}
	fmt.Fprintf(stdout, "%d simulated workers in one batched graph: %s over a %s topology, %s shards, batch %d per worker; "+
		"evaluated at the workers' average\n", cfg.Workers, cfg.Algorithm, cfg.Topology, sharding, cfg.BatchSize)
}
