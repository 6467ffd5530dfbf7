package experiment

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/compute"
)

// prepareSplits checks that the splits fit together and applies the limits.
func prepareSplits(cfg Config, ds Datasets) (trainSet, testSet *data.Dataset, err error) {
	if ds.Train == nil || ds.Test == nil {
		return nil, nil, errors.New("experiment: both a training and a test dataset are needed")
	}
	for _, d := range []*data.Dataset{ds.Train, ds.Test} {
		if err := d.Validate(); err != nil {
			return nil, nil, err
		}
	}
	if ds.Train.Height != ds.Test.Height || ds.Train.Width != ds.Test.Width || ds.Train.NumClasses() != ds.Test.NumClasses() {
		return nil, nil, fmt.Errorf("experiment: training set %q has %dx%d images in %d classes but test set %q has %dx%d in %d",
			ds.Train.Name, ds.Train.Height, ds.Train.Width, ds.Train.NumClasses(),
			ds.Test.Name, ds.Test.Height, ds.Test.Width, ds.Test.NumClasses())
	}
	if trainSet, err = limit(ds.Train, cfg.TrainLimit, "train limit", true, cfg.Seed); err != nil {
		return nil, nil, err
	}
	if testSet, err = limit(ds.Test, cfg.TestLimit, "test limit", false, 0); err != nil {
		return nil, nil, err
	}
	if cfg.BatchSize > trainSet.N {
		return nil, nil, fmt.Errorf("%w: batch size %d is larger than the %d training examples", ErrInvalidConfig, cfg.BatchSize, trainSet.N)
	}
	return trainSet, testSet, nil
}

// limit keeps n examples of ds (all when n is 0): a random choice drawn from seed when random
// is set (a small training subset then still has every class), else the first n.
func limit(ds *data.Dataset, n int, what string, random bool, seed int64) (*data.Dataset, error) {
	if n == 0 || n == ds.N {
		return ds, nil
	}
	if n > ds.N {
		return nil, fmt.Errorf("%w: %s %d exceeds the %d examples of %q", ErrInvalidConfig, what, n, ds.N, ds.Name)
	}
	indices := make([]int, ds.N)
	for i := range indices {
		indices[i] = i
	}
	if random {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
		rng.Shuffle(len(indices), func(i, j int) { indices[i], indices[j] = indices[j], indices[i] })
	}
	return ds.Subset(fmt.Sprintf("%s[:%d]", ds.Name, n), indices[:n])
}

// buildModel returns the dlopt/models classifier cfg names.
func buildModel(cfg Config, classes int) (models.Model, error) {
	var m models.Model
	switch cfg.Model {
	case ModelLinear:
		m = models.Linear{Classes: classes, Bias: true}
	case ModelMLP:
		m = models.MLP{Hidden: cfg.Hidden, Classes: classes, Activation: models.ReLU}
	case ModelCNN:
		cnn := models.DefaultCNN
		cnn.Classes = classes
		m = cnn
	default:
		return nil, fmt.Errorf("experiment: model %q is unknown", cfg.Model) // Validate catches it first
	}
	return m, m.Validate()
}

// backendFor returns dlopt's shared backend, or a new one (owned by the result) when cfg names
// another configuration.
func backendFor(cfg Config) (b compute.Backend, owned bool, err error) {
	if cfg.Backend == "" || cfg.Backend == dlopt.BackendConfig() {
		b, err = dlopt.Backend()
		return b, false, err
	}
	b, err = dlopt.NewBackend(cfg.Backend)
	return b, true, err
}
