package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
)

// batchSize is the batch of every training workload, as in torch_peer.py.
const batchSize = 128

func softmaxModel(ctx *context.Context, _ any, inputs []*graph.Node) []*graph.Node {
	return []*graph.Node{layers.DenseWithBias(ctx.In("logits"), inputs[0], data.FashionClasses)}
}

func mlpModel(ctx *context.Context, _ any, inputs []*graph.Node) []*graph.Node {
	x := inputs[0]
	x = activations.Relu(layers.DenseWithBias(ctx.In("hidden1"), x, 256))
	x = activations.Relu(layers.DenseWithBias(ctx.In("hidden2"), x, 256))
	return []*graph.Node{layers.DenseWithBias(ctx.In("logits"), x, data.FashionClasses)}
}

// cnnModel: [batch,28,28] → conv3x3(8, same)+ReLU → maxpool 2 → conv3x3(16, same)+ReLU →
// maxpool 2 → [batch, 7·7·16] → dense 10. Channels last, GoMLX's default.
//
// The convolutions and pools are not GoMLX's layers.Convolution and MaxPool: their gradients use
// ops simplego v0.26.0 lacks (Reverse, SelectAndScatterMax; Pad for Slice's gradient), so
// training a conv net with them fails there. See conv3x3 and maxPool2x2.
func cnnModel(ctx *context.Context, _ any, inputs []*graph.Node) []*graph.Node {
	x := graph.InsertAxes(inputs[0], -1)
	x = activations.Relu(conv3x3(ctx.In("conv1"), x, 8))
	x = maxPool2x2(x)
	x = activations.Relu(conv3x3(ctx.In("conv2"), x, 16))
	x = maxPool2x2(x)
	x = graph.Reshape(x, x.Shape().Dimensions[0], -1)
	return []*graph.Node{layers.DenseWithBias(ctx.In("logits"), x, data.FashionClasses)}
}

// conv3x3 is a 3x3 convolution with zero "same" padding, stride 1 and a bias, on
// [batch, height, width, channels], computed as im2col and a dense layer that maps the
// 9·channels taps to the filters (one DotGeneral, with dlopt's matrix-product gradient). Its
// weights [9·channels, filters] are a kernel [3, 3, channels, filters] flattened.
func conv3x3(ctx *context.Context, x *graph.Node, filters int) *graph.Node {
	return layers.DenseWithBias(ctx, im2col3x3(x), filters)
}

// im2col3x3 returns, for every position of x [batch, height, width, channels], its 3x3
// neighbourhood [batch, height, width, 9·channels] (row-major taps, then channels; zeros outside
// the image). One Gather collects the taps: those outside the image read an appended zero row.
func im2col3x3(x *graph.Node) *graph.Node {
	g := x.Graph()
	d := x.Shape().Dimensions
	batch, height, width, channels := d[0], d[1], d[2], d[3]
	pixels := height * width
	// [pixels+1, batch, channels]: pixels first so that Gather indexes them; the last is zero.
	flat := graph.TransposeAllAxes(graph.Reshape(x, batch, pixels, channels), 1, 0, 2)
	flat = graph.Concatenate([]*graph.Node{flat, graph.Zeros(g, shapes.Make(x.DType(), 1, batch, channels))}, 0)
	taps := make([]int32, 0, pixels*9)
	for i := range height {
		for j := range width {
			for di := -1; di <= 1; di++ {
				for dj := -1; dj <= 1; dj++ {
					if r, c := i+di, j+dj; r >= 0 && r < height && c >= 0 && c < width {
						taps = append(taps, int32(r*width+c))
					} else {
						taps = append(taps, int32(pixels)) // the zero row
					}
				}
			}
		}
	}
	indices := graph.Const(g, tensors.FromFlatDataAndDimensions(taps, pixels*9, 1))
	patches := graph.Gather(flat, indices) // [pixels·9, batch, channels]
	patches = graph.Reshape(patches, height, width, 9, batch, channels)
	patches = graph.TransposeAllAxes(patches, 3, 0, 1, 2, 4)
	return graph.Reshape(patches, batch, height, width, 9*channels)
}

// maxPool2x2 is max pooling with window and stride 2 on [batch, height, width, channels] (even
// height and width), written as a reshape and a ReduceMax: GoMLX's MaxPool has a gradient
// (SelectAndScatterMax) that simplego v0.26.0 does not implement.
func maxPool2x2(x *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	x = graph.Reshape(x, d[0], d[1]/2, 2, d[2]/2, 2, d[3])
	return graph.ReduceMax(x, 2, 4)
}

func setupSoftmax(config) (*prepared, error) {
	return setupTraining(softmaxModel, "SGD", map[string]any{"lr": 0.1}, true, 0)
}

func setupMLP(config) (*prepared, error) {
	return setupTraining(mlpModel, "Adam", map[string]any{"lr": 1e-3}, true, 0)
}

func setupCNN(cfg config) (*prepared, error) {
	return setupTraining(cnnModel, "Adam", map[string]any{"lr": 1e-3}, false, cfg.steps)
}

// setupTraining reads Fashion-MNIST's training set, builds a train.Trainer with the dlopt/optim
// optimizer that torch.optim calls torchClass, and runs one step (building and compiling its
// graph). A repetition is then one epoch (maxSteps 0) or maxSteps steps, starting a new shuffled
// epoch each time; it returns the mean batch loss.
func setupTraining(model train.ModelFn, torchClass string, kwargs map[string]any, flatten bool, maxSteps int) (*prepared, error) {
	backend, err := dlopt.Backend()
	if err != nil {
		return nil, err
	}
	optimizer, err := optim.New(optim.Torch, torchClass, kwargs)
	if err != nil {
		return nil, err
	}
	ds, err := data.LoadFashionMNIST(data.Train)
	if err != nil {
		return nil, err
	}
	loader, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: batchSize, Shuffle: true, Seed: 1, DropLast: true, Flatten: flatten})
	if err != nil {
		return nil, err
	}
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(1); err != nil {
		return nil, err
	}
	trainer := train.NewTrainer(backend, ctx, model, losses.SparseCategoricalCrossEntropyLogits, optimizer, nil, nil)
	step := func(inputs, labels []*tensors.Tensor) (loss float64, err error) {
		metrics, err := trainer.TrainStep(nil, inputs, labels)
		if err != nil {
			return 0, err
		}
		// The batch loss is metrics[0]; reading it is one scalar per step, as loss.item() is for torch.
		loss, err = scalarValue(metrics[0])
		for _, m := range metrics {
			m.FinalizeAll()
		}
		for _, t := range append(inputs, labels...) {
			t.FinalizeAll()
		}
		return loss, err
	}
	// Compile: one step on the first batch, then start over on a fresh epoch.
	if _, inputs, labels, err := loader.Yield(); err != nil {
		return nil, err
	} else if _, err := step(inputs, labels); err != nil {
		return nil, err
	}
	loader.Reset()
	steps := loader.BatchesPerEpoch()
	if maxSteps > 0 {
		steps = min(steps, maxSteps)
	}
	run := func() (float64, error) {
		defer loader.Reset()
		var sum float64
		for i := range steps {
			_, inputs, labels, err := loader.Yield()
			if errors.Is(err, io.EOF) {
				return 0, fmt.Errorf("epoch ended after %d of %d steps", i, steps)
			} else if err != nil {
				return 0, err
			}
			loss, err := step(inputs, labels)
			if err != nil {
				return 0, err
			}
			sum += loss
		}
		return sum / float64(steps), nil
	}
	return &prepared{run: run, units: 1, steps: steps}, nil
}

// scalarValue reads a float32 or float64 scalar tensor.
func scalarValue(t *tensors.Tensor) (float64, error) {
	switch v := t.Value().(type) {
	case float32:
		return float64(v), nil
	case float64:
		return v, nil
	}
	return 0, fmt.Errorf("expected a float scalar, got %s", t.Shape())
}
