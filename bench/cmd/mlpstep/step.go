package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/dlopt/course/bench/internal/measure"
	"github.com/dlopt/course/bench/internal/workload"
	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
)

// inputSize and classes are Fashion-MNIST's: 28x28 images, 10 classes.
const (
	inputSize = 784
	classes   = 10
)

// timing is what measure returns for one (size, gradient).
type timing struct {
	msPerStep            []float64 // one per repetition
	lossFirst, lossLast  float64   // the first warm-up step's loss, the last timed step's
	inputsOnDevice       bool
	lossReadsPerRep      int
	stepsPerRep, warmups int
}

// timeTrainStep trains the MLP 784-H-H-10 (ReLU) with Adam lr 1e-3 and cross-entropy on one fixed
// random batch through GoMLX's train.Trainer, and times reps repetitions of steps steps each.
//
// The batch is made once and moved to the device before timing: GoMLX's executor passes a
// tensor already on the device as its buffer (no copy, no donation), so the timed steps do no
// host-to-device transfer. A repetition queues its steps and then reads the last step's loss
// to the host: that transfer waits for every queued step, so the time covers all their work
// (one sync per repetition, as block_until_ready / torch.cuda.synchronize do in peers.py).
func timeTrainStep(backend compute.Backend, sz size, gradient dlopt.DotGradient, steps, reps, warmup int) (t timing, err error) {
	// The choice applies to graphs built afterwards: this trainer's graph is built on its first step.
	if _, err := dlopt.SetDotGradient(gradient); err != nil {
		return t, err
	}
	// The benchmark's MLP workload (Adam lr 1e-3) with this size's hidden width.
	mlp := workload.MLP
	mlp.Model = models.MLP{Hidden: []int{sz.Hidden, sz.Hidden}, Classes: classes, Activation: models.ReLU}
	trainer, scope, err := mlp.NewTrainer(backend, 1)
	if err != nil {
		return t, err
	}
	defer scope.Finalize()
	inputs, labels := randomBatch(sz.Batch)
	defer inputs.FinalizeAll()
	defer labels.FinalizeAll()
	for _, x := range []*tensors.Tensor{inputs, labels} {
		if err := x.MaterializeOnDevice(backend, false, 0); err != nil {
			return t, fmt.Errorf("moving the batch to the device: %w", err)
		}
	}
	t.inputsOnDevice = inputs.IsOnDevice(0) && labels.IsOnDevice(0)
	batch, target := []*tensors.Tensor{inputs}, []*tensors.Tensor{labels}

	// run makes n steps and returns the last one's loss, read on the host.
	run := func(n int) (float64, error) {
		var loss *tensors.Tensor
		for i := range n {
			metrics, err := trainer.TrainStep(nil, batch, target)
			if err != nil {
				return 0, fmt.Errorf("train step: %w", err)
			}
			for j, m := range metrics {
				if i == n-1 && j == 0 {
					loss = m // the batch loss
				} else {
					m.FinalizeAll()
				}
			}
		}
		defer loss.FinalizeAll()
		return measure.ScalarValue(loss)
	}
	if t.lossFirst, err = run(1); err != nil {
		return t, err
	}
	if warmup > 1 {
		if _, err := run(warmup - 1); err != nil {
			return t, err
		}
	}
	for range reps {
		start := time.Now()
		if t.lossLast, err = run(steps); err != nil {
			return t, err
		}
		t.msPerStep = append(t.msPerStep, float64(time.Since(start).Microseconds())/1000/float64(steps))
	}
	t.lossReadsPerRep, t.stepsPerRep, t.warmups = 1, steps, warmup
	return t, nil
}

// randomBatch returns inputs [batch, 784] uniform in [0, 1) (like scaled pixels) and int32
// labels [batch] uniform in 0..9, from a fixed seed.
func randomBatch(batch int) (inputs, labels *tensors.Tensor) {
	rng := rand.New(rand.NewPCG(1, uint64(batch)))
	x := make([]float32, batch*inputSize)
	for i := range x {
		x[i] = rng.Float32()
	}
	y := make([]int32, batch)
	for i := range y {
		y[i] = int32(rng.IntN(classes))
	}
	return tensors.FromFlatDataAndDimensions(x, batch, inputSize), tensors.FromFlatDataAndDimensions(y, batch)
}

// finiteOrNil keeps NaN and ±Inf out of the JSON (encoding/json rejects them): null instead.
func finiteOrNil(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
