package data

import (
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
)

// LoaderConfig says how a [Loader] cuts a dataset into batches.
type LoaderConfig struct {
	BatchSize int
	// Shuffle draws a fresh permutation for every epoch from (Seed, epoch number); without it
	// images come in dataset order.
	Shuffle bool
	Seed    uint64
	// DropLast drops the last batch of an epoch when it holds fewer than BatchSize images.
	// Otherwise that batch is yielded with its smaller size (GoMLX compiles one more graph for it).
	DropLast bool
	// DType of the yielded images: dtypes.Float32 (the default, for the zero value) or dtypes.Float64.
	DType dtypes.DType
	// Norm maps raw pixels to floats; the zero value means [UnitRange] (pixels in [0, 1]).
	Norm Normalization
	// Flatten yields images as [batch, Height*Width] instead of [batch, Height, Width].
	Flatten bool
	// Repeat makes Yield run through epoch after epoch without ever returning io.EOF, as GoMLX's
	// Loop.RunSteps needs. Leave it off for Loop.RunEpochs and for evaluation.
	Repeat bool
	// Backend, when set, is the GoMLX backend the batches are for: where it has shared buffers
	// (GoMLX's Go backend does), the batches' tensors are built in its buffers, which a
	// training step then reads without copying them first. A batch is the caller's as without it.
	Backend compute.Backend
}

// Loader yields batches of a [Dataset] as GoMLX tensors: images [batch, Height, Width] (or
// [batch, Height*Width] when flattened) in the configured float dtype, labels [batch, 1] int32 (GoMLX's layout for sparse labels,
// which its stock losses and accuracy metrics expect).
//
// It implements GoMLX's [train.Dataset], so [train.Trainer] and [train.Loop] consume it
// directly: each Iter is one epoch, and the next starts the following epoch (with a new
// permutation when shuffling). [Loader.Batches] is the same data as a plain Go iterator.
//
// Yield builds the next batch of the epoch on another goroutine while the caller runs its
// training step on the current one, so a step never waits for data once the first batch is out.
// At most two batches are converted to floats at a time; the dataset itself stays in bytes.
// A Loader is not safe for concurrent use.
type Loader struct {
	ds    *Dataset
	cfg   LoaderConfig
	epoch int       // number of the current epoch, from 0
	order []int     // image indices of the current epoch
	next  int       // position in order of the next batch
	ahead *prefetch // the batch at (epoch, next), being built; nil if none was started
}

// prefetch is a batch being built on its own goroutine, and the loader position it is for.
type prefetch struct {
	epoch, start int
	batch        chan Batch // receives the batch once; buffered, so an unused prefetch never blocks
}

var _ train.Dataset = (*Loader)(nil)

// NewLoader validates cfg against ds and returns a loader positioned at the start of epoch 0.
func NewLoader(ds *Dataset, cfg LoaderConfig) (*Loader, error) {
	if ds == nil {
		return nil, fmt.Errorf("data loader: nil dataset")
	}
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("data loader: %w", err)
	}
	if cfg.BatchSize <= 0 || cfg.BatchSize > ds.N {
		return nil, fmt.Errorf("data loader for %q: BatchSize=%d, allowed is 1..%d (the dataset size)", ds.Name, cfg.BatchSize, ds.N)
	}
	switch cfg.DType {
	case dtypes.InvalidDType:
		cfg.DType = dtypes.Float32
	case dtypes.Float32, dtypes.Float64:
	default:
		return nil, fmt.Errorf("data loader for %q: DType %s, allowed are Float32 and Float64", ds.Name, cfg.DType)
	}
	if cfg.Norm == (Normalization{}) {
		cfg.Norm = UnitRange
	}
	if err := cfg.Norm.Validate(); err != nil {
		return nil, fmt.Errorf("data loader for %q: %w", ds.Name, err)
	}
	l := &Loader{ds: ds, cfg: cfg, order: make([]int, ds.N)}
	l.startEpoch(0)
	return l, nil
}

// Dataset returns the dataset being batched.
func (l *Loader) Dataset() *Dataset { return l.ds }

// Config returns the loader's configuration, with defaults filled in.
func (l *Loader) Config() LoaderConfig { return l.cfg }

// BatchesPerEpoch is the number of batches in one epoch, counting a last partial batch unless
// DropLast is set.
func (l *Loader) BatchesPerEpoch() int {
	if l.cfg.DropLast {
		return l.ds.N / l.cfg.BatchSize
	}
	return (l.ds.N + l.cfg.BatchSize - 1) / l.cfg.BatchSize
}

// EpochOrder returns the order in which epoch e visits the images: identity without shuffling,
// else a permutation that depends only on (Seed, e).
func (l *Loader) EpochOrder(e int) []int {
	order := make([]int, l.ds.N)
	l.fillOrder(order, e)
	return order
}

func (l *Loader) fillOrder(order []int, e int) {
	for i := range order {
		order[i] = i
	}
	if l.cfg.Shuffle {
		rng := rand.New(rand.NewPCG(l.cfg.Seed, uint64(e)))
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
}

func (l *Loader) startEpoch(e int) {
	l.epoch, l.next = e, 0
	l.fillOrder(l.order, e)
}

// Name implements [train.Dataset].
func (l *Loader) Name() string { return l.ds.Name }

// Reset starts the next epoch ([Loader.Iter] calls it at an epoch's end). Calling it in the
// middle of an epoch also moves on to the next epoch.
func (l *Loader) Reset() { l.startEpoch(l.epoch + 1) }

// Epoch returns the number of the current epoch, from 0.
func (l *Loader) Epoch() int { return l.epoch }

// Seek positions the loader before batch number batch (from 0) of epoch number epoch (from 0),
// as if that epoch had been started with Reset and batch batches had been yielded: the shuffle
// depends only on (Seed, epoch), so a run resumed from a checkpoint sees exactly the batches
// the interrupted one would have seen. batch may equal [Loader.BatchesPerEpoch] (the epoch's
// end: the next Yield returns io.EOF).
func (l *Loader) Seek(epoch, batch int) error {
	if epoch < 0 || batch < 0 || batch > l.BatchesPerEpoch() {
		return fmt.Errorf("data loader for %q: Seek(epoch %d, batch %d): allowed are epoch >= 0 and batch 0..%d (batches per epoch)",
			l.ds.Name, epoch, batch, l.BatchesPerEpoch())
	}
	l.startEpoch(epoch)
	l.next = min(batch*l.cfg.BatchSize, l.ds.N)
	l.ahead = nil // a batch prefetched for the old position is dropped (its channel is buffered)
	return nil
}

// Iter implements [train.Dataset]: it yields the batches left in the current epoch (every
// epoch after it too, with Repeat), each {Inputs: {images}, Labels: {labels}}, the caller owning
// the tensors. When the epoch runs to its end the loader moves on to the next one, so each call
// of Iter by GoMLX's [train.Loop.RunEpochs] is one epoch; a consumer that stops early leaves
// the loader where it stopped.
func (l *Loader) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		for {
			_, inputs, labels, err := l.Yield()
			if err == io.EOF {
				l.Reset()
				return
			}
			if !yield(train.Batch{Inputs: inputs, Labels: labels}, err) || err != nil {
				return
			}
		}
	}
}

// Yield returns the next batch: spec nil, inputs {images}, labels {labels}, or io.EOF at
// the end of the epoch (unless Repeat is set). The caller owns the tensors.
func (l *Loader) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	b, ok := l.nextBatch()
	if !ok && l.cfg.Repeat {
		l.startEpoch(l.epoch + 1)
		b, ok = l.nextBatch()
	}
	if !ok {
		return nil, nil, nil, io.EOF
	}
	l.prefetchNext()
	return nil, []*tensors.Tensor{b.Images}, []*tensors.Tensor{b.Labels}, nil
}

// nextBatch takes the next batch of the current epoch, prefetched if it was, and reports false at
// the epoch's end.
func (l *Loader) nextBatch() (Batch, bool) {
	epoch, start := l.epoch, l.next
	indices := l.peekIndices()
	if indices == nil {
		return Batch{}, false
	}
	l.next += len(indices)
	if a := l.ahead; a != nil && a.epoch == epoch && a.start == start {
		l.ahead = nil
		return <-a.batch, true
	}
	return l.makeBatch(indices), true
}

// prefetchNext starts building the batch that follows in the current epoch, if there is one. A
// Reset before it is used makes it stale: nextBatch then builds the new epoch's batch itself.
func (l *Loader) prefetchNext() {
	l.ahead = nil
	indices := l.peekIndices()
	if indices == nil {
		return
	}
	indices = slices.Clone(indices) // l.order is refilled by the next epoch while this runs.
	a := &prefetch{epoch: l.epoch, start: l.next, batch: make(chan Batch, 1)}
	go func() { a.batch <- l.makeBatch(indices) }()
	l.ahead = a
}

// peekIndices returns the image indices of the next batch of the current epoch, or nil at its
// end, without moving past them.
func (l *Loader) peekIndices() []int {
	size := min(l.cfg.BatchSize, l.ds.N-l.next)
	if size == 0 || (l.cfg.DropLast && size < l.cfg.BatchSize) {
		return nil
	}
	return l.order[l.next : l.next+size]
}

// Batch is one batch from [Loader.Batches]: the images and labels as tensors (owned by the
// receiver, who may call FinalizeAll on them), and the dataset indices they came from.
type Batch struct {
	Images  *tensors.Tensor // [n, Height, Width] or [n, Height*Width], float32 or float64
	Labels  *tensors.Tensor // [n, 1] int32
	Indices []int
}

// Batches returns an iterator over the batches of epoch e, for notebooks and hand-written
// loops. It does not disturb the position used by Yield.
func (l *Loader) Batches(e int) iter.Seq[Batch] {
	return func(yield func(Batch) bool) {
		order := l.EpochOrder(e)
		for start := 0; start < len(order); start += l.cfg.BatchSize {
			end := min(start+l.cfg.BatchSize, len(order))
			if l.cfg.DropLast && end-start < l.cfg.BatchSize {
				return
			}
			if !yield(l.makeBatch(order[start:end])) {
				return
			}
		}
	}
}

func (l *Loader) makeBatch(indices []int) Batch {
	ds, n, f := l.ds, len(indices), l.ds.Features()
	dims := []int{n, ds.Height, ds.Width}
	if l.cfg.Flatten {
		dims = []int{n, f}
	}
	// Both tensors are allocated by GoMLX and filled in place: tensors.FromFlatDataAndDimensions
	// would copy a slice built here into a second allocation of its own.
	b := Batch{Labels: l.newTensor(shapes.Make(dtypes.Int32, n, 1)), Indices: append([]int(nil), indices...)}
	tensors.MustMutableFlatData(b.Labels, func(labels []int32) {
		for row, i := range indices {
			labels[row] = int32(ds.Labels[i])
		}
	})
	b.Images = l.newTensor(shapes.Make(l.cfg.DType, dims...))
	if l.cfg.DType == dtypes.Float64 {
		tensors.MustMutableFlatData(b.Images, func(pixels []float64) {
			for row, i := range indices {
				dst := pixels[row*f : (row+1)*f]
				for j, p := range ds.Image(i) {
					dst[j] = l.cfg.Norm.Apply(p) // as ds.Float64s
				}
			}
		})
		return b
	}
	// A 256-entry table: the float32 value of every byte under this normalisation.
	var table [256]float32
	for p := range table {
		table[p] = float32(l.cfg.Norm.Apply(uint8(p)))
	}
	tensors.MustMutableFlatData(b.Images, func(pixels []float32) {
		for row, i := range indices {
			dst := pixels[row*f : (row+1)*f]
			for j, p := range ds.Image(i) {
				dst[j] = table[p]
			}
		}
	})
	return b
}

// newTensor returns a tensor of the given shape: in a shared buffer of the configured backend
// when it has them, else (or if the backend refuses, e.g. once finalized) in Go memory.
func (l *Loader) newTensor(shape shapes.Shape) *tensors.Tensor {
	if l.cfg.Backend != nil {
		if t, err := tensors.FromShapeForBackend(l.cfg.Backend, 0, shape); err == nil {
			return t
		}
	}
	return tensors.FromShape(shape)
}
