// Package models holds the course's models, losses and test problems, written with GoMLX.
//
// Losses: [Softmax], [LogSoftmax], [LogSumExp], [CrossEntropy] (nats), [CrossEntropyBits],
// and the softmax cross-entropy from logits with integer labels ([SoftmaxCrossEntropy]) or
// one-hot/soft targets ([SoftmaxCrossEntropyTargets]), stable for logits of any finite size,
// with gradient (softmax(s) - y)/N. [CrossEntropyLoss] plugs them into GoMLX's train.Trainer.
// Plain-Go float64 versions carry the suffix F64 (e.g. [CrossEntropyBitsF64]).
//
// Models implement [Model] (a validated configuration and a graph function whose variables
// live in a GoMLX model store); [ModelFn] turns one into a train.ModelFn:
//   - [Linear]: the lecture's s = X h with X of shape [C, d];
//   - [MLP]: a feature extractor of dense layers and a linear classifier;
//   - [TwoLayer]: the lecture's f(X1, X2; xi) = L(X2 sigma(X1 xi)) with a hand-written backward
//     pass, in the graph and in plain Go ([TwoLayerF64]);
//   - [CNN]: conv, pool, conv, pool, dense for 28x28 images.
//
// Test problems with known constants, for optimizers: [Quadratic] (from eigenvalues or a
// condition number: L, mu, x*, f*), [Rosenbrock], and [NoisyLeastSquares], whose stochastic
// gradient oracle has known smoothness L and noise variance sigma^2, as the SGD convergence
// theorem needs. Each is a [Problem]: value and gradient on the host and in the graph, with
// GradGraph and GradStep in the forms optim.RunFunc and optim.RunHostFunc take, and
// ValueAndGrad returning an error where Value and Grad panic (a wrong length).
//
// Examples (`go doc` does not print them; see example_test.go and example_problem_test.go, or
// `go test -run Example -v ./dlopt/models`): [CrossEntropyBits], [SoftmaxCrossEntropyF64],
// [TwoLayerF64], [Linear], [NoisyLeastSquares], and [Problem] (an optimizer on Rosenbrock with
// the gradient in the graph and on the host).
//
// Importing models imports github.com/dlopt/course/dlopt, which sets up GoMLX's backends
// (variables stay graph parameters, see dlopt/livevars.go).
package models

import _ "github.com/dlopt/course/dlopt" // backends, live variables
