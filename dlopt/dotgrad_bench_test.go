package dlopt_test

import (
	"math/rand/v2"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// mlpModel is the MLP 784-256-256-10 with ReLU, written with GoMLX's own layers, as users do.
func mlpModel(ctx *context.Context, _ any, inputs []*graph.Node) []*graph.Node {
	x := inputs[0]
	x = activations.Relu(layers.DenseWithBias(ctx.In("hidden1"), x, 256))
	x = activations.Relu(layers.DenseWithBias(ctx.In("hidden2"), x, 256))
	return []*graph.Node{layers.DenseWithBias(ctx.In("logits"), x, 10)}
}

// BenchmarkMLPTrainStep times one train.Trainer step (forward, gradient, Adam update) of the MLP
// 784-256-256-10 on a batch of 128, on the backend dlopt.Backend() picks (simplego by default),
// with GoMLX's stock matrix-product gradient and with dlopt's, in the same run:
//
//	go test -run '^$' -bench MLPTrainStep ./dlopt/
func BenchmarkMLPTrainStep(b *testing.B) {
	const batch = 128
	rng := rand.New(rand.NewPCG(7, 8))
	images := make([]float32, batch*784)
	for i := range images {
		images[i] = rng.Float32()
	}
	labels := make([]int32, batch)
	for i := range labels {
		labels[i] = int32(rng.IntN(10))
	}
	inputs := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(images, batch, 784)}
	targets := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(labels, batch, 1)}
	backend, err := dlopt.Backend()
	if err != nil {
		b.Fatal(err)
	}
	for _, which := range []dlopt.DotGradient{dlopt.StockDotGradient, dlopt.FastDotGradient} {
		b.Run(which.String(), func(b *testing.B) {
			ctx := context.New()
			if err := ctx.SetRNGStateFromSeed(42); err != nil {
				b.Fatal(err)
			}
			trainer := train.NewTrainer(backend, ctx, mlpModel, losses.SparseCategoricalCrossEntropyLogits,
				optimizers.Adam().LearningRate(1e-3).Done(), nil, nil)
			// The gradient is chosen when the step's graph is built, on its first call: build it
			// with the choice in force, outside the timed loop.
			previous, err := dlopt.SetDotGradient(which)
			if err != nil {
				b.Fatal(err)
			}
			_, err = trainer.TrainStep(nil, inputs, targets)
			_, _ = dlopt.SetDotGradient(previous)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := trainer.TrainStep(nil, inputs, targets); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
