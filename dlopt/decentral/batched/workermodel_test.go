package batched_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/decentral/batched"
	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
)

// workerModelCases are the classifiers WorkerModel batches, with variables to compare.
var workerModelCases = []struct {
	name string
	base models.Model
	vars []string
}{
	{"linear", models.Linear{Classes: 3, Bias: true}, []string{"linear/X", "linear/b"}},
	{"mlp", models.MLP{Hidden: []int{5}, Classes: 3, Activation: models.Tanh}, []string{"mlp/hidden0/weights", "mlp/hidden0/biases", "mlp/classifier/weights"}},
	{"cnn", models.CNN{Channels: [2]int{2, 3}, Kernel: 3, Hidden: 4, Classes: 3, Activation: models.Tanh},
		[]string{"cnn/conv0/weights", "cnn/conv0/biases", "cnn/conv1/weights", "cnn/hidden/weights", "cnn/classifier/biases"}},
}

// randomBatches draws steps batches of n workers x batch images side x side and labels in 0..2.
func randomBatches(n, batch, side, steps int) (images [][]float64, labels [][]int32) {
	rng := rand.New(rand.NewPCG(9, 9))
	images, labels = make([][]float64, steps), make([][]int32, steps)
	for k := range steps {
		for range n * batch * side * side {
			images[k] = append(images[k], rng.NormFloat64())
		}
		for range n * batch {
			labels[k] = append(labels[k], int32(rng.IntN(3)))
		}
	}
	return images, labels
}

// trainWorkers trains a float64 worker-batched classifier with dsgd (mixing matrix w, all-reduce
// when nil) and SGD through train.Trainer on the given steps' images [n*B*pixels] and labels
// [n*B] (worker after worker) and returns the store.
func trainWorkers(t *testing.T, base models.Model, n, batch, side int, images [][]float64, labels [][]int32, w [][]float64) *model.Store {
	t.Helper()
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	top, err := decentral.AllReduce(n)
	if err != nil {
		t.Fatal(err)
	}
	if w == nil {
		w = top.Mixing(0)
	}
	if err := batched.SetMixing(store, w, dtypes.Float64); err != nil {
		t.Fatal(err)
	}
	rounds, err := batched.NewRounds(sgd(t, 0.3), decentral.DSGD, n)
	if err != nil {
		t.Fatal(err)
	}
	modelFn, err := batched.WorkerModel{Base: base, Workers: n}.ModelFn()
	if err != nil {
		t.Fatal(err)
	}
	trainer := train.NewTrainer(dlopt.MustBackend(), store, modelFn, models.CrossEntropyLoss, rounds, nil, nil)
	for k := range images {
		_, err := trainer.TrainStep(train.Batch{
			Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]float64(nil), images[k]...), n, batch, side, side)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]int32(nil), labels[k]...), n*batch, 1)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return store
}

// TestWorkerModelAllReduceIsLargeBatch: the linear classifier, an MLP and a CNN as 4 workers of batch 3
// with all-reduce and SGD end with every worker's parameters equal, to 1e-12 in float64, to one
// worker's trained on the 12 examples together (same initial draw): the workers' rows, labels
// and gradients line up worker after worker.
func TestWorkerModelAllReduceIsLargeBatch(t *testing.T) {
	const n, batch, side = 4, 3, 4
	images, labels := randomBatches(n, batch, side, 4)
	for _, tc := range workerModelCases {
		t.Run(tc.name, func(t *testing.T) {

			workers := trainWorkers(t, tc.base, n, batch, side, images, labels, nil)
			single := trainWorkers(t, tc.base, 1, n*batch, side, images, labels, nil)
			for _, name := range tc.vars {
				w, _ := workers.GetVariable("/workers/" + name).Value()
				s, _ := single.GetVariable("/workers/" + name).Value()
				all, one := tensors.MustCopyFlatData[float64](w), tensors.MustCopyFlatData[float64](s)
				worst := 0.0
				for i, v := range all {
					worst = max(worst, math.Abs(v-one[i%len(one)]))
				}
				if worst > 1e-12 {
					t.Errorf("%s: the workers differ from the large-batch model by %g", name, worst)
				}
			}
		})
	}
}

// TestWorkerModelWorkersAreIndependent: without mixing (W = I) each of 3 workers of every model
// ends where the model trained alone on that worker's rows does (float64, 1e-12): no worker's
// rows, parameters or gradients reach another's.
func TestWorkerModelWorkersAreIndependent(t *testing.T) {
	const n, batch, side = 3, 2, 4
	images, labels := randomBatches(n, batch, side, 3)
	identity := [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	pixels := batch * side * side
	for _, tc := range workerModelCases {
		t.Run(tc.name, func(t *testing.T) {
			workers := trainWorkers(t, tc.base, n, batch, side, images, labels, identity)
			for i := range n {
				own, ownLabels := make([][]float64, len(images)), make([][]int32, len(images))
				for k := range images {
					own[k], ownLabels[k] = images[k][i*pixels:(i+1)*pixels], labels[k][i*batch:(i+1)*batch]
				}
				alone := trainWorkers(t, tc.base, 1, batch, side, own, ownLabels, [][]float64{{1}})
				for _, name := range tc.vars {
					w, _ := workers.GetVariable("/workers/" + name).Value()
					a, _ := alone.GetVariable("/workers/" + name).Value()
					all, one := tensors.MustCopyFlatData[float64](w), tensors.MustCopyFlatData[float64](a)
					worst := 0.0
					for j, v := range one {
						worst = max(worst, math.Abs(all[i*len(one)+j]-v))
					}
					if worst > 1e-12 {
						t.Errorf("worker %d's %s differs from the model trained alone on its rows by %g", i, name, worst)
					}
				}
			}
		})
	}
}
