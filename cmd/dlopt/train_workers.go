package main

import (
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
	}
}

// apply copies the flags into cfg; Config.Validate checks the values (naming what is allowed).
func (f workerFlags) apply(cfg *experiment.Config) error {
	if *f.workers < 1 {
		return fmt.Errorf("--workers %d is invalid: it must be >= 1 (1 trains a single model)", *f.workers)
	}
	cfg.Workers, cfg.Topology, cfg.Algorithm, cfg.Sharding, cfg.ShardClasses = *f.workers, *f.topology, *f.algorithm, *f.sharding, *f.shardClasses
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
	if sharding == experiment.ShardLabelSkew {
		sharding = fmt.Sprintf("%s (%d class chunks per worker)", sharding, cfg.ShardClasses)
	}
	fmt.Fprintf(stdout, "%d simulated workers in one batched graph: %s over a %s topology, %s shards, batch %d per worker; "+
		"evaluated at the workers' average\n", cfg.Workers, cfg.Algorithm, cfg.Topology, sharding, cfg.BatchSize)
}
