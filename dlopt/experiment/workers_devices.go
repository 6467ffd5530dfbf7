package experiment

import (
	"fmt"
	"iter"
	"strings"

	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/dataset"
	"github.com/gomlx/gomlx/ml/train"
)

// dataParallel reports whether cfg's workers are synchronous data-parallel SGD whose step on
// devices (one replicated model, the gradient of the mean loss over all workers' rows) equals
// the simulated workers' exactly: all-reduce, dsgd, and an optimizer linear in the gradient.
// With Adam and the like, the simulated all-reduce averages the workers' own Adam steps, which
// a gradient all-reduce does not reproduce.
func dataParallel(cfg Config) bool {
	library, name, err := ResolveOptimizer(cfg.Optimizer)
	sgd := err == nil && ((library == optim.Torch && name == "SGD") || (library == optim.Optax && name == "sgd"))
	return cfg.Workers > 1 && cfg.Topology == "all-reduce" && cfg.Algorithm == decentral.DSGD && sgd
}

// validateDevices checks Config.Devices without the backend.
func (c Config) validateDevices(bad func(format string, args ...any)) {
	switch {
	case c.Devices < 0:
		bad("devices %d is invalid: 0 (all when several), 1 (simulated) or more", c.Devices)
	case c.Devices > 1 && !dataParallel(c):
		bad("devices %d needs workers > 1 with topology all-reduce, algorithm dsgd and optimizer torch:SGD or optax:sgd "+
			"(the other runs are simulated on one device)", c.Devices)
	case c.Devices > 1 && c.Workers%c.Devices != 0:
		bad("devices %d must divide workers %d (each device trains workers/devices workers' rows)", c.Devices, c.Workers)
	}
}

// devicesFor returns how many devices cfg's run trains on (see Config.Devices): 1 unless it is
// data-parallel and the backend has several devices. A resumed run keeps the layout of its
// checkpoint: simulated workers (variables under /workers) stay simulated, a device run's single
// model needs devices again.
func devicesFor(cfg Config, backend compute.Backend, resume *Checkpoint) (int, error) {
	simulatedCheckpoint, deviceCheckpoint := false, false
	if resume != nil && cfg.Workers > 1 {
		for _, name := range resume.Trainable {
			if strings.HasPrefix(name, "/workers/") {
				simulatedCheckpoint = true
			} else {
				deviceCheckpoint = true
			}
		}
	}
	if simulatedCheckpoint {
		return 1, nil
	}
	d, err := devicesOf(cfg, backend)
	if err == nil && deviceCheckpoint && d == 1 {
		err = fmt.Errorf("%w: checkpoint %s holds one model trained on several devices; backend %s has %d and Config.Devices is %d",
			ErrInvalidConfig, resume.Path, backend.Name(), backend.NumDevices(), cfg.Devices)
	}
	return d, err
}

func devicesOf(cfg Config, backend compute.Backend) (int, error) {
	if !dataParallel(cfg) || cfg.Devices == 1 {
		return 1, nil
	}
	have := backend.NumDevices()
	if cfg.Devices > have {
		return 0, fmt.Errorf("%w: devices %d: backend %s has %d", ErrInvalidConfig, cfg.Devices, backend.Name(), have)
	}
	if cfg.Devices > 1 {
		return cfg.Devices, nil
	}
	for d := have; d > 1; d-- { // the most devices that divide the workers
		if cfg.Workers%d == 0 {
			return d, nil
		}
	}
	return 1, nil
}

// deviceData feeds the workers' batches to GoMLX's distributed execution: each step's
// [n, B, ...] rows are cut into one [n B / D, ...] part per device (device i gets workers
// i n/D .. (i+1) n/D - 1), which dataset.NewDistributedAccumulator places on the devices of a
// DeviceMesh as one batch sharded along its first axis; train.Loop.RunSteps then runs
// Trainer.DistributedTrainStep with AutoSharding (GoMLX v0.28.16; Loop.RunEpochs does not take
// distributed datasets).
type deviceData struct {
	workers *workerLoader
	devices int
	backend compute.Backend
}

// trainEpoch trains the rest of the current epoch: through the simulated workers' (or the single
// model's) loader, or on the devices.
func (rn *run) trainEpoch() error {
	if rn.devices == nil {
		_, err := rn.loop.RunEpochs(rn.trainData, 1)
		return err
	}
	steps := rn.stepsPerEpoch - rn.epochLoss.steps
	ds, err := rn.devices.epoch(steps)
	if err != nil {
		return err
	}
	rn.trainData.lastBatch = rn.cfg.Workers * rn.cfg.BatchSize
	if _, err := rn.loop.RunSteps(ds, steps); err != nil {
		return err
	}
	rn.trainLoader.Reset() // the loaders stand at the epoch's end
	return nil
}

// epoch returns the distributed dataset of the next steps steps (the accumulator reads its
// source ahead, so the source ends where the epoch does).
func (d *deviceData) epoch(steps int) (*dataset.DistributedAccumulator, error) {
	mesh, err := distributed.NewDeviceMesh([]int{d.devices}, []string{"workers"})
	if err != nil {
		return nil, err
	}
	rows, err := distributed.NewShardingSpec(mesh, distributed.AxisSpec{"workers"})
	if err != nil {
		return nil, err
	}
	source := &deviceParts{workers: d.workers, devices: d.devices, steps: steps}
	return dataset.NewDistributedAccumulator(d.backend, source, distributed.AutoSharding,
		[]*distributed.ShardingSpec{rows}, []*distributed.ShardingSpec{rows}, nil)
}

// deviceParts is the accumulator's source: steps steps of the workers' batches, each as
// devices consecutive parts.
type deviceParts struct {
	workers        *workerLoader
	devices, steps int
}

func (p *deviceParts) Name() string { return p.workers.Name() }

func (p *deviceParts) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		for range p.steps {
			b, err := p.workers.next()
			if err != nil {
				yield(train.Batch{}, err)
				return
			}
			parts, err := splitRows(b, p.devices)
			if err != nil {
				yield(train.Batch{}, err)
				return
			}
			for _, part := range parts {
				if !yield(part, nil) {
					return
				}
			}
		}
	}
}

// splitRows cuts a workers' batch (images [n, B, ...], labels [n B, 1]) into parts batches of
// n B / parts rows each.
func splitRows(b train.Batch, parts int) ([]train.Batch, error) {
	images, labels := b.Inputs[0], b.Labels[0]
	defer func() { _ = images.FinalizeAll(); _ = labels.FinalizeAll() }()
	d := images.Shape().Dimensions
	rows := d[0] * d[1] / parts
	imageDims := append([]int{rows}, d[2:]...)
	out := make([]train.Batch, parts)
	for i := range out {
		img, err := sliceRows(images, i, parts, imageDims)
		if err != nil {
			return nil, err
		}
		lab, err := sliceRows(labels, i, parts, []int{rows, 1})
		if err != nil {
			return nil, err
		}
		out[i] = train.Batch{Inputs: []*tensors.Tensor{img}, Labels: []*tensors.Tensor{lab}}
	}
	return out, nil
}

// sliceRows returns part i of parts equal parts of t's flat data, shaped dims.
func sliceRows(t *tensors.Tensor, i, parts int, dims []int) (*tensors.Tensor, error) {
	out := tensors.FromShape(shapes.Make(t.DType(), dims...))
	var err error
	copyPart := func(src []byte) {
		size := len(src) / parts
		err = out.MutableBytes(func(dst []byte) { copy(dst, src[i*size:(i+1)*size]) })
	}
	if cerr := t.ConstBytes(copyPart); cerr != nil {
		return nil, cerr
	}
	return out, err
}
