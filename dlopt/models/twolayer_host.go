package models

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// TwoLayerF64 is the lecture's two-layer network f(X1, X2; xi) = L(X2 sigma(X1 xi)) in plain
// Go float64, for one input xi at a time, as on the slide. X1 is [Hidden, In] and X2 is
// [Out, Hidden], both row-major: X1[i*In+j] is the weight from input j to hidden unit i.
//
// Slices of the wrong length panic (like gonum's floats package); the configuration is
// checked by [NewTwoLayerF64] and [TwoLayerF64.Validate].
type TwoLayerF64 struct {
	In, Hidden, Out int
	Activation      Activation
	Loss            OutputLoss
	X1, X2          []float64
}

// NewTwoLayerF64 returns a network with weights drawn from N(0, 1/fan_in) (fan_in = In for X1,
// Hidden for X2) with a seeded generator.
func NewTwoLayerF64(in, hidden, out int, act Activation, loss OutputLoss, seed uint64) (*TwoLayerF64, error) {
	net := &TwoLayerF64{In: in, Hidden: hidden, Out: out, Activation: act, Loss: loss,
		X1: make([]float64, max(hidden*in, 0)), X2: make([]float64, max(out*hidden, 0))}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	for i := range net.X1 {
		net.X1[i] = rng.NormFloat64() / math.Sqrt(float64(in))
	}
	for i := range net.X2 {
		net.X2[i] = rng.NormFloat64() / math.Sqrt(float64(hidden))
	}
	return net, nil
}

// Validate reports non-positive sizes, an unknown activation or loss, and weights of the wrong length.
func (net *TwoLayerF64) Validate() error {
	if net == nil {
		return fmt.Errorf("models.TwoLayerF64: nil *TwoLayerF64: build one with NewTwoLayerF64")
	}
	if net.In < 1 || net.Hidden < 1 || net.Out < 1 {
		return fmt.Errorf("models.TwoLayerF64: In=%d, Hidden=%d, Out=%d must all be at least 1", net.In, net.Hidden, net.Out)
	}
	if err := net.Activation.Validate(); err != nil {
		return fmt.Errorf("models.TwoLayerF64: %w", err)
	}
	if err := net.Loss.Validate(); err != nil {
		return fmt.Errorf("models.TwoLayerF64: %w", err)
	}
	if len(net.X1) != net.Hidden*net.In || len(net.X2) != net.Out*net.Hidden {
		return fmt.Errorf("models.TwoLayerF64: len(X1)=%d, len(X2)=%d, want Hidden*In=%d and Out*Hidden=%d",
			len(net.X1), len(net.X2), net.Hidden*net.In, net.Out*net.Hidden)
	}
	return nil
}

// TwoLayerPassF64 keeps the forward pass of one input: h = X1 xi, z = sigma(h), yhat = X2 z
// and the loss L(yhat, y).
type TwoLayerPassF64 struct {
	Xi, Y, H, Z, Yhat []float64
	Loss              float64
}

// TwoLayerGradsF64 holds the backward pass of one input, from the slide's formulas.
type TwoLayerGradsF64 struct {
	DYhat []float64 // dL/dyhat [Out]
	DX2   []float64 // dL/dX2 = dL/dyhat z^T, [Out, Hidden] row-major
	DZ    []float64 // dL/dz = X2^T dL/dyhat, [Hidden]
	DH    []float64 // dL/dh = dL/dz * sigma'(h), [Hidden]
	DX1   []float64 // dL/dX1 = dL/dh xi^T, [Hidden, In] row-major
}

// Forward runs the network on one input xi [In] with target y [Out]. It panics, naming the
// problem, on an invalid network (see Validate) or wrong lengths.
func (net *TwoLayerF64) Forward(xi, y []float64) TwoLayerPassF64 {
	if err := net.Validate(); err != nil {
		panic(err)
	}
	if len(xi) != net.In || len(y) != net.Out {
		panic(fmt.Sprintf("models.TwoLayerF64.Forward: len(xi)=%d, len(y)=%d, want In=%d and Out=%d", len(xi), len(y), net.In, net.Out))
	}
	p := TwoLayerPassF64{Xi: xi, Y: y, H: matVec(net.X1, net.Hidden, net.In, xi)}
	p.Z = make([]float64, net.Hidden)
	for i, h := range p.H {
		p.Z[i] = net.Activation.F64(h)
	}
	p.Yhat = matVec(net.X2, net.Out, net.Hidden, p.Z)
	if net.Loss == SquaredLoss {
		for k, v := range p.Yhat {
			p.Loss += 0.5 * (v - y[k]) * (v - y[k])
		}
	} else {
		p.Loss = CrossEntropyF64(y, SoftmaxF64(p.Yhat))
	}
	return p
}

// Backward returns the gradients of the loss of the pass p with respect to X1 and X2, and
// the intermediate ones, by the slide's formulas.
func (net *TwoLayerF64) Backward(p TwoLayerPassF64) TwoLayerGradsF64 {
	if err := net.Validate(); err != nil {
		panic(err)
	}
	g := TwoLayerGradsF64{DYhat: make([]float64, net.Out)}
	if net.Loss == SquaredLoss {
		for k := range g.DYhat {
			g.DYhat[k] = p.Yhat[k] - p.Y[k]
		}
	} else {
		var sumY float64
		for _, v := range p.Y {
			sumY += v
		}
		for k, s := range SoftmaxF64(p.Yhat) {
			g.DYhat[k] = s*sumY - p.Y[k]
		}
	}
	g.DX2 = outer(g.DYhat, p.Z)
	g.DZ = make([]float64, net.Hidden) // X2^T dL/dyhat
	for k, dy := range g.DYhat {
		for i := range g.DZ {
			g.DZ[i] += net.X2[k*net.Hidden+i] * dy
		}
	}
	g.DH = make([]float64, net.Hidden)
	for i, h := range p.H {
		g.DH[i] = g.DZ[i] * net.Activation.DerivativeF64(h)
	}
	g.DX1 = outer(g.DH, p.Xi)
	return g
}

// LossAndGradient returns the mean loss over the inputs xis[n] with targets ys[n] and its
// gradients with respect to X1 and X2 (row-major, like the weights).
func (net *TwoLayerF64) LossAndGradient(xis, ys [][]float64) (loss float64, dX1, dX2 []float64) {
	if err := net.Validate(); err != nil {
		panic(err)
	}
	if len(xis) != len(ys) || len(xis) == 0 {
		panic(fmt.Sprintf("models.TwoLayerF64.LossAndGradient: %d inputs and %d targets, want the same positive number", len(xis), len(ys)))
	}
	dX1, dX2 = make([]float64, len(net.X1)), make([]float64, len(net.X2))
	scale := 1 / float64(len(xis))
	for n := range xis {
		p := net.Forward(xis[n], ys[n])
		g := net.Backward(p)
		loss += p.Loss * scale
		for i, v := range g.DX1 {
			dX1[i] += v * scale
		}
		for i, v := range g.DX2 {
			dX2[i] += v * scale
		}
	}
	return loss, dX1, dX2
}

// matVec returns A x for A [rows, cols] row-major.
func matVec(a []float64, rows, cols int, x []float64) []float64 {
	out := make([]float64, rows)
	for i := range out {
		var s float64
		for j, v := range x {
			s += a[i*cols+j] * v
		}
		out[i] = s
	}
	return out
}

// outer returns u v^T, [len(u), len(v)] row-major.
func outer(u, v []float64) []float64 {
	out := make([]float64, 0, len(u)*len(v))
	for _, a := range u {
		for _, b := range v {
			out = append(out, a*b)
		}
	}
	return out
}
