// Package workload defines the benchmark's training workloads once, for the programs that time
// them (bench/cmd/dlbench), check their accuracy (bench/cmd/accuracy) and time the MLP step on a
// GPU (bench/cmd/mlpstep): the model, the optimizer by its torch.optim name, the input layout,
// and the GoMLX trainer built from them. bench/torch_peer.py and bench/accuracy_peer.py are
// their PyTorch twins.
package workload

import (
	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/metric"
)

// BatchSize is the batch of every training workload, as in the PyTorch peers.
const BatchSize = 128

// Training is a model trained with softmax cross-entropy by one optimizer.
type Training struct {
	Name       string
	Model      models.Model
	TorchClass string  // the torch.optim class, built by dlopt/optim
	LR         float64 // its learning rate, the only keyword set
	Flatten    bool    // images as [batch, 784], else [batch, 28, 28]
}

// The training workloads on Fashion-MNIST.
var (
	// Softmax is softmax regression: the linear classifier 784-10 with bias, SGD lr 0.1.
	Softmax = Training{Name: "softmax", Model: models.Linear{Classes: data.FashionClasses, Bias: true},
		TorchClass: "SGD", LR: 0.1, Flatten: true}
	// MLP is the MLP 784-256-256-10 with ReLU, Adam lr 1e-3.
	MLP = Training{Name: "mlp", Model: models.MLP{Hidden: []int{256, 256}, Classes: data.FashionClasses, Activation: models.ReLU},
		TorchClass: "Adam", LR: 1e-3, Flatten: true}
	// CNN is conv3x3(8, same)+ReLU, 2x2 max-pool, conv3x3(16)+ReLU, 2x2 max-pool, dense 10, Adam
	// lr 1e-3. dlopt/models builds the convolutions from a gather and one matrix product and the
	// pooling from a reshape and ReduceMax: GoMLX v0.26.0's conv and max-pool gradients used ops
	// its Go backend lacked (Reverse, SelectAndScatterMax).
	CNN = Training{Name: "cnn", Model: models.CNN{Channels: [2]int{8, 16}, Kernel: 3, Classes: data.FashionClasses, Activation: models.ReLU},
		TorchClass: "Adam", LR: 1e-3}
)

// NewTrainer builds GoMLX's train.Trainer for t on backend: dlopt/models' cross-entropy, the
// dlopt/optim optimizer, a new store whose random numbers (the initial weights) come from seed,
// and the given evaluation metrics. The caller may Finalize the store when done.
func (t Training) NewTrainer(backend compute.Backend, seed int64, evalMetrics ...metric.Interface) (*train.Trainer, *model.Store, error) {
	modelFn, err := models.ModelFn(t.Model)
	if err != nil {
		return nil, nil, err
	}
	optimizer, err := optim.New(optim.Torch, t.TorchClass, map[string]any{"lr": t.LR})
	if err != nil {
		return nil, nil, err
	}
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(seed); err != nil {
		return nil, nil, err
	}
	return train.NewTrainer(backend, store, modelFn, models.CrossEntropyLoss, optimizer, nil, evalMetrics), store, nil
}
