package experiment

import (
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/dlopt/course/dlopt/data"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
)

// trainSource is what a run needs of its training data: batches, and a position to seek to on
// resume. A data.Loader is one; a workerLoader another.
type trainSource interface {
	train.Dataset
	BatchesPerEpoch() int
	Seek(epoch, batch int) error
	Reset()
}

// workerLoader yields the simulated workers' batches: images [n, B, height, width] (row i from
// worker i's shard, through its own shuffled loader) and labels [n B, 1], worker after worker.
// All shards have the same size, so the workers' epochs end together.
type workerLoader struct {
	loaders []*data.Loader
	backend compute.Backend
	dtype   dtypes.DType
}

var _ trainSource = (*workerLoader)(nil)

// newWorkerLoader shards trainSet as cfg says and opens one loader per shard (seeded by cfg.Seed
// and the worker's index; a last partial batch is dropped, the batched graph needs equal ones).
func newWorkerLoader(cfg Config, trainSet *data.Dataset, norm data.Normalization, backend compute.Backend) (*workerLoader, error) {
	var shards []*data.Dataset
	var err error
	switch cfg.Sharding {
	case ShardLabelSkew:
		shards, err = data.ShardByLabel(trainSet, cfg.Workers, cfg.ShardClasses, uint64(cfg.Seed))
	case ShardDirichlet:
		shards, err = data.ShardDirichlet(trainSet, cfg.Workers, cfg.ShardAlpha, uint64(cfg.Seed))
	default:
		shards, err = data.ShardIID(trainSet, cfg.Workers, uint64(cfg.Seed))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	if cfg.BatchSize > shards[0].N {
		return nil, fmt.Errorf("%w: batch size %d is larger than each worker's shard of %d examples (%d training examples over %d workers)",
			ErrInvalidConfig, cfg.BatchSize, shards[0].N, trainSet.N, cfg.Workers)
	}
	w := &workerLoader{backend: backend, dtype: cfg.DType}
	for i, shard := range shards {
		l, err := data.NewLoader(shard, data.LoaderConfig{BatchSize: cfg.BatchSize, Shuffle: true, DropLast: true,
			Seed: uint64(cfg.Seed) + uint64(i+1)*0x9e3779b97f4a7c15, DType: cfg.DType, Norm: norm})
		if err != nil {
			return nil, err
		}
		w.loaders = append(w.loaders, l)
	}
	return w, nil
}

// Name implements train.Dataset.
func (w *workerLoader) Name() string {
	return fmt.Sprintf("%s over %d workers", w.loaders[0].Dataset().Name, len(w.loaders))
}

// BatchesPerEpoch is the number of steps in one pass of every worker over its shard.
func (w *workerLoader) BatchesPerEpoch() int { return w.loaders[0].BatchesPerEpoch() }

// Seek positions every worker's loader before batch of epoch (see data.Loader.Seek).
func (w *workerLoader) Seek(epoch, batch int) error {
	for _, l := range w.loaders {
		if err := l.Seek(epoch, batch); err != nil {
			return err
		}
	}
	return nil
}

// Reset starts the next epoch of every worker.
func (w *workerLoader) Reset() {
	for _, l := range w.loaders {
		l.Reset()
	}
}

// Iter implements train.Dataset: the batches left in the current epoch; at its end every
// loader moves on to the next epoch, as data.Loader.Iter does.
func (w *workerLoader) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		for {
			b, err := w.next()
			if errors.Is(err, io.EOF) {
				w.Reset()
				return
			}
			if !yield(b, err) || err != nil {
				return
			}
		}
	}
}

// next stacks one batch of every worker.
func (w *workerLoader) next() (train.Batch, error) {
	images := make([]*tensors.Tensor, len(w.loaders))
	labels := make([]*tensors.Tensor, len(w.loaders))
	defer func() {
		for i := range images {
			for _, t := range []*tensors.Tensor{images[i], labels[i]} {
				if t != nil {
					_ = t.FinalizeAll()
				}
			}
		}
	}()
	for i, l := range w.loaders {
		_, in, lab, err := l.Yield()
		if err != nil {
			return train.Batch{}, err
		}
		images[i], labels[i] = in[0], lab[0]
	}
	n, dims := len(w.loaders), images[0].Shape().Dimensions
	stacked := w.newTensor(shapes.Make(w.dtype, append([]int{n}, dims...)...))
	if w.dtype == dtypes.Float64 {
		stack[float64](stacked, images)
	} else {
		stack[float32](stacked, images)
	}
	allLabels := w.newTensor(shapes.Make(dtypes.Int32, n*dims[0], 1))
	stack[int32](allLabels, labels)
	return train.Batch{Inputs: []*tensors.Tensor{stacked}, Labels: []*tensors.Tensor{allLabels}}, nil
}

// stack copies parts, one after another, into dst.
func stack[T float32 | float64 | int32](dst *tensors.Tensor, parts []*tensors.Tensor) {
	tensors.MustMutableFlatData(dst, func(out []T) {
		offset := 0
		for _, p := range parts {
			tensors.MustConstFlatData(p, func(in []T) { offset += copy(out[offset:], in) })
		}
	})
}

// newTensor allocates in the backend's shared buffers where it has them (as data.Loader does).
func (w *workerLoader) newTensor(shape shapes.Shape) *tensors.Tensor {
	if w.backend != nil {
		if t, err := tensors.FromShapeForBackend(w.backend, 0, shape); err == nil {
			return t
		}
	}
	return tensors.FromShape(shape)
}
