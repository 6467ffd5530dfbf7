// Package optim is dlopt's optimizer suite: every optimizer a student meets in PyTorch or optax,
// on GoMLX, reproducing the reference trajectories to float64 precision.
//
// # Using it
//
// Build an optimizer with a typed constructor, whose Default* function documents the library's
// defaults, or by the name and keyword arguments of PyTorch or optax, with that library's
// defaults:
//
//	opt, err := optim.Adam(optim.DefaultAdamW())
//	opt, err := optim.New("torch", "Adam", map[string]any{"lr": 0.1, "amsgrad": true})
//	opt, err := optim.New("optax", "nadam", map[string]any{"learning_rate": 0.1})
//	opt, err := optim.NewByName("optax:lion", map[string]any{"learning_rate": 0.1})
//
// One syntax names an optimizer everywhere (here, in experiment configs and on dlopt's command
// line): "library:name", or a bare name, see [ParseName]. A bare name that matches only
// ignoring case and could be either library's ("Adamw": torch:AdamW or optax:adamw, whose
// weight_decay defaults differ) is an error listing both, never a guess.
//
// Keywords follow the library: optax's learning_rate is required wherever optax requires it;
// a float32 value is read as the decimal it prints as (float32(0.1) is 0.1); lists such as
// betas may be any Go slice or array of numbers. A typed constructor refuses a learning rate
// of 0 (a zero Config would never train) and says which Default* function to start from.
//
// Bad names, keywords and values are errors that name them and say what is accepted; their kind
// is one of [ErrUnknownName], [ErrUnknownKeyword], [ErrBadKeyword], [ErrInvalidValue] (errors.Is).
//
// Typed constructors: PyTorch's [SGD], [Adam] (AdamW too), [Adagrad], [RMSprop], [Adadelta],
// [Adamax], [NAdam], [RAdam], [ASGD], [Rprop]; optax's [OptaxSGD], [OptaxAdam] (adamw, nadam,
// nadamw), [OptaxAdamax], [OptaxAmsgrad], [OptaxRAdam], [OptaxAdagrad], [OptaxRMSprop],
// [OptaxAdadelta]; and one per optimizer of the other files ([Lion], [LAMB], ...).
//
// Or compose one from links, as optax does, with [NewOptimizer] (the named chain that trains;
// [Chain] groups links into one link, to nest inside a wrapper). A link's hyperparameters are
// *Hyper: nil takes the library's default where the library has one (ScaleByAdam(nil, nil, nil,
// nil, false) is optax's scale_by_adam()), [Value](x) gives a value that the link names and
// range-checks, [NewHyper] names it yourself:
//
//	opt, err := optim.NewOptimizer("clipped_adamw", optim.ClipByGlobalNorm(optim.Value(1)),
//		optim.ScaleByAdam(nil, nil, nil, nil, false), optim.AddDecayedWeights(optim.Value(1e-4)),
//		optim.ScaleByLearningRate(optim.Value(1e-3)))
//
// A *Hyper, a link and a wrapped optimizer each belong to one optimizer: reusing one in
// another is an error (wrappers such as [Prepend] consume the optimizer they take).
//
// An [Optimizer] implements GoMLX's optimizers.Interface, so it drops into train.Trainer on any
// backend; one update of all variables is one graph. Its state lives in the model store (and so in
// checkpoints) under "/optim/<name>". [RunGradients] (a fixed gradient sequence), [RunFunc]
// (a gradient computed in the graph, e.g. a models test problem's GradGraph) and [RunHostFunc]
// (a gradient computed in Go, e.g. GradStep) apply an optimizer to a single parameter and
// return its [Trajectory]: x0 and the parameters after each step, Iterates() for plots
// (viz.PathOf). A run stops at the first step whose parameters are NaN or ±Inf, with an
// [ErrNonFinite] error naming the step, the coordinate and the gradient fed;
// [ContinueOnNonFinite] lets it go on (figures that show divergence) and only records the step
// in NonFiniteStep. They serve notebooks and the `dlopt trajectory` command.
//
// # Examples
//
// `go doc` does not print examples: read them in example_test.go, example_compose_test.go,
// contrib_example_test.go and lbfgs_example_test.go, run them with
// `go test -run Example -v ./dlopt/optim`, or browse them with the package in pkgsite. They
// cover [New] (by library name), [NewOptimizer] (clipping, Adam and weight decay composed and
// run on Rosenbrock), [RunGradients], [RunFunc], [RunHostFunc], [ContinueOnNonFinite],
// [Trajectory.Iterates], the wrappers ([SkipNonFinite], [PerGroup]) and the contributed
// optimizers. dlopt/viz's ExampleContour compares three optimizers on a quadratic in a plot.
//
// # The optimizers
//
// PyTorch's (torch.optim class names, PyTorch's defaults and keywords; g is the gradient after
// maximize negation and coupled weight decay g + wd·p, t the step count, and every direction d
// is applied as p ← p - lr·d):
//   - SGD: b ← μ·b + (1-τ)·g (b = g at t = 1); d = g + μ·b with nesterov, else b.
//   - Adagrad: s ← s + g²; d = g/(√s + ε)/(1 + (t-1)·lr_decay).
//   - RMSprop: v ← α·v + (1-α)·g² (centered: minus ḡ², ḡ its mean); d = g/(√v + ε), through a
//     buffer b ← μ·b + d with momentum.
//   - Adadelta: v ← ρv + (1-ρ)g²; d = √(a+ε)/√(v+ε)·g; a ← ρa + (1-ρ)d².
//   - Adam, AdamW (decoupled p ← p(1 - lr·wd)), amsgrad: d = m̂/(√v̂ + ε) in PyTorch's form.
//   - Adamax: u ← max(β2·u, |g| + ε); d = m/u/(1-β1^t).
//   - NAdam: Dozat's momentum schedule μ_t = β1(1 - ½·0.96^(tψ)); decoupled weight decay option.
//   - RAdam: Adam rectified by r_t once the variance is tractable (ρ_t > 5), m̂ before.
//   - ASGD: p ← p(1 - λη) - ηg with η ← lr/(1 + λ·lr·t)^α; the average ā is the evaluation parameter.
//   - Rprop: per-element step sizes ×η₊ or ×η₋ by sign agreement, clipped; p ← p - step·sign(g).
//
// optax's (public names, optax's defaults and keywords; each a chain as in optax's alias.py):
// sgd (trace, scale_by_learning_rate), adagrad (scale_by_rss: note optax's
// initial_accumulator_value 0.1 and eps 1e-7 inside the root, unlike PyTorch), rmsprop (eps
// inside the root by default), adadelta, adam, adamw, nadam, nadamw, adamax, adamaxw, amsgrad,
// radam; the others (lion, lamb, ..., muon) are in their own files.
//
// The lecture's forms, written as the lecture writes them: [HeavyBall], [MomentumPyTorchForm]
// (equal to heavy-ball step for step) and [NAG] with the gradient at the look-ahead point
// (whose look-ahead points are PyTorch's nesterov=True iterates).
//
// # Wrappers
//
// Any optimizer can be wrapped: [Renamed] (two optimizers of one kind in a context),
// [WithWeightDecay] (coupled or decoupled), [WithMaximize],
// [Prepend] with [ClipByGlobalNorm], [ClipByValue] or [ClipByNorm], [AccumulateGradients],
// [SkipNonFinite] (with [NonFiniteCounts]), [Masked] links, [PerGroup] optimizers (no decay on
// biases, another rate for the classifier), [WithParamEMA], [WithSWA] and [WithLookahead] (whose
// averaged or slow weights are the evaluation parameters, see [Optimizer.EvalParamsGraph] and
// [SwapInEvalParams] to evaluate a model at them).
//
// Every numeric hyperparameter lives in a context variable: [Optimizer.SetHyper] changes it
// between steps (a schedule driven from the host) and checkpoints save it with the state.
//
// # How it is built (read this before adding an optimizer)
//
// An optimizer is a chain of links, as in optax. A link is a [Transform]: its Update maps the
// updates of every trainable variable (the gradients, for the first link) to new updates; the
// last updates are added to the parameters, so the link that applies the learning rate
// multiplies by -lr ([ScaleByLearningRate]).
//
// Inside Update a link sees a [Step]:
//   - s.Params[i]: the value of variable i before the update (s.Vars[i] is the variable itself;
//     s.Params[i].DType() its dtype, which the updates keep);
//   - s.Count / s.CountInt: the number of this update, 1 for the first (float64 / int64 scalar);
//   - s.Hyper(h): the current value of hyperparameter h (float64 scalar); s.HyperAs(h, x) converts
//     it to x's dtype. Do scalar arithmetic (bias corrections) in float64, as the libraries do
//     on the host, and convert with [As] where it meets a tensor;
//   - s.State(i, "mu", 0): a state variable shaped like parameter i, in the link's own scope
//     ("/optim/<opt>/<k>_<link>/mu/<variable scope>"), created with the given initial value;
//     s.StateShaped for other shapes, s.Scalar for scalar state (counts, running norms);
//   - s.Get(v) reads state, s.Set(v, x) writes it. Always write through Set: wrappers such as
//     "skip non-finite updates" or gradient accumulation undo writes with s.Gate;
//   - s.Apply(child, u) runs a child link (listed in Children) in its own sub-scope.
//
// Keep scalar hyperparameter arithmetic in float64 and convert late: compute 1-β with the
// float64 value of s.Hyper and then [As] it to the tensor's dtype, as Python does. In float32,
// 1 - float32(0.999) is off by 5e-5 relative, enough to fail the float32 oracle at 1e-5. The
// helpers ema (optax's update_moment), biasCorrect, adamMoments, adamMuHat (optax) and
// lerpMoment (torch's lerp_) already do so.
//
// Numeric hyperparameters are declared with [NewHyper](name, value, range) and listed in the
// link's Hypers; [NewOptimizer] validates them (a NaN, a negative rate, a beta outside [0, 1),
// eps <= 0 is an error naming the value and the allowed range) and [Optimizer.SetHyper]
// changes them between steps (schedules). A link constructor resolves each *Hyper argument
// first, with linkHyper(h, name, default, range) (nil gives the library's default, an unnamed
// [Value] gets the name and range) or requiredHyper(h, name, range) where the library has no
// default; TestEveryLinkResolvesNil checks that every link does.
//
// Adding an optimizer, e.g. optax's lion, in its own file lion.go:
//
//  1. If it needs a new mechanism, write it as a link (a func returning *Transform, with its
//     update rule in the doc comment); reuse the links of transforms.go where they fit
//     (ScaleByLearningRate, AddDecayedWeights, Trace, ...).
//  2. Write the optimizer as a short composition: a typed config with the library's defaults
//     and a constructor returning NewOptimizer(name, link1, link2, ...).
//  3. Register its name in an init function, reading the library's keyword names with the
//     library's defaults (see below).
//  4. TestOracle picks up every registered name that has an oracle entry and compares its
//     trajectory (float64 and float32) with PyTorch's or optax's.
//
// Registration, in the optimizer's own file:
//
//	func init() {
//		registerOptax("lion", func(k *Kwargs) (*Optimizer, error) {
//			c := DefaultLion()
//			c.LearningRate = k.RequiredFloat("learning_rate") // optax.lion has no default
//			c.B1 = k.Float("b1", c.B1)
//			// ... every other keyword of optax.lion
//			return Lion(c)
//		})
//	}
//
// Read every keyword the library accepts, unconditionally (Float, OptFloat for a None default,
// Int, Bool, String, Floats, Ignored for keywords that do not change the result): New rejects
// the keywords nobody read and lists the accepted ones.
//
// Names collide with GoMLX's graph package, which the files dot-import: do not declare
// package-level names such as Identity, Clip, Sign or Max.
package optim
