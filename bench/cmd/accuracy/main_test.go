package main

import (
	"bytes"
	"io"
	"math"
	"strings"
	"testing"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want map[string][3]int // workload: epochs, dlopt seeds, PyTorch seeds
		err  string
	}{
		{name: "defaults", want: map[string][3]int{"softmax": {5, 5, 5}, "mlp": {3, 3, 10}, "cnn": {1, 3, 10}}},
		{name: "override some", args: []string{"-workloads", "mlp,softmax", "-epochs", "mlp=1", "-seeds", "softmax=5"},
			want: map[string][3]int{"mlp": {1, 3, 10}, "softmax": {5, 5, 5}}},
		{name: "more dlopt seeds raise the peer's", args: []string{"-seeds", "softmax=7,mlp=2"},
			want: map[string][3]int{"softmax": {5, 7, 7}, "mlp": {3, 2, 10}, "cnn": {1, 3, 10}}},
		{name: "peer seeds", args: []string{"-workloads", "cnn", "-seeds", "cnn=2", "-peer-seeds", "cnn=20"},
			want: map[string][3]int{"cnn": {1, 2, 20}}},
		{name: "spaces", args: []string{"-workloads", "cnn, mlp", "-epochs", "cnn=2, mlp=4"},
			want: map[string][3]int{"cnn": {2, 3, 10}, "mlp": {4, 3, 10}}},
		{name: "unknown workload", args: []string{"-workloads", "resnet"}, err: `unknown workload "resnet", allowed are softmax,mlp,cnn`},
		{name: "listed twice", args: []string{"-workloads", "mlp,mlp"}, err: `"mlp" is listed twice`},
		{name: "zero epochs", args: []string{"-epochs", "mlp=0"}, err: `-epochs: mlp="0", allowed is 1..50`},
		{name: "too many seeds", args: []string{"-seeds", "cnn=21"}, err: `-seeds: cnn="21", allowed is 1..20`},
		{name: "fewer peer seeds", args: []string{"-seeds", "mlp=4", "-peer-seeds", "mlp=3"},
			err: `-peer-seeds: mlp=3 is below its 4 dlopt seeds: allowed is 4..20`},
		{name: "peer seeds for a skipped workload", args: []string{"-workloads", "mlp", "-peer-seeds", "cnn=3"},
			err: `-peer-seeds names "cnn"`},
		{name: "not a number", args: []string{"-seeds", "cnn=two"}, err: `cnn="two"`},
		{name: "no equals", args: []string{"-epochs", "mlp"}, err: `"mlp" is not workload=count`},
		{name: "unknown in counts", args: []string{"-epochs", "vgg=1"}, err: `-epochs: unknown workload "vgg"`},
		{name: "count twice", args: []string{"-epochs", "mlp=1,mlp=2"}, err: `"mlp" is given twice`},
		{name: "count for a skipped workload", args: []string{"-workloads", "softmax", "-seeds", "mlp=1"},
			err: `-seeds names "mlp", which -workloads (softmax) does not run`},
		{name: "zero tolerance", args: []string{"-tolerance", "0"}, err: "-tolerance 0: it must be finite and > 0"},
		{name: "NaN tolerance", args: []string{"-tolerance", "NaN"}, err: "-tolerance NaN"},
		{name: "infinite tolerance", args: []string{"-tolerance", "Inf"}, err: "-tolerance +Inf"},
		{name: "unknown peer init", args: []string{"-peer-init", "xavier"}, err: `-peer-init "xavier": allowed are torch and dlopt`},
		{name: "stray argument", args: []string{"mlp"}, err: `unexpected arguments ["mlp"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseOptions(tc.args, io.Discard)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseOptions(%q) error = %v, want one containing %q", tc.args, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseOptions(%q): %v", tc.args, err)
			}
			if len(o.runs) != len(tc.want) {
				t.Fatalf("parseOptions(%q) plans %d workloads, want %d", tc.args, len(o.runs), len(tc.want))
			}
			for _, r := range o.runs {
				if got, want := [3]int{r.epochs, r.seeds, r.peerSeeds}, tc.want[r.Name]; got != want {
					t.Errorf("%s: epochs, seeds, peer seeds = %v, want %v", r.Name, got, want)
				}
			}
			if o.tolerance != 0.5 || o.peerInit != "dlopt" {
				t.Errorf("defaults: tolerance %g, peer init %q; want 0.5, dlopt", o.tolerance, o.peerInit)
			}
		})
	}
}

// sideOf builds a side whose runs have the given test accuracies (fractions).
func sideOf(acc ...float64) side {
	s := side{}
	for i, a := range acc {
		s.Runs = append(s.Runs, seedRun{Seed: int64(i + 1), TestAccuracy: a})
	}
	return s
}

func TestDecide(t *testing.T) {
	r := plannedRun{benchmark: workloads[1], epochs: 3, seeds: 2, peerSeeds: 4}
	tests := []struct {
		name         string
		dlopt, torch side
		tolerance    float64
		diff         float64
		pass         bool
	}{
		{"equal", sideOf(0.88, 0.86), sideOf(0.87, 0.87), 0.5, 0, true},
		{"within, below", sideOf(0.866, 0.866), sideOf(0.87, 0.87), 0.5, -0.4, true},
		{"beyond, below", sideOf(0.864, 0.864), sideOf(0.87, 0.87), 0.5, -0.6, false},
		{"beyond, above", sideOf(0.88, 0.88), sideOf(0.87, 0.87), 0.5, 1, false},
		{"wider tolerance", sideOf(0.88, 0.88), sideOf(0.87, 0.87), 1.5, 1, true},
		{"a side without runs", sideOf(), sideOf(0.87), 0.5, math.NaN(), false},
	}
	for _, tc := range tests {
		v := decide(r, tc.dlopt, tc.torch, tc.tolerance)
		if v.Pass != tc.pass || !(math.Abs(v.Diff-tc.diff) < 1e-9 || math.IsNaN(tc.diff) && math.IsNaN(v.Diff)) {
			t.Errorf("%s: diff %g, pass %v; want %g, %v", tc.name, v.Diff, v.Pass, tc.diff, tc.pass)
		}
		if v.Workload != "mlp" || v.Epochs != 3 || v.Seeds != 2 || v.PeerSeeds != 4 || v.Tolerance != tc.tolerance {
			t.Errorf("%s: verdict %+v does not carry the plan", tc.name, v)
		}
	}
}

func TestParsePeerOutput(t *testing.T) {
	good := `{"workload": "mlp", "seed": 1, "test_accuracy": 0.87, "train_loss": 0.3, "seconds": 2, "backend": "torch"}
{"workload": "mlp", "seed": 2, "test_accuracy": 0.88, "train_loss": 0.3, "seconds": 2, "backend": "torch"}
`
	backend, runs, err := parsePeerOutput([]byte(good), 2)
	if err != nil || backend != "torch" || len(runs) != 2 || runs[1].TestAccuracy != 0.88 || runs[1].Seed != 2 {
		t.Fatalf("parsePeerOutput(good) = %q, %+v, %v", backend, runs, err)
	}
	for _, tc := range []struct{ name, out, err string }{
		{"too few", good, "printed 2 results, want 3"},
		{"not JSON", "accuracy 87%\n", `peer line "accuracy 87%"`},
		{"percent, not fraction", `{"seed": 1, "test_accuracy": 87}`, "test_accuracy 87 is not in [0, 1]"},
		{"seed out of order", `{"seed": 2, "test_accuracy": 0.8}`, "seed 2, want 1"},
	} {
		want := 3
		if tc.name != "too few" {
			want = 1
		}
		if _, _, err := parsePeerOutput([]byte(tc.out), want); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
		}
	}
}

func TestWriteTable(t *testing.T) {
	r := plannedRun{benchmark: workloads[0], epochs: 5, seeds: 2, peerSeeds: 2}
	pass := decide(r, sideOf(0.84, 0.86), sideOf(0.85, 0.85), 0.5)
	fail := decide(plannedRun{benchmark: workloads[2], epochs: 1, seeds: 1, peerSeeds: 3}, sideOf(0.88), sideOf(0.89, 0.88, 0.90), 0.5)
	var buf bytes.Buffer
	writeTable(&buf, []verdict{pass, fail})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		"| softmax | 5 | 2 / 2 | 85.00 ± 1.41 | 85.00 ± 0.00 | +0.00 | pass (±0.5) |",
		"| cnn | 1 | 1 / 3 | 88.00 | 89.00 ± 1.00 | -1.00 | **FAIL** (±0.5) |",
	}
	if len(lines) != 4 || lines[2] != want[0] || lines[3] != want[1] {
		t.Errorf("table:\n%s\nwant rows:\n%s", buf.String(), strings.Join(want, "\n"))
	}
}

// TestRunRejectsBadFlagsFirst checks that a bad flag fails before any data is read or trained.
func TestRunRejectsBadFlagsFirst(t *testing.T) {
	err := run([]string{"-workloads", "softmax", "-epochs", "softmax=51"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `softmax="51", allowed is 1..50`) {
		t.Errorf("run with -epochs softmax=51: %v", err)
	}
}
