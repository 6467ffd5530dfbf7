package optim

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// TestNewOptimizerNeedsLinks: an optimizer of no links is an error, not an identity.
func TestNewOptimizerNeedsLinks(t *testing.T) {
	if _, err := NewOptimizer("x"); err == nil || !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "no links") {
		t.Errorf(`NewOptimizer("x") = %v, want an error saying it has no links`, err)
	}
}

// TestSharedHyper: a *Hyper serves one optimizer. Reusing it in a second one is an error naming
// it; listing it twice in one optimizer is one shared value; a failed build leaves it free.
func TestSharedHyper(t *testing.T) {
	lr := NewHyper("lr", 0.1, NonNegative)
	if _, err := NewOptimizer("first", ScaleByLearningRate(lr)); err != nil {
		t.Fatal(err)
	}
	_, err := NewOptimizer("second", ScaleByLearningRate(lr))
	if err == nil || !strings.Contains(err.Error(), "lr = 0.1") || !strings.Contains(err.Error(), "/optim/first") {
		t.Errorf("reusing a *Hyper: err = %v, want an error naming lr and its optimizer", err)
	}

	// Within one optimizer: one value, one variable, SetHyper reaches both links.
	lr2 := NewHyper("lr", 0.5, NonNegative)
	opt, err := NewOptimizer("decay", ScaleByLearningRate(lr2), DecoupledWeightDecay(lr2, Value(0.1)))
	if err != nil {
		t.Fatal(err)
	}
	traj, err := RunGradients(opt, []float64{1}, []int{1}, [][]float64{{0}}, dtypes.Float64)
	if err != nil || traj.Final()[0] != 1-0.5*0.1 {
		t.Errorf("shared lr in one optimizer: %v, %v: want x = 1 - lr·wd = 0.95", traj, err)
	}

	// A build that fails gives its links and hyperparameters back.
	h := NewHyper("lr", 0.1, NonNegative)
	if _, err := NewOptimizer("bad", ScaleByLearningRate(h), ScaleBy(Value(-1)), ScaleByLearningRate(Value(-1))); err == nil {
		t.Fatal("negative learning rate: no error")
	}
	if _, err := NewOptimizer("good", ScaleByLearningRate(h)); err != nil {
		t.Errorf("reusing a *Hyper after a failed build: %v", err)
	}
}

// TestLinkDefaults: nil hyperparameters take the library's defaults under the library's names;
// Value(x) takes the link's name and range; a required one given nil is an error naming it.
func TestLinkDefaults(t *testing.T) {
	// optax: adam with nil b1, b2, eps, eps_root is optax.adam's trajectory.
	viaNil := mustOpt(t)(NewOptimizer("adam", ScaleByAdam(nil, nil, nil, nil, false), ScaleByLearningRate(Value(0.1))))
	builtin := mustOpt(t)(OptaxAdam(DefaultOptaxAdam(0.1)))
	grads := [][]float64{{1, -2, 0}, {0.5, 3, 1}, {-1, 1e-3, 2}}
	a, b := run3(t, viaNil, grads), run3(t, builtin, grads)
	sameRows(t, "ScaleByAdam(nil...) vs OptaxAdam", a.Params, b.Params, 0)
	if got, want := strings.Join(viaNil.Hypers(), ","), strings.Join(builtin.Hypers(), ","); got != want {
		t.Errorf("hyperparameter names %s, want optax's %s", got, want)
	}
	// torch: Adam's direction with nil betas and eps is torch.optim.Adam's.
	viaNil = mustOpt(t)(NewOptimizer("Adam", AddDecayedWeights(nil), TorchScaleByAdam(nil, nil, nil, false), ScaleByLearningRate(NewHyper("lr", 1e-3, NonNegative))))
	builtin = mustOpt(t)(Adam(DefaultAdam()))
	sameRows(t, "TorchScaleByAdam(nil...) vs Adam", run3(t, viaNil, grads).Params, run3(t, builtin, grads).Params, 0)

	// Value(x) is named and range-checked by the link.
	_, err := NewOptimizer("clip", ClipByGlobalNorm(Value(-1)), ScaleByLearningRate(Value(0.1)))
	if err == nil || !strings.Contains(err.Error(), "max_norm = -1") {
		t.Errorf("ClipByGlobalNorm(Value(-1)): err = %v, want max_norm named with its range", err)
	}
	// Required hyperparameters have no default.
	for name, link := range map[string]*Transform{
		"learning_rate": ScaleByLearningRate(nil),
		"max_norm":      ClipByGlobalNorm(nil),
		"max_delta":     ClipByValue(nil),
		"decay":         Trace(nil, false),
	} {
		_, err := NewOptimizer("x", link)
		if err == nil || !strings.Contains(err.Error(), name+" is required") {
			t.Errorf("%s given nil: err = %v, want an error naming it as required", name, err)
		}
	}
	// A user's link listing a nil hyperparameter is an error naming the link, not a panic.
	mine := Map("mine", []*Hyper{nil}, func(_ *Step, _ int, u *Node) *Node { return u })
	if _, err := NewOptimizer("x", mine); err == nil || !strings.Contains(err.Error(), `link "mine": hyperparameter 0 is nil`) {
		t.Errorf("a link with a nil hyperparameter: err = %v, want it named", err)
	}
}

// TestWrappersSayTheyConsume: every exported function that takes an *Optimizer (or a map of
// them) and returns a new one says in its doc that it consumes it; and a consumed optimizer
// can no longer run.
func TestWrappersSayTheyConsume(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range pkgs["optim"].Files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !fn.Name.IsExported() || fn.Type.Results == nil {
				continue
			}
			takes := strings.Contains(fieldTypes(fn.Type.Params), "*Optimizer")
			returns := strings.Contains(fieldTypes(fn.Type.Results), "*Optimizer")
			if !takes || !returns {
				continue
			}
			checked++
			if !strings.Contains(fn.Doc.Text(), "consumed") {
				t.Errorf("%s takes and returns an optimizer, but its doc does not say the argument is consumed", fn.Name.Name)
			}
		}
	}
	if checked < 10 {
		t.Errorf("found only %d wrappers: is the scan broken?", checked)
	}
	inner := sgd(t, 0.1)
	if _, err := Prepend(inner, ClipByValue(Value(1))); err != nil {
		t.Fatal(err)
	}
	if _, err := RunGradients(inner, []float64{0}, []int{1}, [][]float64{{1}}, dtypes.Float64); err == nil || !strings.Contains(err.Error(), "consumed") {
		t.Errorf("running a consumed optimizer: err = %v, want an error saying it was consumed", err)
	}
}

// fieldTypes writes the types of a parameter or result list, e.g. "*Optimizer int".
func fieldTypes(l *ast.FieldList) string {
	var parts []string
	for _, f := range l.List {
		parts = append(parts, types.ExprString(f.Type))
	}
	return strings.Join(parts, " ")
}

// TestEveryLinkResolvesNil: every exported link constructor with *Hyper parameters resolves
// them (linkHyper or requiredHyper), so nil is a default or a "required" error, never a panic;
// and with nil everywhere each builds, or fails naming only its required hyperparameters.
func TestEveryLinkResolvesNil(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range pkgs["optim"].Files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !fn.Name.IsExported() || fn.Type.Results == nil || fieldTypes(fn.Type.Results) != "*Transform" ||
				!strings.Contains(fieldTypes(fn.Type.Params), "*Hyper") || fn.Name.Name == "Map" {
				continue
			}
			resolves := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if id, ok := call.Fun.(*ast.Ident); ok && (id.Name == "linkHyper" || id.Name == "requiredHyper" || strings.HasPrefix(id.Name, "scaleBy")) {
						resolves = true
					}
				}
				return true
			})
			if !resolves {
				t.Errorf("%s takes *Hyper but resolves none of them (nil would reach NewOptimizer as a nil hyperparameter)", fn.Name.Name)
			}
		}
	}
	links := map[string]func() *Transform{
		"ScaleByAdam":               func() *Transform { return ScaleByAdam(nil, nil, nil, nil, false) },
		"ScaleByAmsgrad":            func() *Transform { return ScaleByAmsgrad(nil, nil, nil, nil, true, true) },
		"ScaleByAdamax":             func() *Transform { return ScaleByAdamax(nil, nil, nil) },
		"ScaleByRAdam":              func() *Transform { return ScaleByRAdam(nil, nil, nil, nil, nil, false) },
		"ScaleByRSS":                func() *Transform { return ScaleByRSS(0.1, nil) },
		"ScaleByRMS":                func() *Transform { return ScaleByRMS(nil, nil, 0, false, false, false) },
		"ScaleByAdadelta":           func() *Transform { return ScaleByAdadelta(nil, nil) },
		"TorchScaleByAdam":          func() *Transform { return TorchScaleByAdam(nil, nil, nil, false) },
		"TorchScaleByAdamax":        func() *Transform { return TorchScaleByAdamax(nil, nil, nil) },
		"TorchScaleByNAdam":         func() *Transform { return TorchScaleByNAdam(nil, nil, nil, nil) },
		"TorchScaleByRAdam":         func() *Transform { return TorchScaleByRAdam(nil, nil, nil) },
		"TorchScaleByAdagrad":       func() *Transform { return TorchScaleByAdagrad(nil, nil, 0) },
		"TorchScaleByRMS":           func() *Transform { return TorchScaleByRMS(nil, nil, false) },
		"TorchScaleByAdadelta":      func() *Transform { return TorchScaleByAdadelta(nil, nil) },
		"TorchASGD":                 func() *Transform { return TorchASGD(nil, nil, nil, nil) },
		"TorchRprop":                func() *Transform { return TorchRprop(nil, nil, nil, nil, nil) },
		"TorchMomentum:momentum":    func() *Transform { return TorchMomentum(nil, nil, false) },
		"AddDecayedWeights":         func() *Transform { return AddDecayedWeights(nil) },
		"DecoupledWeightDecay:lr":   func() *Transform { return DecoupledWeightDecay(nil, nil) },
		"ScaleByLion":               func() *Transform { return ScaleByLion(nil, nil) },
		"ScaleByYogi":               func() *Transform { return ScaleByYogi(nil, nil, nil) },
		"ScaleByACProp":             func() *Transform { return ScaleByACProp(nil, nil, nil, nil) },
		"ScaleByBelief":             func() *Transform { return ScaleByBelief(nil, nil, nil, nil, false) },
		"ScaleByAdan":               func() *Transform { return ScaleByAdan(nil, nil, nil, nil, nil) },
		"ScaleByAdEMAMix":           func() *Transform { return ScaleByAdEMAMix(nil, nil, nil, nil, nil, nil) },
		"ScaleBySimplifiedAdEMAMix": func() *Transform { return ScaleBySimplifiedAdEMAMix(nil, nil, nil, nil, nil) },
		"ScaleByADOPT":              func() *Transform { return ScaleByADOPT(nil, nil, nil, false, true) },
		"ScaleByCOCOB":              func() *Transform { return ScaleByCOCOB(nil, nil) },
		"ScaleByDAdaptAdamW":        func() *Transform { return ScaleByDAdaptAdamW(nil, nil, nil, nil, nil, nil) },
		"ScaleByMADGRAD":            func() *Transform { return ScaleByMADGRAD(nil, nil, nil) },
		"ScaleByNovograd":           func() *Transform { return ScaleByNovograd(nil, nil, nil, nil, nil) },
		"ScaleByOptimisticGradient": func() *Transform { return ScaleByOptimisticGradient(nil, nil) },
		"ScaleByOptaxRprop":         func() *Transform { return ScaleByOptaxRprop(nil, nil, nil, nil, nil) },
		"ScaleBySM3":                func() *Transform { return ScaleBySM3(nil) },
		"ScaleByTrustRatio":         func() *Transform { return ScaleByTrustRatio(nil, nil, nil) },
		"ScaleByFactoredRMS":        func() *Transform { return ScaleByFactoredRMS(true, 0.8, 0, 128, nil) },
		"ScaleByDoG":                func() *Transform { return ScaleByDoG("heuristic", 1e-6, nil) },
		"ScaleByDoWG":               func() *Transform { return ScaleByDoWG(nil, nil) },
		"ScaleByMuon":               func() *Transform { return ScaleByMuon([][3]float64{DefaultNSCoefficients}, nil, nil, true, false) },
		"ScaleByTorchMuon":          func() *Transform { return ScaleByTorchMuon(DefaultTorchMuon(), nil, nil, nil, nil) },
		"ScaleByProdigy":            func() *Transform { return ScaleByProdigy(nil, nil, nil, nil, nil, nil, nil, nil) },
		"ScaleByTorchAdafactor":     func() *Transform { return ScaleByTorchAdafactor(nil, nil, nil, nil, nil, nil, true) },
		"ScaleByTorchAdafactor:eps1": func() *Transform {
			return ScaleByTorchAdafactor(nil, nil, nil, nil, nil, nil, false)
		},
		"ScheduleFree:learning_rate":        func() *Transform { return ScheduleFree(Unchanged(), nil, nil, nil, 0) },
		"ScaleByLearningRate:learning_rate": func() *Transform { return ScaleByLearningRate(nil) },
		"ScaleByPositiveLR:learning_rate":   func() *Transform { return ScaleByPositiveLR(nil) },
		"ScaleBy:step_size":                 func() *Transform { return ScaleBy(nil) },
		"Trace:decay":                       func() *Transform { return Trace(nil, false) },
		"ScaleByEMA:decay":                  func() *Transform { return ScaleByEMA(nil) },
		"ClipByBlockRMS:clipping_threshold": func() *Transform { return ClipByBlockRMS(nil) },
		"ClipByGlobalNorm:max_norm":         func() *Transform { return ClipByGlobalNorm(nil) },
		"ClipByNorm:max_norm":               func() *Transform { return ClipByNorm(nil) },
		"ClipByValue:max_delta":             func() *Transform { return ClipByValue(nil) },
	}
	for key, link := range links {
		name, required, _ := strings.Cut(key, ":")
		_, err := NewOptimizer("x", link())
		switch {
		case required == "" && err != nil:
			t.Errorf("%s with nil hyperparameters: %v, want the library's defaults", name, err)
		case required != "" && (err == nil || !strings.Contains(err.Error(), required+" is required")):
			t.Errorf("%s with nil hyperparameters: err = %v, want %s named as required", name, err, required)
		}
	}
}
