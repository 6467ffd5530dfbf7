package experiment

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dlopt/course/dlopt/optim"
	"github.com/dlopt/course/dlopt/optim/schedule"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// LibraryGoMLX selects GoMLX's own optimizers ("gomlx:adam"), kept as a reference next to
// dlopt/optim's PyTorch and optax ones. Its sgd has no decay (GoMLX's default divides the rate
// by sqrt(step)), so that it is the plain SGD of the lecture.
const LibraryGoMLX = "gomlx"

// gomlxOptimizers are GoMLX v0.28.16's optimizers by their GoMLX names.
var gomlxOptimizers = map[string]func() optimizer.Interface{
	"sgd":     func() optimizer.Interface { return optimizer.StochasticGradientDescent().WithDecay(false).Done() },
	"adam":    func() optimizer.Interface { return optimizer.Adam().Done() },
	"adamax":  func() optimizer.Interface { return optimizer.Adam().Adamax().Done() },
	"adamw":   func() optimizer.Interface { return optimizer.Adam().WeightDecay(0.004).Done() },
	"rmsprop": func() optimizer.Interface { return optimizer.RMSProp().Done() },
}

// Optimizers lists every accepted value of Config.Optimizer in its qualified form
// "library:name": PyTorch's class names ("torch:Adam"), optax's names ("optax:adam") and
// GoMLX's ("gomlx:adam"). A bare name is accepted too, see [ResolveOptimizer].
func Optimizers() []string {
	var names []string
	for _, lib := range []string{optim.Torch, optim.Optax} {
		for _, n := range optim.Names(lib) {
			names = append(names, lib+":"+n)
		}
	}
	for n := range gomlxOptimizers {
		names = append(names, LibraryGoMLX+":"+n)
	}
	slices.Sort(names)
	return names
}

// ResolveOptimizer turns a Config.Optimizer value into its library and that library's name,
// by [optim.ResolveName]'s rules: "library:name" is taken as the library spells it; a bare name
// is a PyTorch class name ("Adam", "SGD"), else an optax name ("adam", "lion"), else a name
// matching exactly one optimizer ignoring case ("asgd" finds torch's "ASGD"); one matching
// several ignoring case ("Adamw": torch:AdamW or optax:adamw) is an error listing them.
// GoMLX's optimizers need the "gomlx:" prefix.
func ResolveOptimizer(name string) (library, libName string, err error) {
	n, err := optim.ResolveName(name, map[string][]string{LibraryGoMLX: gomlxNames()})
	if err != nil {
		return "", "", err
	}
	return n.Library, n.Name, nil
}

// QualifiedOptimizer is the "library:name" form of a Config.Optimizer value, for output that
// must say which library ran ("Adam" is "torch:Adam", "adam" is "optax:adam"); the value
// itself if it does not resolve.
func QualifiedOptimizer(name string) string {
	lib, n, err := ResolveOptimizer(name)
	if err != nil {
		return name
	}
	return lib + ":" + n
}

func gomlxNames() []string {
	names := make([]string, 0, len(gomlxOptimizers))
	for n := range gomlxOptimizers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func checkOptimizerName(name string) error {
	_, _, err := ResolveOptimizer(name)
	return err
}

// learningRateKeyword is the keyword and hyperparameter name of the learning rate in library.
func learningRateKeyword(library string) string {
	if library == optim.Torch {
		return "lr"
	}
	return "learning_rate"
}

// builtOptimizer is an optimizer ready for train.Trainer, with a way to change its learning
// rate between steps (for schedules).
type builtOptimizer struct {
	opt optimizer.Interface
	// evaluated is the dlopt/optim optimizer when it evaluates the model at other parameters
	// than the ones it trains (schedule-free, ASGD's average), else nil.
	evaluated *optim.Optimizer
	// setLR returns the setter of the learning rate for a trainer's store.
	setLR func(store *model.Store) (schedule.Setter, error)
}

// buildOptimizer creates the optimizer cfg names with cfg.LearningRate and cfg.OptimizerArgs.
func buildOptimizer(cfg Config) (*builtOptimizer, error) {
	library, name, err := ResolveOptimizer(cfg.Optimizer)
	if err != nil {
		return nil, err
	}
	if library == LibraryGoMLX {
		if len(cfg.OptimizerArgs) > 0 {
			return nil, fmt.Errorf("optimizer %q: GoMLX optimizers take no extra arguments, got %v", cfg.Optimizer, cfg.OptimizerArgs)
		}
		// GoMLX keeps the rate in the variable /optimizers/learning_rate, created from the
		// store parameter at the first step; a schedule writes that variable.
		target := schedule.Target{Scope: "/" + optimizer.Scope, Name: optimizer.ParamLearningRate, DType: cfg.DType}
		return &builtOptimizer{
			opt: gomlxOptimizers[name](),
			setLR: func(store *model.Store) (schedule.Setter, error) {
				return schedule.VariableSetter(store, target)
			},
		}, nil
	}
	lrKey := learningRateKeyword(library)
	kwargs := map[string]any{lrKey: cfg.initialLearningRate()}
	for k, v := range cfg.OptimizerArgs {
		if k == lrKey {
			return nil, fmt.Errorf("optimizer %q: give the learning rate as Config.LearningRate (--lr), not as argument %q", cfg.Optimizer, k)
		}
		kwargs[k] = v
	}
	opt, err := optim.New(library, name, kwargs)
	if err != nil {
		return nil, err
	}
	built := &builtOptimizer{
		opt: opt,
		setLR: func(store *model.Store) (schedule.Setter, error) {
			if !slices.Contains(opt.Hypers(), lrKey) {
				return nil, fmt.Errorf("optimizer %q has no learning rate %q to schedule; its hyperparameters are %s",
					cfg.Optimizer, lrKey, strings.Join(opt.Hypers(), ", "))
			}
			return func(v float64) error { return opt.SetHyper(store, lrKey, v) }, nil
		},
	}
	if opt.HasEval() {
		built.evaluated = opt
	}
	return built, nil
}

// configureGoMLXRate sets the store parameter GoMLX's optimizers read their rate from.
func configureGoMLXRate(store *model.Store, cfg Config) {
	store.SetParam(optimizer.ParamLearningRate, cfg.initialLearningRate())
}
