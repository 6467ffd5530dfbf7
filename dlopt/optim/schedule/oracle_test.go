package schedule

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// oracleFile is torch 1.13's lr_scheduler output, recorded by ../shared/oracle (see its README):
// lr[t] is read before optimizer.step() at step t and scheduler.step() follows each step.
type oracleFile struct {
	Semantics string        `json:"semantics"`
	Entries   []oracleEntry `json:"entries"`
}

type oracleEntry struct {
	Name     string         `json:"name"`
	Class    string         `json:"class"`
	Kwargs   map[string]any `json:"kwargs"`
	BaseLR   float64        `json:"base_lr"`
	Steps    int            `json:"steps"`
	Metrics  []float64      `json:"metrics"`
	LR       []float64      `json:"lr"`
	Momentum []float64      `json:"momentum"`
}

func loadOracle(t *testing.T, path string) []oracleEntry {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f oracleFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Entries) == 0 {
		t.Fatalf("%s: no entries", path)
	}
	return f.Entries
}

// relErr is |got-want| / |want| (absolute when want is 0).
func relErr(got, want float64) float64 {
	d := math.Abs(got - want)
	if want != 0 {
		d /= math.Abs(want)
	}
	return d
}

func checkSeries(t *testing.T, what string, got, want []float64, tol float64) (worst float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		e := relErr(got[i], want[i])
		if !(e <= tol) {
			t.Errorf("%s[%d] = %.17g, torch %.17g (relative error %.3g > %.1g)", what, i, got[i], want[i], e, tol)
		}
		worst = max(worst, e)
	}
	return worst
}

// TestTorchOracle replays every entry of the torch 1.13 oracle through FromTorch.
func TestTorchOracle(t *testing.T) {
	worst, entries := 0.0, 0
	for _, file := range []string{"testdata/schedules-torch1.13.json", "testdata/schedules-extra-torch1.13.json"} {
		for _, e := range loadOracle(t, file) {
			t.Run(e.Name, func(t *testing.T) {
				s, err := FromTorch(e.Class, withLambdas(t, e.Kwargs), e.BaseLR)
				if err != nil {
					t.Fatal(err)
				}
				lr, mom, err := Values(s, e.Steps, e.Metrics)
				if err != nil {
					t.Fatal(err)
				}
				entries++
				worst = max(worst, checkSeries(t, "lr", lr, e.LR, 1e-12))
				if e.Momentum != nil {
					worst = max(worst, checkSeries(t, "momentum", mom, e.Momentum, 1e-12))
				} else if mom != nil {
					t.Errorf("momentum is cycled, but torch's entry has none")
				}
			})
		}
	}
	t.Logf("%d torch entries, worst relative error %.3g", entries, worst)
}

// oracleLambdas are the Go twins of gen_extra.py's LAMBDAS, by id.
var oracleLambdas = map[string]func(int) float64{
	"pow0.95": func(e int) float64 { return math.Pow(0.95, float64(e)) },
	"inv1p":   func(e int) float64 { return 1.0 / float64(e+1) },
	"floor3":  func(e int) float64 { return float64(e/3 + 1) },
}

// oracleScaleFns are the Go twins of gen_extra.py's SCALE_FNS, by id.
var oracleScaleFns = map[string]func(float64) float64{
	"inv":     func(x float64) float64 { return 1.0 / x },
	"halfexp": func(x float64) float64 { return math.Pow(0.5, x/10.0) },
}

// withLambdas replaces lr_lambda and scale_fn ids (also inside composite schedulers) by Go
// functions.
func withLambdas(t *testing.T, kw map[string]any) map[string]any {
	out := make(map[string]any, len(kw))
	for k, v := range kw {
		out[k] = v
	}
	if id, ok := kw["lr_lambda"].(string); ok {
		f, found := oracleLambdas[id]
		if !found {
			t.Fatalf("lr_lambda %q has no Go twin", id)
		}
		out["lr_lambda"] = f
	}
	if id, ok := kw["scale_fn"].(string); ok {
		f, found := oracleScaleFns[id]
		if !found {
			t.Fatalf("scale_fn %q has no Go twin", id)
		}
		out["scale_fn"] = f
	}
	if list, ok := kw["schedulers"].([]any); ok {
		kids := make([]any, len(list))
		for i, e := range list {
			pair := e.([]any)
			kids[i] = []any{pair[0], withLambdas(t, pair[1].(map[string]any))}
		}
		out["schedulers"] = kids
	}
	return out
}
