package batched_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/decentral/batched"
	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
)

// Train 4 workers of a linear classifier as one batched graph with GoMLX's train.Trainer: the
// model has a leading worker axis, the optimizer is a decentralized round around PyTorch's SGD.
// Over a ring the workers drift apart on their own data; all-reduce keeps them equal.
// (experiment.Train does all of this from Config.Workers, with shards and evaluation.)
func ExampleNewRounds() {
	backend := dlopt.MustBackend()
	const n, batch = 4, 5
	images := make([]float32, n*batch*2*2) // worker i's images all equal i: different data
	labels := make([]int32, n*batch)
	for i := range images {
		images[i] = float32(i / (batch * 4))
	}
	for i := range labels {
		labels[i] = int32(i / batch % 2)
	}
	for _, name := range []string{"ring", "all-reduce"} {
		top, _ := decentral.New(name, n)
		store := model.NewStore()
		_ = store.SetRNGStateFromSeed(1)
		_ = batched.SetMixing(store, top.Mixing(0), dtypes.Float32)
		sgd, _ := optim.New(optim.Torch, "SGD", map[string]any{"lr": 0.5})
		rounds, _ := batched.NewRounds(sgd, decentral.DSGD, n)
		wm := batched.WorkerModel{Base: models.Linear{Classes: 2, Bias: true}, Workers: n}
		modelFn, _ := wm.ModelFn()
		trainer := train.NewTrainer(backend, store, modelFn, models.CrossEntropyLoss, rounds, nil, nil)
		for range 3 {
			_, err := trainer.TrainStep(train.Batch{
				Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]float32(nil), images...), n, batch, 2, 2)},
				Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]int32(nil), labels...), n*batch, 1)}})
			if err != nil {
				panic(err)
			}
		}
		bias, _ := store.GetVariable("/workers/linear/b").Value()
		b := tensors.MustCopyFlatData[float32](bias) // [n, 2]
		fmt.Printf("%s: workers 0 and 3 agree: %v\n", name, b[0] == b[6] && b[1] == b[7])
	}
	// Output:
	// ring: workers 0 and 3 agree: false
	// all-reduce: workers 0 and 3 agree: true
}
