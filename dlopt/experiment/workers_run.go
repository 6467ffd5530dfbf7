package experiment

import (
	"fmt"
	"math"
	"strings"

	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/decentral/batched"
	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/dlopt/course/dlopt/optim/schedule"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
)

// forWorkers turns the single model and optimizer of cfg into the workers' batched model and
// decentralized round (cfg.Workers > 1, validated).
func forWorkers(cfg Config, classifier models.Model, opt *builtOptimizer) (batched.WorkerModel, error) {
	wm := batched.WorkerModel{Base: classifier, Workers: cfg.Workers}
	if err := wm.Validate(); err != nil {
		return wm, err
	}
	local, ok := opt.opt.(*optim.Optimizer)
	if !ok {
		return wm, fmt.Errorf("%w: optimizer %q is not a dlopt optimizer, which the workers' local step needs", ErrInvalidConfig, cfg.Optimizer)
	}
	rounds, err := batched.NewRounds(local, cfg.Algorithm, cfg.Workers)
	if err != nil {
		return wm, err
	}
	opt.opt = rounds
	return wm, nil
}

// driveMixing sets the topology's mixing matrix in the store before the first round of every
// loop run and, for a time-varying topology, after every round for the next.
func (rn *run) driveMixing() error {
	top, err := decentral.New(rn.cfg.Topology, rn.cfg.Workers)
	if err != nil {
		return err
	}
	set := func(round int) error { return batched.SetMixing(rn.result.store, top.Mixing(round), rn.cfg.DType) }
	rn.loop.OnStart("decentral mixing", schedule.HookPriority, func(loop *train.Loop, _ train.Dataset) error {
		return set(loop.LoopStep)
	})
	if top.TimeVarying() {
		rn.loop.OnStep("decentral mixing", schedule.HookPriority, func(loop *train.Loop, _ []*tensors.Tensor) error {
			return set(loop.LoopStep + 1)
		})
	}
	return set(rn.loop.LoopStep)
}

// recordConsensus puts the workers' consensus error into m (nothing for a single model); called
// before the evaluation, which may swap evaluation parameters into the store.
func (rn *run) recordConsensus(m *EpochMetrics) error {
	if rn.cfg.Workers <= 1 {
		return nil
	}
	m.Workers = rn.cfg.Workers
	var err error
	m.ConsensusError, err = consensusError(rn.result.store)
	return err
}

// consensusError returns sqrt(sum_i ||x_i - xbar||^2) over every worker-batched model variable
// of store (scope /workers), x_i worker i's slice and xbar their mean.
func consensusError(store *model.Store) (float64, error) {
	sum := 0.0
	for v := range store.IterVariables() {
		if !strings.HasPrefix(v.Scope(), "/workers/") {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return 0, err
		}
		var flat []float64
		switch t.DType() {
		case dtypes.Float64:
			flat = tensors.MustCopyFlatData[float64](t)
		case dtypes.Float32:
			for _, x := range tensors.MustCopyFlatData[float32](t) {
				flat = append(flat, float64(x))
			}
		default:
			return 0, fmt.Errorf("experiment: worker variable %s has dtype %s", v.Path(), t.DType())
		}
		n := v.Shape().Dimensions[0]
		size := len(flat) / n
		for j := range size {
			mean := 0.0
			for i := range n {
				mean += flat[i*size+j]
			}
			mean /= float64(n)
			for i := range n {
				d := flat[i*size+j] - mean
				sum += d * d
			}
		}
	}
	return math.Sqrt(sum), nil
}
