package optim

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/dlopt/course/dlopt"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
)

// stepper applies one update per call to a single parameter variable "/model/x" of a context.
type stepper struct {
	store *model.Store
	x     *model.Variable
	exec  *model.Exec
}

func newStepper(t *testing.T, store *model.Store, opt *Optimizer, x0 []float64, shape []int) *stepper {
	t.Helper()
	st := &stepper{store: store}
	// With a checkpoint attached, VariableWithValue returns the saved value instead of x0.
	st.x = store.RootScope().In("model").VariableWithValue("x", tensors.FromFlatDataAndDimensions(slices.Clone(x0), shape...))
	var err error
	st.exec, err = model.NewExec(dlopt.MustBackend(), store, func(scope *model.Scope, grad *Node) *Node {
		opt.Apply(scope, []*model.Variable{st.x}, []*Node{Reshape(grad, shape...)})
		return st.x.NodeValue(grad.Graph())
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (st *stepper) run(t *testing.T, grads [][]float64) [][]float64 {
	t.Helper()
	var out [][]float64
	for _, g := range grads {
		res, err := st.exec.Exec(slices.Clone(g))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tensors.MustCopyFlatData[float64](res[0]))
	}
	return out
}

// checkpointCase is one optimizer configuration of the checkpoint test.
type checkpointCase struct {
	name  string
	shape []int
	build func() (*Optimizer, error)
}

// checkpointCases lists every oracle configuration whose optimizer is registered, the lecture's
// forms and the stateful wrappers.
func checkpointCases(t *testing.T) []checkpointCase {
	o := loadOracle(t)
	var cases []checkpointCase
	for _, e := range append(slices.Clone(o.Torch.Entries), o.Optax.Entries...) {
		name := e.registryName()
		if !slices.Contains(Names(e.Library), name) {
			continue
		}
		cases = append(cases, checkpointCase{e.Library + "/" + e.Name, e.ParamShape, func() (*Optimizer, error) {
			return New(e.Library, name, e.Kwargs)
		}})
	}
	adam := func() *Optimizer { return mustOpt(t)(New(Torch, "Adam", map[string]any{"lr": 0.1})) }
	cases = append(cases,
		checkpointCase{"heavy_ball", []int{8}, func() (*Optimizer, error) { return HeavyBall(0.1, 0.9) }},
		checkpointCase{"nag", []int{8}, func() (*Optimizer, error) { return NAG(0.1, 0.9) }},
		checkpointCase{"accumulate(Adam, 3)", []int{8}, func() (*Optimizer, error) { return AccumulateGradients(adam(), 3) }},
		checkpointCase{"skip_non_finite(Adam)", []int{8}, func() (*Optimizer, error) { return SkipNonFinite(adam(), 2) }},
		checkpointCase{"param_ema(Adam)", []int{8}, func() (*Optimizer, error) { return WithParamEMA(adam(), 0.9) }},
		checkpointCase{"swa(Adam)", []int{8}, func() (*Optimizer, error) { return WithSWA(adam(), 2, 2) }},
		checkpointCase{"lookahead(Adam)", []int{8}, func() (*Optimizer, error) { return WithLookahead(adam(), 3, 0.5) }},
	)
	return cases
}

// checkpointChildEnv, when set to a directory, makes TestCheckpointRoundTrip the child process
// that restores the checkpoints saved there (see restoreInChild).
const checkpointChildEnv = "DLOPT_OPTIM_CHECKPOINT_CHILD"

// TestCheckpointRoundTrip checks, for every optimizer, that 10 steps straight equal 5 steps, a
// GoMLX checkpoint, a restore in a fresh process (a fresh context and a fresh optimizer) and 5
// more steps, bit for bit: all of the state lives in context variables and is saved.
func TestCheckpointRoundTrip(t *testing.T) {
	o := loadOracle(t)
	grads := o.Problem.Grads[:10]
	cases := checkpointCases(t)
	if dir := os.Getenv(checkpointChildEnv); dir != "" {
		restoreInChild(t, dir, cases, o.Problem.X0, grads[5:])
		return
	}
	dir := t.TempDir()
	straight := make([][][]float64, len(cases))
	for n, c := range cases {
		newOpt := func() *Optimizer { return mustOpt(t)(c.build()) }
		straight[n] = newStepper(t, model.NewStore(), newOpt(), o.Problem.X0, c.shape).run(t, grads)
		first := newStepper(t, model.NewStore(), newOpt(), o.Problem.X0, c.shape)
		first.run(t, grads[:5])
		h, err := checkpoint.Build(first.store).Dir(filepath.Join(dir, strconv.Itoa(n))).Done()
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Save(); err != nil {
			t.Fatal(err)
		}
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCheckpointRoundTrip$", "-test.count=1")
	cmd.Env = append(os.Environ(), checkpointChildEnv+"="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child process: %v\n%s", err, out)
	}
	for n, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(n), "resumed.json"))
			if err != nil {
				t.Fatal(err)
			}
			var bits [][]uint64
			if err := json.Unmarshal(raw, &bits); err != nil {
				t.Fatal(err)
			}
			for k := range bits {
				for i := range bits[k] {
					a, b := math.Float64frombits(bits[k][i]), straight[n][5+k][i]
					if a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
						t.Fatalf("step %d, index %d: resumed %v, straight %v (diff %g)", 6+k, i, a, b, a-b)
					}
				}
			}
			if len(bits) != 5 {
				t.Fatalf("%d resumed steps, want 5", len(bits))
			}
		})
	}
}

// restoreInChild runs in the child process: for each case it loads the checkpoint saved in
// dir/<case>, rebuilds the optimizer, runs the remaining steps and writes the parameters (as
// float64 bits, so that the comparison is exact) to dir/<case>/resumed.json.
func restoreInChild(t *testing.T, dir string, cases []checkpointCase, x0 []float64, grads [][]float64) {
	for n, c := range cases {
		store := model.NewStore()
		caseDir := filepath.Join(dir, strconv.Itoa(n))
		if _, err := checkpoint.Build(store).Dir(caseDir).Done(); err != nil {
			t.Fatal(err)
		}
		// x0 is ignored: the parameters come from the checkpoint.
		resumed := newStepper(t, store, mustOpt(t)(c.build()), make([]float64, len(x0)), c.shape).run(t, grads)
		bits := make([][]uint64, len(resumed))
		for k, row := range resumed {
			for _, v := range row {
				bits[k] = append(bits[k], math.Float64bits(v))
			}
		}
		raw, _ := json.Marshal(bits)
		if err := os.WriteFile(filepath.Join(caseDir, "resumed.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckpointCarriesState is the control of TestCheckpointRoundTrip: restarting Adam from the
// parameters alone (without its moments and step count) does change the next steps, so the
// round trip really depends on the optimizer state in the checkpoint.
func TestCheckpointCarriesState(t *testing.T) {
	o := loadOracle(t)
	grads := o.Problem.Grads[:10]
	adam := func() *Optimizer { return mustOpt(t)(New(Torch, "Adam", map[string]any{"lr": 0.1})) }
	straight := newStepper(t, model.NewStore(), adam(), o.Problem.X0, []int{8}).run(t, grads)
	restarted := newStepper(t, model.NewStore(), adam(), straight[4], []int{8}).run(t, grads[5:])
	if slices.Equal(restarted[0], straight[5]) {
		t.Fatal("restarting Adam without its state gave the same step: the round-trip test would prove nothing")
	}
}
