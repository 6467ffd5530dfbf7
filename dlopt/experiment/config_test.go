package experiment

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
)

func TestConfigDefaults(t *testing.T) {
	c := Config{Model: ModelMLP}.WithDefaults()
	if c.Optimizer != DefaultOptimizer || c.LearningRate != DefaultLearningRate || c.Epochs != DefaultEpochs ||
		c.BatchSize != DefaultBatchSize || c.Schedule != DefaultSchedule || c.Normalization != DefaultNormalization ||
		c.DType != dtypes.Float32 || len(c.Hidden) != len(DefaultHidden) {
		t.Errorf("WithDefaults() = %+v: some default is missing", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	// The defaults are copied, not shared.
	c.Hidden[0] = 1
	if DefaultHidden[0] == 1 {
		t.Error("WithDefaults shares DefaultHidden with the config")
	}
	if got := (Config{LearningRate: -1}).WithDefaults().LearningRate; got != -1 {
		t.Errorf("a negative learning rate must be kept for Validate to report, got %g", got)
	}
}

func TestConfigValidate(t *testing.T) {
	valid := Config{}.WithDefaults()
	tests := []struct {
		name   string
		modify func(c *Config)
		want   []string // substrings of the error: the bad value and what is allowed
	}{
		{"unknown model", func(c *Config) { c.Model = "resnet" }, []string{`"resnet"`, "linear, mlp, cnn"}},
		{"hidden for linear", func(c *Config) { c.Hidden = []int{8} }, []string{"[8]", "only for the mlp"}},
		{"zero width", func(c *Config) { c.Model, c.Hidden = ModelMLP, []int{16, 0} }, []string{"layer 2", "width 0", ">= 1"}},
		{"mlp without layers", func(c *Config) { c.Model = ModelMLP }, []string{"at least one hidden"}},
		{"unknown optimizer", func(c *Config) { c.Optimizer = "adamz" }, []string{`"adamz"`, "Adam", "lion", "gomlx:NAME"}},
		{"negative lr", func(c *Config) { c.LearningRate = -0.5 }, []string{"-0.5", "> 0"}},
		{"NaN lr", func(c *Config) { c.LearningRate = math.NaN() }, []string{"NaN", "> 0"}},
		{"infinite lr", func(c *Config) { c.LearningRate = math.Inf(1) }, []string{"+Inf", "finite"}},
		{"lr beyond float32", func(c *Config) { c.LearningRate = 1e39 }, []string{"1e+39", "Float32", "3.4028234663852886e+38"}},
		{"unknown schedule", func(c *Config) { c.Schedule = "step" }, []string{`"step"`, "constant, cosine"}},
		{"unknown normalization", func(c *Config) { c.Normalization = "minmax" }, []string{`"minmax"`, "standardize, unit"}},
		{"zero epochs", func(c *Config) { c.Epochs = 0 }, []string{"epochs 0", ">= 1"}},
		{"negative batch", func(c *Config) { c.BatchSize = -3 }, []string{"batch size -3", ">= 1"}},
		{"int dtype", func(c *Config) { c.DType = dtypes.Int32 }, []string{"Int32", "Float32 and Float64"}},
		{"negative train limit", func(c *Config) { c.TrainLimit = -1 }, []string{"train limit -1", ">= 0"}},
		{"negative test limit", func(c *Config) { c.TestLimit = -2 }, []string{"test limit -2", ">= 0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.modify(&c)
			err := c.Validate()
			if err == nil {
				t.Fatalf("Validate(%+v) = nil, want an error", c)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	t.Run("all problems at once", func(t *testing.T) {
		err := Config{Model: "x", Optimizer: "y", LearningRate: -1, Schedule: "z", Normalization: "w", Epochs: -1,
			BatchSize: -1, DType: dtypes.Float32}.Validate()
		if err == nil || strings.Count(err.Error(), ";") != 6 {
			t.Errorf("want 7 problems separated by ';', got %v", err)
		}
	})
}

func TestResolveOptimizer(t *testing.T) {
	tests := []struct {
		name, lib, libName string
		wantErr            []string
	}{
		{name: "Adam", lib: "torch", libName: "Adam"},
		{name: "adam", lib: "optax", libName: "adam"},
		{name: "rmsprop", lib: "optax", libName: "rmsprop"},
		{name: "asgd", lib: "torch", libName: "ASGD"}, // torch only, found ignoring case
		{name: "torch:SGD", lib: "torch", libName: "SGD"},
		{name: "optax:lion", lib: "optax", libName: "lion"},
		{name: "gomlx:adamw", lib: "gomlx", libName: "adamw"},
		{name: "torch:Lion", wantErr: []string{`"torch:Lion"`, "torch has no optimizer", "SGD"}},
		{name: "gomlx:lion", wantErr: []string{"gomlx has no optimizer", `did you mean "optax:lion"`, "adam, adamax, adamw, rmsprop, sgd"}},
		// Ignoring case, "Adamw" is torch's AdamW and optax's adamw, whose defaults differ.
		{name: "Adamw", wantErr: []string{`"torch:AdamW"`, `"optax:adamw"`, `"gomlx:adamw"`, "weight_decay is 0.01 in torch:AdamW, 0.0001 in optax:adamw"}},
		{name: "Sgd", wantErr: []string{`"torch:SGD"`, `"optax:sgd"`, `"gomlx:sgd"`}},
		{name: "torch:adamw", wantErr: []string{`did you mean "torch:AdamW", "optax:adamw" or "gomlx:adamw"?`}},
		{name: "keras:adam", wantErr: []string{`unknown library "keras"`, "torch, optax and gomlx"}},
		{name: "adamz", wantErr: []string{`"adamz" is unknown`}},
		{name: "", wantErr: []string{`"" is unknown`}},
	}
	for _, tc := range tests {
		lib, name, err := ResolveOptimizer(tc.name)
		if tc.wantErr != nil {
			if err == nil {
				t.Errorf("ResolveOptimizer(%q) = %s:%s, want an error", tc.name, lib, name)
				continue
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ResolveOptimizer(%q) error %q does not mention %q", tc.name, err, w)
				}
			}
			continue
		}
		if err != nil || lib != tc.lib || name != tc.libName {
			t.Errorf("ResolveOptimizer(%q) = %q, %q, %v; want %q, %q", tc.name, lib, name, err, tc.lib, tc.libName)
		}
	}
	// Every listed name resolves to itself.
	for _, q := range Optimizers() {
		lib, name, err := ResolveOptimizer(q)
		if err != nil || lib+":"+name != q {
			t.Errorf("ResolveOptimizer(%q) = %q, %q, %v", q, lib, name, err)
		}
	}
}

func TestBuildOptimizerArguments(t *testing.T) {
	base := Config{LearningRate: 0.1}.WithDefaults()
	tests := []struct {
		name    string
		opt     string
		args    map[string]any
		wantErr string
	}{
		{"torch keyword", "torch:SGD", map[string]any{"momentum": 0.9, "nesterov": true}, ""},
		{"optax keyword", "optax:sgd", map[string]any{"momentum": 0.9}, ""},
		{"torch name for optax", "optax:sgd", map[string]any{"lr": 0.1}, `"lr"`},
		{"lr twice", "torch:SGD", map[string]any{"lr": 0.1}, "--lr"},
		{"args for gomlx", "gomlx:sgd", map[string]any{"momentum": 0.9}, "no extra arguments"},
		{"bad value", "torch:SGD", map[string]any{"momentum": -1.0}, "momentum"},
	}
	for _, tc := range tests {
		c := base
		c.Optimizer, c.OptimizerArgs = tc.opt, tc.args
		_, err := buildOptimizer(c)
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want one mentioning %s", tc.name, err, tc.wantErr)
		}
	}
}
