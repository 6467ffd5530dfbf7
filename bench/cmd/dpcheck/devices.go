package main

import (
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/dataset"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
)

// errNoDistribution marks a backend that cannot run GoMLX's distributed execution at all.
var errNoDistribution = errors.New("the backend has no distributed execution")

// onDevices trains one linear model with SGD on the batch of all n workers, sharded over a
// DeviceMesh of the backend's devices (GoMLX v0.28.16: dataset.DistributedAccumulator feeds
// train.Loop.RunSteps, which runs Trainer.DistributedTrainStep with AutoSharding; XLA's
// partitioner then reduces the gradient across the devices). Mean loss over the n B examples
// and SGD make it the simulated all-reduce's iterates.
func (p *problem) onDevices(backend compute.Backend, devices int) (params map[string][]float32, err error) {
	defer func() {
		// GoMLX panics while building a graph: the Go backend's is "DistributedAutoSharding(): op
		// not implemented" (v0.28.16, compute v0.1.14).
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
		if err != nil && strings.Contains(err.Error(), "not implemented") {
			err = fmt.Errorf("%w: %s: %v", errNoDistribution, backend.Name(), err)
		}
	}()
	store, trainer, err := p.oneModel(backend)
	if err != nil {
		return nil, err
	}
	mesh, err := distributed.NewDeviceMesh([]int{devices}, []string{"workers"})
	if err != nil {
		return nil, err
	}
	shardedRows, err := distributed.NewShardingSpec(mesh, distributed.AxisSpec{"workers"})
	if err != nil {
		return nil, err
	}
	source := &deviceShards{p: p, devices: devices}
	ds, err := dataset.NewDistributedAccumulator(backend, source, distributed.AutoSharding,
		[]*distributed.ShardingSpec{shardedRows}, []*distributed.ShardingSpec{shardedRows}, nil)
	if err != nil {
		return nil, err
	}
	loop := train.NewLoop(trainer)
	if _, err := loop.RunSteps(ds, p.steps); err != nil {
		return nil, err
	}
	return readLinear(store)
}

// oneModel is the linear classifier from the problem's initial weights with SGD, in a trainer.
func (p *problem) oneModel(backend compute.Backend) (*model.Store, *train.Trainer, error) {
	store := model.NewStore()
	store.VariableWithValue("/linear/X", tensors.FromFlatDataAndDimensions(append([]float32(nil), p.x0...), p.classes, p.side*p.side))
	store.VariableWithValue("/linear/b", tensors.FromFlatDataAndDimensions(make([]float32, p.classes), p.classes))
	sgd, err := p.sgd()
	if err != nil {
		return nil, nil, err
	}
	modelFn, err := models.ModelFn(models.Linear{Classes: p.classes, Bias: true})
	if err != nil {
		return nil, nil, err
	}
	return store, train.NewTrainer(backend, store, modelFn, models.CrossEntropyLoss, sgd, nil, nil), nil
}

// oneDevice trains the same model on the same n B rows per step without a mesh (plain
// TrainStep): what onDevices computes, on one device. The test compares it with the reference.
func (p *problem) oneDevice(backend compute.Backend) (map[string][]float32, error) {
	store, trainer, err := p.oneModel(backend)
	if err != nil {
		return nil, err
	}
	rows := p.workers * p.batch
	for k := range p.steps {
		batch := train.Batch{
			Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]float32(nil), p.images[k]...), rows, p.side, p.side)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]int32(nil), p.labels[k]...), rows, 1)},
		}
		if _, err := trainer.TrainStep(batch); err != nil {
			return nil, err
		}
	}
	return readLinear(store)
}

func readLinear(store *model.Store) (map[string][]float32, error) {
	params := map[string][]float32{}
	for _, name := range []string{"X", "b"} {
		var err error
		if params[name], err = read(store, "/linear/"+name); err != nil {
			return nil, err
		}
	}
	return params, nil
}

// deviceShards yields, for each step, one batch per device: device i gets the rows of workers
// i n/D .. (i+1) n/D - 1, images [n B/D, side, side] and labels [n B/D, 1]. The accumulator
// stacks D consecutive batches into one sharded batch.
type deviceShards struct {
	p       *problem
	devices int
}

func (s *deviceShards) Name() string { return "dpcheck shards" }

func (s *deviceShards) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		p := s.p
		rows := p.workers * p.batch / s.devices
		pixels := p.side * p.side
		for k := range p.steps {
			for i := range s.devices {
				img := p.images[k][i*rows*pixels : (i+1)*rows*pixels]
				lab := p.labels[k][i*rows : (i+1)*rows]
				b := train.Batch{
					Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]float32(nil), img...), rows, p.side, p.side)},
					Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]int32(nil), lab...), rows, 1)},
				}
				if !yield(b, nil) {
					return
				}
			}
		}
	}
}
