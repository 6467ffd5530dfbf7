package models

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
)

// Activation names an elementwise nonlinearity sigma.
type Activation string

// The activations models support. GELU is the exact one, x * Phi(x) with Phi the standard
// normal CDF: to float64 precision in float64 graphs; other dtypes use GoMLX's fused Gelu,
// whose erf on the Go backend is accurate to 1.5e-7.
const (
	ReLU     Activation = "relu"
	Tanh     Activation = "tanh"
	Sigmoid  Activation = "sigmoid"
	GELU     Activation = "gelu"
	Identity Activation = "identity"
)

// Activations lists every supported activation.
var Activations = []Activation{ReLU, Tanh, Sigmoid, GELU, Identity}

// Validate reports an activation that is not one of [Activations].
func (a Activation) Validate() error {
	for _, ok := range Activations {
		if a == ok {
			return nil
		}
	}
	return fmt.Errorf("models: unknown activation %q, allowed are %q", string(a), Activations)
}

// Apply builds sigma(x).
func (a Activation) Apply(x *graph.Node) *graph.Node {
	switch a {
	case ReLU:
		// max(x, 0) as a select: its gradient is one select too, and it is 0 at x = 0 as in
		// PyTorch (GoMLX's Relu, a Max, passes the gradient at 0 and costs five element-wise
		// ops backward).
		zeros := graph.ZerosLike(x)
		return graph.Where(graph.GreaterThan(x, zeros), x, zeros)
	case Tanh:
		return graph.Tanh(x)
	case Sigmoid:
		return graph.Sigmoid(x)
	case GELU:
		if x.DType() == dtypes.Float64 {
			// Exact to float64 precision, as F64 (see normalCDFGraph); GoMLX's fused Gelu on
			// the Go backend approximates erf to 1.5e-7.
			return graph.Mul(x, normalCDFGraph(x))
		}
		return activation.Gelu(x)
	case Identity:
		return x
	}
	panic(a.Validate())
}

// F64 returns sigma(x) in plain Go.
func (a Activation) F64(x float64) float64 {
	switch a {
	case ReLU:
		return math.Max(x, 0)
	case Tanh:
		return math.Tanh(x)
	case Sigmoid:
		return 1 / (1 + math.Exp(-x))
	case GELU:
		return x * normalCDF(x)
	case Identity:
		return x
	}
	panic(a.Validate())
}

// DerivativeF64 returns sigma'(x) in plain Go. For ReLU it takes sigma'(0) = 0, as PyTorch does.
func (a Activation) DerivativeF64(x float64) float64 {
	switch a {
	case ReLU:
		if x > 0 {
			return 1
		}
		return 0
	case Tanh:
		t := math.Tanh(x)
		return 1 - t*t
	case Sigmoid:
		s := 1 / (1 + math.Exp(-x))
		return s * (1 - s)
	case GELU:
		return normalCDF(x) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
	case Identity:
		return 1
	}
	panic(a.Validate())
}

func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// Derivative builds sigma'(x), with sigma'(0) = 0 for ReLU like [Activation.DerivativeF64].
func (a Activation) Derivative(x *graph.Node) *graph.Node {
	switch a {
	case ReLU:
		return graph.Where(graph.GreaterThan(x, graph.ZerosLike(x)), graph.OnesLike(x), graph.ZerosLike(x))
	case Tanh:
		t := graph.Tanh(x)
		return graph.OneMinus(graph.Mul(t, t))
	case Sigmoid:
		s := graph.Sigmoid(x)
		return graph.Mul(s, graph.OneMinus(s))
	case GELU:
		var cdf *graph.Node
		if x.DType() == dtypes.Float64 {
			cdf = normalCDFGraph(x)
		} else {
			cdf = graph.MulScalar(graph.AddScalar(graph.Erf(graph.DivScalar(x, math.Sqrt2)), 1), 0.5)
		}
		pdf := graph.MulScalar(graph.Exp(graph.MulScalar(graph.Mul(x, x), -0.5)), 1/math.Sqrt(2*math.Pi))
		return graph.Add(cdf, graph.Mul(x, pdf))
	case Identity:
		return graph.OnesLike(x)
	}
	panic(a.Validate())
}
