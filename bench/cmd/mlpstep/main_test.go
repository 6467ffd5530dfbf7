package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
)

func TestMain(m *testing.M) {
	// dlopt.Backend() is made once per process: with nothing selected (`make test-backend` sets
	// DLOPT_BACKEND), pin the Go backend before any test asks for it, whatever GOMLX_BACKEND says.
	if os.Getenv(dlopt.BackendEnv) == "" {
		os.Setenv(dlopt.BackendEnv, "go")
	}
	os.Exit(m.Run())
}

func TestNewConfig(t *testing.T) {
	cases := []struct {
		name         string
		sizes, steps string
		reps, warmup int
		want         config
		wantErr      string // a substring of the error; "" for none
	}{
		{name: "defaults", sizes: "128x256,4096x256,4096x2048", steps: "200", reps: 5, warmup: 20,
			want: config{sizes: []size{{128, 256}, {4096, 256}, {4096, 2048}}, steps: []int{200, 200, 200}, reps: 5, warmup: 20}},
		{name: "steps per size", sizes: "8x16, 32x64", steps: "3,2", reps: 1, warmup: 1,
			want: config{sizes: []size{{8, 16}, {32, 64}}, steps: []int{3, 2}, reps: 1, warmup: 1}},
		{name: "size without x", sizes: "128y256", steps: "1", reps: 1, warmup: 1, wantErr: `"128y256"`},
		{name: "zero batch", sizes: "128x256,0x256", steps: "1", reps: 1, warmup: 1, wantErr: `"0x256"`},
		{name: "missing hidden", sizes: "128x", steps: "1", reps: 1, warmup: 1, wantErr: `"128x"`},
		{name: "too large", sizes: "99999999x2", steps: "1", reps: 1, warmup: 1, wantErr: `"99999999x2"`},
		{name: "empty sizes", sizes: "", steps: "1", reps: 1, warmup: 1, wantErr: "-sizes"},
		{name: "zero steps", sizes: "8x16", steps: "0", reps: 1, warmup: 1, wantErr: `"0"`},
		{name: "steps not a number", sizes: "8x16", steps: "ten", reps: 1, warmup: 1, wantErr: `"ten"`},
		{name: "steps count mismatch", sizes: "8x16,8x32,8x64", steps: "1,2", reps: 1, warmup: 1, wantErr: `"1,2"`},
		{name: "zero reps", sizes: "8x16", steps: "1", reps: 0, warmup: 1, wantErr: "-reps 0"},
		{name: "no warm-up", sizes: "8x16", steps: "1", reps: 1, warmup: 0, wantErr: "-warmup 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := newConfig(c.sizes, c.steps, c.reps, c.warmup)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestRunRejects(t *testing.T) {
	for _, args := range [][]string{{"-sizes", "8x"}, {"-gradient", "fast"}, {"extra"}} {
		var out, errs bytes.Buffer
		if err := run(args, &out, &errs); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		} else if out.Len() > 0 {
			t.Errorf("run(%q) failed (%v) but printed %q", args, err, out.String())
		}
	}
}

// TestRunTiny trains a tiny MLP on the selected backend (the Go backend unless DLOPT_BACKEND
// says otherwise) and checks every JSON line.
func TestRunTiny(t *testing.T) {
	var out, errs bytes.Buffer
	args := []string{"-sizes", "8x16,16x8", "-steps", "3,2", "-reps", "2", "-warmup", "2"}
	if err := run(args, &out, &errs); err != nil {
		t.Fatalf("run: %v\n%s", err, errs.String())
	}
	var results []result
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not a result line: %q: %v", line, err)
		}
		results = append(results, r)
	}
	if len(results) != 2 {
		t.Fatalf("got %d lines, want 2 (one per size):\n%s", len(results), out.String())
	}
	wantOrder := []struct {
		batch, hidden int
		steps         int
	}{{8, 16, 3}, {16, 8, 2}}
	for i, r := range results {
		w := wantOrder[i]
		if r.Impl != "dlopt" || r.Variant != "" || r.Gradient == "" || r.Batch != w.batch ||
			r.Hidden != w.hidden || r.Steps != w.steps || r.Reps != 2 || r.Warmup != 2 || r.DType != "float32" {
			t.Errorf("line %d: %+v, want dlopt %dx%d %d steps x 2 reps", i, r, w.batch, w.hidden, w.steps)
		}
		if r.BackendConfig != dlopt.BackendConfig() || !strings.Contains(r.Precision, "float32 arithmetic") || !r.DataOnDevice {
			t.Errorf("line %d: backend config %q, precision %q, data on device %v", i, r.BackendConfig, r.Precision, r.DataOnDevice)
		}
		if len(r.MsPerStep) != 2 || slices.Min(r.MsPerStep) <= 0 || r.MedianMs < slices.Min(r.MsPerStep) || r.MedianMs > slices.Max(r.MsPerStep) {
			t.Errorf("line %d: ms_per_step %v, median %v", i, r.MsPerStep, r.MedianMs)
		}
		if !(r.BatchCopyMs > 0) || r.BatchCopyMs > r.MedianMs*10 {
			t.Errorf("line %d: batch_copy_ms %v (step %v ms)", i, r.BatchCopyMs, r.MedianMs)
		}
		if !r.LossFinite || r.LossFirst == nil || r.LossLast == nil {
			t.Fatalf("line %d: losses not finite: %+v", i, r)
		}
		// One fixed batch, 2+2*steps Adam steps: the loss must fall.
		if *r.LossLast >= *r.LossFirst {
			t.Errorf("line %d: loss %v -> %v did not fall", i, *r.LossFirst, *r.LossLast)
		}
	}
}

func TestPrecisionNote(t *testing.T) {
	cases := []struct{ backend, config, want string }{
		{"go", "go", "float32 arithmetic"},
		{"xla", "xla:/opt/jax_plugins/xla_cuda13/xla_cuda_plugin.so", "precision DEFAULT"},
		{"xla", "xla:cuda,tf32=false", "precision HIGHEST"},
		{"xla", "xla:cuda,notf32", "precision HIGHEST"},
		{"xla", "xla:cpu", "full float32 on CPU"},
		{"xla", "xla:cpu,tf32", "explicit TF32"},
	}
	for _, c := range cases {
		if got := precisionNote(c.backend, c.config); !strings.Contains(got, c.want) {
			t.Errorf("precisionNote(%q, %q) = %q, want it to contain %q", c.backend, c.config, got, c.want)
		}
	}
}

// TestPeersSameFields runs bench/gpu/peers.py (PyTorch on the CPU) at a tiny size and checks
// that its line carries every field mlpstep writes, so that report.py reads both alike.
func TestPeersSameFields(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		t.Skipf("no %s with torch: %v", python, err)
	}
	cmd := exec.Command(python, "../../gpu/peers.py", "--impl", "torch", "--device", "cpu",
		"--sizes", "8x16", "--steps", "2", "--reps", "2", "--warmup", "1")
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("peers.py: %v\n%s", err, out)
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(out), &line); err != nil {
		t.Fatalf("peers.py printed %q: %v", out, err)
	}
	rt := reflect.TypeFor[result]()
	for i := range rt.NumField() {
		key := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
		if _, ok := line[key]; !ok {
			t.Errorf("peers.py's line lacks %q: %s", key, out)
		}
	}
	if line["impl"] != "torch" || line["loss_finite"] != true {
		t.Errorf("peers.py: %s", out)
	}
}
