package experiment

import (
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/data"
	"github.com/gomlx/compute/gobackend"
)

// synthetic returns a small learnable problem: n training and n/4 test images of side x side
// pixels, cut from one synthetic dataset so that they share the class prototypes but not the
// noise.
func synthetic(t *testing.T, n, side, classes int) Datasets {
	t.Helper()
	all, err := data.Synthetic(data.SyntheticConfig{N: n + n/4, Height: side, Width: side, Classes: classes, Noise: 0.4, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	indices := make([]int, all.N)
	for i := range indices {
		indices[i] = i
	}
	trainSet, err := all.Subset("synthetic-train", indices[:n])
	if err != nil {
		t.Fatal(err)
	}
	testSet, err := all.Subset("synthetic-test", indices[n:])
	if err != nil {
		t.Fatal(err)
	}
	return Datasets{Train: trainSet, Test: testSet}
}

// ownBackendConfig is a Config.Backend that makes Train create (and Close release) a backend of
// its own: "simplego" when the Go backend is selected (dlopt's other name for "go", so not
// shared). On other backends it is the selected configuration, which Train shares: a second XLA
// client on a GPU would reserve the device's memory again.
func ownBackendConfig() string {
	if b, err := dlopt.Backend(); err == nil && b.String() == gobackend.BackendName {
		return "simplego"
	}
	return dlopt.BackendConfig()
}
