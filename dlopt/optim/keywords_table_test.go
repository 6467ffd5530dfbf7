package optim

import (
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
)

// keywordTableFile lists every keyword every registered optimizer reads and what checks it at a
// non-default value. TestKeywordTable derives it from the registry and the cases, and fails when
// the file is stale; DLOPT_UPDATE_KEYWORDS=1 rewrites it.
const keywordTableFile = "testdata/keyword-references.md"

// readKeywords returns the keywords the factory of library/name reads (factories read every
// keyword unconditionally, see Factory).
func readKeywords(library, name string) []string {
	registryMu.RLock()
	f := registry[library][name]
	registryMu.RUnlock()
	k := NewKwargs(library, name, nil)
	_, _ = f(k)
	return k.Accepted()
}

// relationRefs are keywords checked by a relation test rather than a compared trajectory.
var relationRefs = map[string]string{
	"torch/Muon/adjust_lr_fn":  refRelation + " (TestTorchMuonAdjustLR)",
	"torch/RAdam/maximize":     refRelation + " (TestTorchMaximizeNegatesGradients)",
	"torch/NAdam/maximize":     refRelation + " (TestTorchMaximizeNegatesGradients)",
	"torch/Adafactor/maximize": refRelation + " (TestTorchMaximizeNegatesGradients)",
}

// noEffectValues are the keywords that cannot change the values dlopt computes (dtypes,
// torch's implementation switches, optax's pytree masks, for which dlopt has the Masked
// wrapper) or that dlopt takes only at their default, with a non-default value to try: it
// must be accepted without effect, or rejected with an error naming the keyword.
var noEffectValues = map[string]any{
	"foreach": true, "fused": true, "capturable": true, "differentiable": true,
	"mu_dtype": "bfloat16", "accumulator_dtype": "bfloat16", "state_dtype": "bfloat16", "dtype_momentum": "bfloat16",
	"mask": []any{true}, "weight_decay_mask": []any{true}, "trust_ratio_mask": []any{true},
	// Options dlopt accepts only at optax's default (a callable, a warmup it does not have).
	"clip_value_fn": "lambda x: x", "safeguard_warmup": true, "muon_weight_dimension_numbers": []any{1},
	"consistent_rms": 0.2, "preconditioning": "spectral",
}

// keywordGaps are keywords without an independent reference yet, with the reason. A gap that
// gains a reference must be removed (the test says so).
var keywordGaps = map[string]string{
	"optax/adafactor/decay_offset": "every allowed non-default value (>= 1) makes optax's first steps NaN (1 - t^(-decay_rate) " +
		"with t <= 0); it only makes sense when resuming a step count, which these runs do not",
}

// trajectoriesDiffer reports whether two float64 trajectories differ beyond rounding.
func trajectoriesDiffer(a, b [][]float64) bool {
	for i := range a {
		for j := range a[i] {
			if math.Abs(a[i][j]-b[i][j]) > 1e-12*(1+math.Abs(b[i][j])) {
				return true
			}
		}
	}
	return false
}

// runKeywordProblem runs library/name with kwargs on keywordProblem (with drift added to the
// gradients) in float64.
func runKeywordProblem(library, name string, kwargs map[string]any, drift float64, shape []int) ([][]float64, error) {
	opt, err := New(library, name, kwargs)
	if err != nil {
		return nil, err
	}
	x0, shape, grads := keywordCase{Drift: drift, Shape: shape}.problem()
	traj, err := RunGradients(opt, x0, shape, grads, dtypes.Float64)
	if err != nil {
		return nil, err
	}
	return append(traj.Params, traj.Eval...), nil
}

// minimalKwargs is the smallest keyword set that builds library/name.
func minimalKwargs(library string) map[string]any {
	if library == Optax {
		return map[string]any{"learning_rate": 0.05}
	}
	return map[string]any{"lr": 0.05}
}

// TestKeywordTable checks that every keyword every registered optimizer reads has a reference:
// a case of keywordCases (or of the oracle) where leaving the keyword out changes dlopt's
// trajectory, so the compared value is not the default and the keyword is really read; a
// relation test; or, for the keywords that cannot change values, a check that they do not
// (and that masks accept only null). The derived table must match keywordTableFile.
func TestKeywordTable(t *testing.T) {
	refs := map[string]map[string]bool{} // "lib/name/keyword" -> references
	add := func(lib, name, key, ref string) {
		id := lib + "/" + name + "/" + key
		if refs[id] == nil {
			refs[id] = map[string]bool{}
		}
		refs[id][ref] = true
	}
	// The cases: a keyword counts where dropping it changes the trajectory (or New then fails:
	// a required keyword, which has no default).
	type source struct {
		c      keywordCase
		strict bool // a keyword without effect is an error in the case (not for oracle entries)
	}
	var sources []source
	for _, c := range keywordCases {
		sources = append(sources, source{c, true})
	}
	o := loadOracle(t)
	for _, e := range append(slices.Clone(o.Torch.Entries), o.Optax.Entries...) {
		if len(e.Kwargs) > 0 && len(e.ParamShape) == 1 || e.Library == Torch && len(e.Kwargs) > 0 {
			sources = append(sources, source{keywordCase{Lib: e.Library, Name: e.registryName(), Kwargs: e.Kwargs, Ref: refOracle}, false})
		}
	}
	for _, s := range sources {
		c := s.c
		base, err := runKeywordProblem(c.Lib, c.Name, c.Kwargs, c.Drift, c.Shape)
		if err != nil {
			t.Errorf("%s: %v", caseName(c), err)
			continue
		}
		for key := range c.Kwargs {
			if slices.Contains(c.Inert, key) {
				continue
			}
			without := maps.Clone(c.Kwargs)
			delete(without, key)
			traj, err := runKeywordProblem(c.Lib, c.Name, without, c.Drift, c.Shape)
			if err == nil && !trajectoriesDiffer(traj, base) {
				if s.strict {
					t.Errorf("%s: leaving %q out does not change the trajectory: the value is the default or the keyword is not read", caseName(c), key)
				}
				continue
			}
			add(c.Lib, c.Name, key, c.Ref)
		}
	}
	for id, ref := range relationRefs {
		parts := strings.SplitN(id, "/", 3)
		add(parts[0], parts[1], parts[2], ref)
	}
	// The keywords without effect: given a value (or null for masks), the trajectory stays.
	var rows []string
	var missing []string
	for _, lib := range []string{Torch, Optax} {
		for _, name := range Names(lib) {
			var base [][]float64
			for _, key := range readKeywords(lib, name) {
				id := lib + "/" + name + "/" + key
				if v, ok := noEffectValues[key]; ok && refs[id] == nil {
					if base == nil {
						var err error
						if base, err = runKeywordProblem(lib, name, minimalKwargs(lib), 0, nil); err != nil {
							t.Fatalf("%s/%s with %v: %v", lib, name, minimalKwargs(lib), err)
						}
					}
					// null is the default of all of them; a value is either accepted without effect
					// or rejected (the masks, and the dtypes some factories take as null only).
					given := minimalKwargs(lib)
					given[key] = nil
					if traj, err := runKeywordProblem(lib, name, given, 0, nil); err != nil || trajectoriesDiffer(traj, base) {
						t.Errorf("%s = null: error %v, or the trajectory changed", id, err)
					}
					given[key] = v
					traj, err := runKeywordProblem(lib, name, given, 0, nil)
					switch {
					case err != nil && strings.Contains(err.Error(), key):
						add(lib, name, key, "only the default accepted (checked)")
					case err != nil:
						t.Errorf("%s = %v: %v (an error that does not name the keyword)", id, v, err)
					case trajectoriesDiffer(traj, base):
						t.Errorf("%s = %v changes the trajectory; the table says it has no effect", id, v)
					default:
						add(lib, name, key, refNoEffect)
					}
				}
				gap, isGap := keywordGaps[id]
				switch {
				case refs[id] != nil && isGap:
					t.Errorf("%s is listed in keywordGaps (%s) but has a reference now: remove the gap", id, gap)
				case refs[id] == nil && isGap:
					rows = append(rows, fmt.Sprintf("| %s | %s | %s | none: %s |", lib, name, key, gap))
				case refs[id] == nil:
					missing = append(missing, id)
				default:
					rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", lib, name, key, strings.Join(slices.Sorted(maps.Keys(refs[id])), "; ")))
				}
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("%d keywords are read with no reference (add a case to keywordCases, or a reason to keywordGaps):\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
	table := "# Keyword references\n\n" +
		"Every keyword a registered optimizer reads (`optim.New`), and what checks it at a non-default value.\n" +
		"Generated by TestKeywordTable (dlopt/optim/keywords_table_test.go); `DLOPT_UPDATE_KEYWORDS=1 go test -run TestKeywordTable ./dlopt/optim` rewrites it.\n\n" +
		"| library | optimizer | keyword | reference |\n|---|---|---|---|\n" + strings.Join(rows, "\n") + "\n"
	if os.Getenv("DLOPT_UPDATE_KEYWORDS") == "1" {
		if err := os.WriteFile(keywordTableFile, []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile(keywordTableFile)
	if err != nil || string(old) != table {
		t.Errorf("%s is stale or missing (%v): rerun with DLOPT_UPDATE_KEYWORDS=1 and review the diff", keywordTableFile, err)
	}
}
