package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/dlopt/course/bench/internal/measure"
	"github.com/dlopt/course/internal/torchblas"
)

func TestRunRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name       string
		reps, step int
		want       string
	}{
		{"nope", 1, 10, `unknown -workload "nope"`},
		{"matmul", 0, 10, "-reps 0"},
		{"matmul", 101, 10, "-reps 101"},
		{"cnn", 1, 0, "-steps 0"},
		{"cnn", 1, 469, "-steps 469"},
	} {
		err := run(&bytes.Buffer{}, tc.name, tc.reps, config{steps: tc.step}, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q, reps %d, steps %d) = %v, want an error containing %q", tc.name, tc.reps, tc.step, err, tc.want)
		}
	}
}

// TestRunWritesResult runs the two quick workloads once and checks what they report.
func TestRunWritesResult(t *testing.T) {
	for _, name := range []string{"matmul", "sgdm-1m"} {
		var out bytes.Buffer
		if err := run(&out, name, 2, config{steps: 1}, ""); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var res measure.Result
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%s: output %q: %v", name, out.String(), err)
		}
		if res.Workload != name || res.Impl != "dlopt" || len(res.Seconds) != 2 || res.PeakRSSMB <= 0 || res.Steps <= 0 {
			t.Errorf("%s: incomplete result %+v", name, res)
		}
		for _, s := range res.Seconds {
			if !(s > 0) {
				t.Errorf("%s: non-positive time %g", name, s)
			}
		}
	}
}

// TestSGDMomentumCheck: after 1+2·20 updates from 0 with buf = 0.9·buf + g and p −= 0.01·buf,
// p = −0.01·g·Σ_{k=1..41} (1−0.9^k)/0.1, so the mean parameter is that factor times mean(g).
func TestSGDMomentumCheck(t *testing.T) {
	p, err := setupUpdate("sgdm", 1000)(config{})
	if err != nil {
		t.Fatal(err)
	}
	var got float64
	for range 2 {
		if got, err = p.run(); err != nil {
			t.Fatal(err)
		}
	}
	var factor, meanG float64
	for k := 1; k <= 1+2*p.units; k++ {
		factor += (1 - math.Pow(0.9, float64(k))) / 0.1
	}
	for i := range 1000 {
		meanG += float64(fixedGradient(i)) / 1000
	}
	want := -0.01 * factor * meanG
	if math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Errorf("mean parameter %g, want %g", got, want)
	}
}

// torchPython is the interpreter bench/run.sh gives torch_peer.py.
const torchPython = "/usr/bin/python3"

func requireTorch(t *testing.T) {
	t.Helper()
	if err := exec.Command(torchPython, "-c", "import torch").Run(); err != nil {
		t.Skipf("%s cannot import torch (%v): the PyTorch peer is not installed here", torchPython, err)
	}
}

// TestTorchPeerHasTheSameWorkloads: torch_peer.py accepts exactly dlbench's workload names.
func TestTorchPeerHasTheSameWorkloads(t *testing.T) {
	requireTorch(t)
	out, err := exec.Command(torchPython, "../../torch_peer.py", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("torch_peer.py --help: %v\n%s", err, out)
	}
	start, end := bytes.IndexByte(out, '{'), bytes.IndexByte(out, '}')
	if start < 0 || end < start {
		t.Fatalf("no {choices} in torch_peer.py --help:\n%s", out)
	}
	peer := strings.Split(string(out[start+1:end]), ",")
	slices.Sort(peer)
	if ours := strings.Split(workloadNames(), ", "); !slices.Equal(peer, ours) {
		t.Errorf("torch_peer.py workloads %v, dlbench's %v", peer, ours)
	}
}

// TestTorchPeerDoesTheSameWork runs the deterministic update workloads on both sides: the final
// mean parameter must agree, so both apply the same optimizer to the same gradient.
func TestTorchPeerDoesTheSameWork(t *testing.T) {
	requireTorch(t)
	for _, name := range []string{"sgdm-1m", "adam-1m"} {
		var ours measure.Result
		var buf bytes.Buffer
		if err := run(&buf, name, 1, config{steps: 1}, ""); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(buf.Bytes(), &ours); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(torchPython, "../../torch_peer.py", "--workload", name, "--reps", "1")
		cmd.Env = append(os.Environ(), "TORCH_THREADS=1", "OPENBLAS_NUM_THREADS=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("torch_peer.py %s: %v", name, err)
		}
		var peer measure.Result
		if err := json.Unmarshal(out, &peer); err != nil {
			t.Fatalf("torch_peer.py output %q: %v", out, err)
		}
		if peer.Workload != name || peer.Impl != "pytorch-1t" || peer.Unit != ours.Unit || peer.Steps != ours.Steps || len(peer.Seconds) != 1 {
			t.Errorf("%s: peer result %+v does not match ours %+v", name, peer, ours)
		}
		if math.Abs(peer.Check-ours.Check) > 1e-5*math.Abs(ours.Check) {
			t.Errorf("%s: mean parameter dlopt %.9g, PyTorch %.9g", name, ours.Check, peer.Check)
		}
	}
}

// TestTorchPeerBLAS: the peer runs OpenBLAS kernels as wide as the CPU allows (where OpenBLAS
// detects an older core, the peer forces a newer one and says so), and refuses the reference
// BLAS with an error instead of giving a row.
func TestTorchPeerBLAS(t *testing.T) {
	requireTorch(t)
	cmd := exec.Command(torchPython, "../../torch_peer.py", "--workload", "sgdm-1m", "--reps", "1")
	cmd.Env = append(withoutEnv("OPENBLAS_CORETYPE"), "TORCH_THREADS=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("torch_peer.py: %v", err)
	}
	var peer struct {
		Blas, BlasCore, BlasNote string
		BlasLevel, CPULevel      int
	}
	if err := json.Unmarshal(out, &struct {
		Blas      *string `json:"blas"`
		BlasCore  *string `json:"blas_core"`
		BlasNote  *string `json:"blas_note"`
		BlasLevel *int    `json:"blas_level"`
		CPULevel  *int    `json:"cpu_level"`
	}{&peer.Blas, &peer.BlasCore, &peer.BlasNote, &peer.BlasLevel, &peer.CPULevel}); err != nil {
		t.Fatalf("torch_peer.py output %q: %v", out, err)
	}
	t.Logf("peer BLAS: %s; %s", peer.Blas, peer.BlasNote)
	detected, err := torchblas.Probe(torchPython) // OpenBLAS's own choice: see withoutEnv
	if os.Getenv("OPENBLAS_CORETYPE") != "" {
		t.Skip("skipping: OPENBLAS_CORETYPE is set, so OpenBLAS's own choice cannot be probed")
	}
	if err != nil {
		t.Fatal(err)
	}
	if peer.CPULevel >= 3 && peer.BlasLevel < peer.CPULevel {
		t.Errorf("peer runs OpenBLAS core %s (SIMD level %d) on a CPU of level %d", peer.BlasCore, peer.BlasLevel, peer.CPULevel)
	}
	if forced := !strings.EqualFold(detected.Core, peer.BlasCore); forced != strings.Contains(peer.BlasNote, "OPENBLAS_CORETYPE=") {
		t.Errorf("OpenBLAS detects %s, the peer runs %s, and its note says %q", detected.Core, peer.BlasCore, peer.BlasNote)
	}

	if _, err := os.Stat(torchblas.ReferenceDir + "/libblas.so.3"); err != nil {
		t.Skip("skipping the reference-BLAS half: package libblas3 is not installed")
	}
	cmd = exec.Command(torchPython, "../../torch_peer.py", "--workload", "sgdm-1m", "--reps", "1")
	cmd.Env = append(os.Environ(), "TORCH_THREADS=1", "LD_LIBRARY_PATH="+torchblas.ReferenceDir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err == nil || len(out) != 0 || !strings.Contains(stderr.String(), "reference BLAS") {
		t.Errorf("on the reference BLAS torch_peer.py gave err=%v, stdout %q, stderr %q; want an error naming it and no row", err, out, stderr.String())
	}
}

// withoutEnv is os.Environ() without the named variables (an empty OPENBLAS_CORETYPE is not the
// same as none to OpenBLAS).
func withoutEnv(names ...string) []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(names, name)
	})
}
