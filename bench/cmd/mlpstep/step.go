package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/dlopt/course/bench/internal/measure"
	"github.com/dlopt/course/bench/internal/workload"
	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
)

// inputSize and classes are Fashion-MNIST's: 28x28 images, 10 classes.
const (
	inputSize = 784
	classes   = 10
)

// timing is what timeTrainStep returns for one size.
type timing struct {
	msPerStep            []float64 // one per repetition
	copyMsPerStep        []float64 // the batch copy alone, per step, one per repetition
	lossFirst, lossLast  float64   // the first warm-up step's loss, the last timed step's
	inputsOnDevice       bool
	lossReadsPerRep      int
	stepsPerRep, warmups int
}

// timeTrainStep trains the MLP 784-H-H-10 (ReLU) with Adam lr 1e-3 and cross-entropy on one fixed
// random batch through GoMLX's train.Trainer, and times reps repetitions of steps steps each.
//
// The batch is made once and moved to the device before timing. GoMLX v0.28's Trainer takes
// the tensors of the batch it is given (it donates their buffers to the step, or frees them
// after it), so every step gets a fresh copy made on the device by a one-op graph from the
// batch kept there: no host-to-device transfer in the timed steps, and the copy's cost is also
// timed alone (copyMsPerStep) for the report. A repetition queues its steps and then reads the
// last step's loss to the host: that transfer waits for every queued step, so the time covers
// all their work (one sync per repetition, as block_until_ready / torch.cuda.synchronize do in
// peers.py).
func timeTrainStep(backend compute.Backend, sz size, steps, reps, warmup int) (t timing, err error) {
	// The benchmark's MLP workload (Adam lr 1e-3) with this size's hidden width.
	mlp := workload.MLP
	mlp.Model = models.MLP{Hidden: []int{sz.Hidden, sz.Hidden}, Classes: classes, Activation: models.ReLU}
	trainer, store, err := mlp.NewTrainer(backend, 1)
	if err != nil {
		return t, err
	}
	defer store.Finalize()
	inputs, labels := randomBatch(sz.Batch)
	defer inputs.FinalizeAll()
	defer labels.FinalizeAll()
	for _, x := range []*tensors.Tensor{inputs, labels} {
		if err := x.MaterializeOnDevice(backend, false, 0); err != nil {
			return t, fmt.Errorf("moving the batch to the device: %w", err)
		}
	}
	t.inputsOnDevice = inputs.IsOnDevice(0) && labels.IsOnDevice(0)
	// copyBatch returns a device-side copy of the batch (adding zero makes a new buffer; the
	// originals are passed by reference, not donated).
	copyExec, err := graph.NewExec(backend, func(x, y *graph.Node) (*graph.Node, *graph.Node) {
		return graph.Add(x, graph.ScalarZero(x.Graph(), x.DType())), graph.Add(y, graph.ScalarZero(y.Graph(), y.DType()))
	})
	if err != nil {
		return t, err
	}
	defer copyExec.Finalize()
	copyBatch := func() (train.Batch, error) {
		out, err := copyExec.Call(inputs, labels)
		if err != nil {
			return train.Batch{}, fmt.Errorf("copying the batch on the device: %w", err)
		}
		return train.Batch{Inputs: out[:1], Labels: out[1:]}, nil
	}

	// run makes n steps and returns the last one's loss, read on the host.
	run := func(n int) (float64, error) {
		var loss *tensors.Tensor
		for i := range n {
			batch, err := copyBatch()
			if err != nil {
				return 0, err
			}
			metrics, err := trainer.TrainStep(batch)
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
	// copies makes n batch copies alone and waits for the last (one element read to the host).
	copies := func(n int) error {
		var last train.Batch
		for i := range n {
			b, err := copyBatch()
			if err != nil {
				return err
			}
			if i < n-1 {
				_ = b.Finalize()
			} else {
				last = b
			}
		}
		defer last.Finalize()
		_, err := tensors.CopyFlatData[int32](last.Labels[0])
		return err
	}
	if t.lossFirst, err = run(1); err != nil {
		return t, err
	}
	if warmup > 1 {
		if _, err := run(warmup - 1); err != nil {
			return t, err
		}
	}
	if err := copies(1); err != nil {
		return t, err
	}
	for range reps {
		start := time.Now()
		if t.lossLast, err = run(steps); err != nil {
			return t, err
		}
		t.msPerStep = append(t.msPerStep, float64(time.Since(start).Microseconds())/1000/float64(steps))
		start = time.Now()
		if err := copies(steps); err != nil {
			return t, err
		}
		t.copyMsPerStep = append(t.copyMsPerStep, float64(time.Since(start).Microseconds())/1000/float64(steps))
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
