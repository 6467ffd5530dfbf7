package experiment

import (
	"slices"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
)

// TestSplitRows: a workers' batch [n, B, ...] cut into device parts keeps the rows in order,
// each part with its labels.
func TestSplitRows(t *testing.T) {
	const n, b, pixels, parts = 4, 3, 2, 2
	images := make([]float32, n*b*pixels)
	for i := range images {
		images[i] = float32(i)
	}
	labels := make([]int32, n*b)
	for i := range labels {
		labels[i] = int32(100 + i)
	}
	batch := train.Batch{Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(images, n, b, 1, pixels)},
		Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(labels, n*b, 1)}}
	out, err := splitRows(batch, parts)
	if err != nil {
		t.Fatal(err)
	}
	rows := n * b / parts
	for i, part := range out {
		if got := part.Inputs[0].Shape().Dimensions; !slices.Equal(got, []int{rows, 1, pixels}) {
			t.Fatalf("part %d images %v", i, got)
		}
		img := tensors.MustCopyFlatData[float32](part.Inputs[0])
		lab := tensors.MustCopyFlatData[int32](part.Labels[0])
		if !slices.Equal(img, images[i*rows*pixels:(i+1)*rows*pixels]) || !slices.Equal(lab, labels[i*rows:(i+1)*rows]) {
			t.Errorf("part %d: images %v labels %v", i, img, lab)
		}
	}
}

// TestDevicesChoice: the device path is chosen only for data-parallel SGD on a backend with
// several devices; this machine's backends have one, so every run is simulated here.
func TestDevicesChoice(t *testing.T) {
	backend, err := dlopt.Backend()
	if err != nil {
		t.Fatal(err)
	}
	allReduce := Config{Workers: 4, Topology: "all-reduce", Algorithm: "dsgd", Optimizer: "torch:SGD"}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		data bool
	}{
		{"all-reduce-sgd", func(*Config) {}, true},
		{"optax-sgd", func(c *Config) { c.Optimizer = "optax:sgd" }, true},
		{"adam", func(c *Config) { c.Optimizer = "adam" }, false},
		{"ring", func(c *Config) { c.Topology = "ring" }, false},
		{"exact-diffusion", func(c *Config) { c.Algorithm = "exact-diffusion" }, false},
		{"single", func(c *Config) { c.Workers = 0 }, false},
	} {
		cfg := allReduce
		tc.edit(&cfg)
		if got := dataParallel(cfg); got != tc.data {
			t.Errorf("%s: dataParallel %v, want %v", tc.name, got, tc.data)
		}
		if d, err := devicesFor(cfg, backend, nil); err != nil || (backend.NumDevices() == 1 && d != 1) {
			t.Errorf("%s: devices %d, %v on a backend with %d", tc.name, d, err, backend.NumDevices())
		}
	}
	cfg := allReduce
	cfg.Devices = backend.NumDevices() + 1
	if cfg.Workers%cfg.Devices == 0 {
		cfg.Workers *= 2
	}
	if _, err := devicesFor(cfg, backend, nil); err == nil || !strings.Contains(err.Error(), "devices") {
		t.Errorf("more devices than the backend has: %v", err)
	}
	// A checkpoint of one model trained on devices cannot resume as simulated workers; one of
	// simulated workers resumes simulated whatever the devices.
	cfg = allReduce
	device := &Checkpoint{Path: "ckpt", Trainable: []string{"/linear/X", "/linear/b"}}
	if d, err := devicesFor(cfg, backend, device); backend.NumDevices() == 1 && (err == nil || !strings.Contains(err.Error(), "trained on several devices")) {
		t.Errorf("device checkpoint on one device: %d, %v", d, err)
	}
	simulated := &Checkpoint{Path: "ckpt", Trainable: []string{"/workers/linear/X"}}
	if d, err := devicesFor(cfg, backend, simulated); d != 1 || err != nil {
		t.Errorf("simulated checkpoint: %d, %v", d, err)
	}
}

// TestDevicesConfigErrors: Config.Devices is checked against the run it applies to.
func TestDevicesConfigErrors(t *testing.T) {
	ok := Config{Workers: 4, Topology: "all-reduce", Optimizer: "torch:SGD", DType: dtypes.Float32}
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Devices = -1 }, "devices -1 is invalid"},
		{func(c *Config) { c.Devices = 3 }, "devices 3 must divide workers 4"},
		{func(c *Config) { c.Devices, c.Topology = 2, "ring" }, "devices 2 needs workers > 1 with topology all-reduce"},
		{func(c *Config) { c.Devices, c.Optimizer = 2, "adam" }, "optimizer torch:SGD or optax:sgd"},
		{func(c *Config) { c.Devices, c.Workers, c.Topology = 2, 0, "" }, "devices 2 needs workers > 1 (workers is 1)"},
	} {
		cfg := ok
		tc.edit(&cfg)
		err := cfg.WithDefaults().Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", cfg, err, tc.want)
		}
	}
}
