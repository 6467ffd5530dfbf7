// Package explore holds the lecture's interactive figures, built on [viz.NewInteractive]: each
// redraw runs dlopt's own optimizers ([optim]) at the values of the sliders and shows what the
// lecture predicts beside what was measured.
//
//   - [Momentum] (notebook 6): γ and β of gradient descent, heavy ball and Nesterov on an
//     ill-conditioned 2-D quadratic: trajectories, distance to the minimum, measured against
//     theoretical rates, and the stability region 0 < γλ < 2 + 2β with the current point.
//   - [Theorem1] (notebook 5): σ² and K with Theorem 1's step size: an SGD run, its average
//     squared gradient norm against the bound, and the bound's two terms against K.
//   - [Adaptive] (notebook 7): an optimizer chosen by its PyTorch or optax name and its learning
//     rate, on Rosenbrock's function or a quadratic with a matrix parameter.
//
// In a notebook: explore.Momentum(explore.DefaultMomentum()).MustShow(). Headless (nbconvert,
// `make notebooks`) the figure is drawn once at its default values. The computations behind each
// figure are exported ([MomentumConfig.Run], ...) so notebooks can check them.
//
// Momentum and Adaptive have settings that diverge, and showing them is part of the lesson:
// their runs go on past NaN or ±Inf parameters (optim.ContinueOnNonFinite; Adaptive's readout
// names the step). Theorem1's runs use the theorem's step, so non-finite parameters there are a
// bug, and they keep optim's default: the run stops with an error naming the step.
package explore
