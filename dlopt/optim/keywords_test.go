package optim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
)

// referenceResult is one trajectory from a Python reference.
type referenceResult struct {
	Trajectory [][]float64 `json:"trajectory"`
	Eval       [][]float64 `json:"eval"`
}

// numpyReferenceFile is the numpy implementation written from optax's (and torch's NAdam)
// source, run by Debian's Python.
const numpyReferenceFile = "testdata/optax_numpy_reference.py"

// runPython runs script (a file, or code with -c) on spec and decodes its JSON output into out;
// the test is skipped when Debian's Python lacks module.
func runPython(t *testing.T, module string, args []string, spec any, out any) {
	t.Helper()
	if err := exec.Command(debianPython, "-c", "import "+module).Run(); err != nil {
		t.Skipf("skipping: %s cannot import %s (%v)", debianPython, module, err)
	}
	in, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(debianPython, args...)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", args, err, stderr.String())
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s output: %v", args, err)
	}
}

// numpyName is the numpy file's name for a case.
func numpyName(c keywordCase) string {
	if c.Lib == Torch {
		return "torch:" + c.Name
	}
	return c.Name
}

// checkAgainst runs dlopt on the case in float64 and compares with want (trajectory and, where
// the reference has them, evaluation parameters) at the oracle's float64 tolerance.
func checkAgainst(t *testing.T, c keywordCase, want referenceResult) {
	t.Helper()
	x0, shape, grads := c.problem()
	opt, err := New(c.Lib, c.Name, c.Kwargs)
	if err != nil {
		t.Fatal(err)
	}
	traj, err := RunGradients(opt, x0, shape, grads, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	if msg := compareTrajectories(traj.Params, want.Trajectory, dtypes.Float64); msg != "" {
		t.Errorf("trajectory: %s", msg)
	}
	if want.Eval != nil {
		if msg := compareTrajectories(traj.Eval, want.Eval, dtypes.Float64); msg != "" {
			t.Errorf("evaluation parameters: %s", msg)
		}
	}
}

func caseName(c keywordCase) string {
	b, _ := json.Marshal(c.Kwargs)
	return c.Lib + "/" + c.Name + string(b)
}

// TestKeywordsNumpy compares every numpy-referenced case. Its control: the numpy file itself
// reproduces the oracle (real optax 0.2.8 and torch 2.11) for every entry it implements, so a
// slip in the second implementation shows up there rather than passing as agreement.
func TestKeywordsNumpy(t *testing.T) {
	var cases []keywordCase
	for _, c := range keywordCases {
		if c.Ref == refNumpy || c.Ref == refTorchSrc {
			cases = append(cases, c)
		}
	}
	type pyCase struct {
		Name   string         `json:"name"`
		Kwargs map[string]any `json:"kwargs"`
		Grads  [][]float64    `json:"grads,omitempty"` // this case's, when it has its own
		Shape  []int          `json:"shape,omitempty"`
	}
	var spec struct {
		X0    []float64   `json:"x0"`
		Shape []int       `json:"shape"`
		Grads [][]float64 `json:"grads"`
		Cases []pyCase    `json:"cases"`
	}
	spec.X0, spec.Shape, spec.Grads = keywordProblem()
	for _, c := range cases {
		pc := pyCase{Name: numpyName(c), Kwargs: c.Kwargs, Shape: c.Shape}
		if c.Drift != 0 {
			_, _, pc.Grads = c.problem()
		}
		spec.Cases = append(spec.Cases, pc)
	}
	var res struct {
		Names   []string          `json:"names"`
		Results []referenceResult `json:"results"`
	}
	runPython(t, "numpy", []string{numpyReferenceFile}, spec, &res)
	for i, c := range cases {
		t.Run(caseName(c), func(t *testing.T) { checkAgainst(t, c, res.Results[i]) })
	}

	// The control: oracle entries the numpy file implements.
	o := loadOracle(t)
	var oracleSpec = spec
	oracleSpec.X0, oracleSpec.Grads, oracleSpec.Cases = o.Problem.X0, o.Problem.Grads, nil
	var entries []oracleEntry
	for _, e := range append(slices.Clone(o.Optax.Entries), o.Torch.Entries...) {
		name := numpyName(keywordCase{Lib: e.Library, Name: e.registryName()})
		if slices.Contains(res.Names, name) {
			entries = append(entries, e)
		}
	}
	// One Python run per parameter shape (each run pays numpy's import).
	oracleRes := make([]referenceResult, len(entries))
	byShape := map[string][]int{}
	for i, e := range entries {
		key := fmt.Sprint(e.ParamShape)
		byShape[key] = append(byShape[key], i)
	}
	for _, idx := range byShape {
		oracleSpec.Shape, oracleSpec.Cases = entries[idx[0]].ParamShape, nil
		for _, i := range idx {
			e := entries[i]
			oracleSpec.Cases = append(oracleSpec.Cases, pyCase{Name: numpyName(keywordCase{Lib: e.Library, Name: e.registryName()}), Kwargs: e.Kwargs})
		}
		var out struct {
			Results []referenceResult `json:"results"`
		}
		runPython(t, "numpy", []string{numpyReferenceFile}, oracleSpec, &out)
		for j, i := range idx {
			oracleRes[i] = out.Results[j]
		}
	}
	for i, e := range entries {
		if msg := compareTrajectories(oracleRes[i].Trajectory, e.Trajectory, dtypes.Float64); msg != "" {
			t.Errorf("the numpy reference disagrees with the oracle on %s/%s: %s", e.Library, e.Name, msg)
		}
		if e.EvalTrajectory != nil {
			if msg := compareTrajectories(oracleRes[i].Eval, e.EvalTrajectory, dtypes.Float64); msg != "" {
				t.Errorf("the numpy reference's evaluation parameters disagree with the oracle on %s: %s", e.Name, msg)
			}
		}
	}
	if len(entries) < 30 {
		t.Errorf("the numpy reference was checked on only %d oracle entries", len(entries))
	}
}

// TestKeywordsTorchLive compares every torch-referenced case with Debian's torch 1.13, in
// float64. Tolerance: compareTrajectories' 1e-10 relative (1e-12 absolute) is about 1e5 float64
// roundings (2^-53 ≈ 1.1e-16) over 25 steps of a few dozen operations each, where the two sides
// may order the operations differently (torch's addcdiv_ and lerp_ against dlopt's graph) and
// OpenBLAS's kernel choice does not enter (no matrix products in these updates).
func TestKeywordsTorchLive(t *testing.T) {
	var cases []keywordCase
	type liveCase struct {
		Class  string         `json:"class"`
		Kwargs map[string]any `json:"kwargs"`
	}
	var spec struct {
		X0    []float64   `json:"x0"`
		Shape []int       `json:"shape"`
		Grads [][]float64 `json:"grads"`
		Cases []liveCase  `json:"cases"`
	}
	spec.X0, spec.Shape, spec.Grads = keywordProblem()
	for _, c := range keywordCases {
		if c.Ref != refTorch {
			continue
		}
		cases = append(cases, c)
		lc := liveCase{c.Name, c.Kwargs}
		if c.TorchClass != "" {
			lc = liveCase{c.TorchClass, c.TorchKwargs}
		}
		spec.Cases = append(spec.Cases, lc)
	}
	var res struct {
		Results []*referenceResult `json:"results"`
	}
	runPython(t, "torch", []string{"-c", torchLiveScript}, spec, &res)
	for i, c := range cases {
		t.Run(caseName(c), func(t *testing.T) {
			want := *res.Results[2*i]
			want.Eval = nil // ASGD's ax is compared by TestTorchLive
			checkAgainst(t, c, want)
		})
	}
}

// TestContribOptionsAgainstNumpy compares every run of TestContribOptions (an option on the
// oracle's problem, which the oracle itself only has at its default) with the numpy reference,
// in float64 at the oracle's tolerance.
func TestContribOptionsAgainstNumpy(t *testing.T) {
	o := loadOracle(t)
	type pyCase struct {
		Name   string         `json:"name"`
		Kwargs map[string]any `json:"kwargs"`
		Shape  []int          `json:"shape"`
	}
	var spec struct {
		X0    []float64   `json:"x0"`
		Shape []int       `json:"shape"`
		Grads [][]float64 `json:"grads"`
		Cases []pyCase    `json:"cases"`
	}
	spec.X0, spec.Grads, spec.Shape = o.Problem.X0, o.Problem.Grads, []int{len(o.Problem.X0)}
	withs := make([]map[string]any, len(contribOptions))
	for i, tc := range contribOptions {
		withs[i] = maps.Clone(tc.base)
		if withs[i] == nil {
			withs[i] = map[string]any{}
		}
		maps.Copy(withs[i], tc.option)
		spec.Cases = append(spec.Cases, pyCase{numpyName(keywordCase{Lib: tc.library, Name: tc.name}), withs[i], tc.shape})
	}
	var res struct {
		Results []referenceResult `json:"results"`
	}
	runPython(t, "numpy", []string{numpyReferenceFile}, spec, &res)
	for i, tc := range contribOptions {
		opt, err := New(tc.library, tc.name, withs[i])
		if err != nil {
			t.Fatal(err)
		}
		traj, err := RunGradients(opt, o.Problem.X0, tc.shape, o.Problem.Grads, dtypes.Float64)
		if err != nil {
			t.Fatal(err)
		}
		if msg := compareTrajectories(traj.Params, res.Results[i].Trajectory, dtypes.Float64); msg != "" {
			t.Errorf("%s/%s %v: %s", tc.library, tc.name, withs[i], msg)
		}
	}
}
