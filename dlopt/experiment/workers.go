package experiment

import (
	"math"
	"slices"
	"strings"

	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/decentral/batched"
)

// Shardings of the training set across simulated workers, accepted by [Config.Sharding].
const (
	ShardIID       = "iid"        // a seeded shuffle cut into equal shards (data.ShardIID)
	ShardLabelSkew = "label-skew" // sorted by label, ShardClasses chunks per worker (data.ShardByLabel)
	ShardDirichlet = "dirichlet"  // class proportions per worker from Dirichlet(ShardAlpha) (data.ShardDirichlet)
)

// Shardings lists the accepted sharding names.
var Shardings = []string{ShardIID, ShardLabelSkew, ShardDirichlet}

// Defaults of the simulated workers' fields, filled in when Workers > 1.
const (
	DefaultTopology     = "ring"
	DefaultAlgorithm    = decentral.DSGD
	DefaultSharding     = ShardIID
	DefaultShardClasses = 2
	DefaultShardAlpha   = 0.5
)

// withWorkerDefaults fills in the workers' defaults when Workers > 1; a single model keeps its
// fields as given, so that Validate reports workers' settings given without workers.
func (c Config) withWorkerDefaults() Config {
	if c.Workers <= 1 {
		return c
	}
	if c.Topology == "" {
		c.Topology = DefaultTopology
	}
	if c.Algorithm == "" {
		c.Algorithm = DefaultAlgorithm
	}
	if c.Sharding == "" {
		c.Sharding = DefaultSharding
	}
	if c.ShardClasses == 0 && c.Sharding == ShardLabelSkew {
		c.ShardClasses = DefaultShardClasses
	}
	if c.ShardAlpha == 0 && c.Sharding == ShardDirichlet {
		c.ShardAlpha = DefaultShardAlpha
	}
	return c
}

// validateWorkers checks the workers' fields; the dataset-dependent limits (examples per shard,
// classes) are checked when the shards are made.
func (c Config) validateWorkers(bad func(format string, args ...any)) {
	if c.Workers < 0 {
		bad("workers %d is invalid: it must be >= 1 (1 trains a single model)", c.Workers)
		return
	}
	if c.Workers <= 1 {
		for _, f := range []struct{ name, value string }{{"topology", c.Topology}, {"algorithm", c.Algorithm}, {"sharding", c.Sharding}} {
			if f.value != "" {
				bad("%s %q needs workers > 1 (workers is %d)", f.name, f.value, max(c.Workers, 1))
			}
		}
		if c.ShardClasses != 0 {
			bad("shard classes %d needs workers > 1 and label-skew sharding (workers is %d)", c.ShardClasses, max(c.Workers, 1))
		}
		if c.Devices != 0 {
			bad("devices %d needs workers > 1 (workers is %d)", c.Devices, max(c.Workers, 1))
		}
		if c.ShardAlpha != 0 {
			bad("shard alpha %g needs workers > 1 and dirichlet sharding (workers is %d)", c.ShardAlpha, max(c.Workers, 1))
		}
		return
	}
	if _, err := decentral.New(c.Topology, c.Workers); err != nil {
		bad("%v", err)
	}
	if _, err := decentral.ParseAlgorithm(c.Algorithm); err != nil {
		bad("%v", err)
	}
	switch {
	case !slices.Contains(Shardings, c.Sharding):
		bad("sharding %q is unknown: allowed are %s", c.Sharding, strings.Join(Shardings, ", "))
	case c.Sharding == ShardLabelSkew && c.ShardClasses < 1:
		bad("shard classes %d is invalid: label-skew needs >= 1 class per worker", c.ShardClasses)
	case c.Sharding != ShardLabelSkew && c.ShardClasses != 0:
		bad("shard classes %d is only for label-skew sharding, not %q", c.ShardClasses, c.Sharding)
	case c.Sharding == ShardDirichlet && (!(c.ShardAlpha > 0) || math.IsInf(c.ShardAlpha, 0)):
		bad("shard alpha %g is invalid: dirichlet needs a finite alpha > 0 (0.1: very skewed, 100: nearly iid)", c.ShardAlpha)
	case c.Sharding != ShardDirichlet && c.ShardAlpha != 0:
		bad("shard alpha %g is only for dirichlet sharding, not %q", c.ShardAlpha, c.Sharding)
	}
	c.validateDevices(bad)
	if library, name, err := ResolveOptimizer(c.Optimizer); err == nil {
		if library == LibraryGoMLX {
			bad("optimizer %q: with workers > 1 the local step needs a dlopt optimizer (torch:... or optax:...), not GoMLX's", c.Optimizer)
		} else if couples, why := batched.CouplesWorkers(library, name); couples {
			bad("optimizer %q cannot be the workers' local step: %s; elementwise optimizers are allowed (%s: %s)",
				c.Optimizer, why, library, strings.Join(batched.ElementwiseOptimizers(library), ", "))
		}
	}
}

// workerFields are the workers' fields of a Config, as checkpoints compare them.
type workerFields struct {
	Workers                       int
	Topology, Algorithm, Sharding string
	ShardClasses                  int
	ShardAlpha                    float64
}

// workersOf returns c's workers' fields; a single model (Workers 0 or 1) has none.
func workersOf(c Config) workerFields {
	if c.Workers <= 1 {
		return workerFields{}
	}
	return workerFields{c.Workers, c.Topology, c.Algorithm, c.Sharding, c.ShardClasses, c.ShardAlpha}
}
