package models

import (
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
)

// normalCDFGraph builds Phi(x) = erfc(-x/sqrt(2))/2, the standard normal CDF, for float64 x, to
// the accuracy of Go's math.Erfc (as [Activation.F64] computes it), with gradient the density
// exp(-x^2/2)/sqrt(2 pi).
//
// graph.Erf cannot be used for this: GoMLX's Go backend, built with GOEXPERIMENT=simd (as dlopt
// is), computes float64 Erf, and the GELU of GoMLX's activation package, with the 5-term
// Abramowitz-Stegun approximation (compute v0.1.14: absolute error up to 1.5e-7, erf(0) != 0),
// where the lecture's plain-Go reference agrees with the graph to 1e-13. This is Go's
// math.Erfc (FreeBSD's s_erf.c) written with graph ops: every branch is computed and the one
// for each |x| selected, the exponentials by the backend's Exp (relative error ~1e-14).
func normalCDFGraph(x *graph.Node) *graph.Node {
	if x.DType() != dtypes.Float64 {
		panic("models: normalCDFGraph needs float64")
	}
	g := x.Graph()
	// A division, as F64's -x/math.Sqrt2 (DivScalar multiplies by the rounded 1/sqrt(2), an ulp
	// away: erfc's relative error grows with its argument squared in the tail).
	t := graph.Div(graph.Neg(x), graph.Scalar(g, x.DType(), math.Sqrt2))
	phi := graph.MulScalar(erfcGraph(graph.StopGradient(t)), 0.5)
	// The gradient: d Phi/dx = pdf(x). The branches above hold infinities and NaNs where they
	// are not selected, which autodiff would turn into NaN gradients; instead the value gets
	// pdf*x - pdf*x (exactly 0, the same product twice) whose gradient is pdf. |x| >= 40 (pdf
	// 0) is replaced by 0 there, so that infinite x gives no Inf*0.
	pdf := graph.StopGradient(graph.MulScalar(graph.Exp(graph.MulScalar(graph.Mul(x, x), -0.5)), 1/math.Sqrt(2*math.Pi)))
	finite := graph.LessThan(graph.Abs(x), graph.Scalar(g, x.DType(), 40))
	xg := graph.Where(finite, x, graph.ZerosLike(x))
	zero := graph.Sub(graph.Mul(pdf, xg), graph.StopGradient(graph.Mul(pdf, xg)))
	return graph.Add(graph.StopGradient(phi), zero)
}

// Coefficients of Go's math/erf.go (from FreeBSD's /usr/src/lib/msun/src/s_erf.c).
const (
	erx = 8.45062911510467529297e-01
	// erf in [0, 0.84375]
	pp0 = 1.28379167095512558561e-01
	pp1 = -3.25042107247001499370e-01
	pp2 = -2.84817495755985104766e-02
	pp3 = -5.77027029648944159157e-03
	pp4 = -2.37630166566501626084e-05
	qq1 = 3.97917223959155352819e-01
	qq2 = 6.50222499887672944485e-02
	qq3 = 5.08130628187576562776e-03
	qq4 = 1.32494738004321644526e-04
	qq5 = -3.96022827877536812320e-06
	// erf in [0.84375, 1.25]
	pa0 = -2.36211856075265944077e-03
	pa1 = 4.14856118683748331666e-01
	pa2 = -3.72207876035701323847e-01
	pa3 = 3.18346619901161753674e-01
	pa4 = -1.10894694282396677476e-01
	pa5 = 3.54783043256182359371e-02
	pa6 = -2.16637559486879084300e-03
	qa1 = 1.06420880400844228286e-01
	qa2 = 5.40397917702171048937e-01
	qa3 = 7.18286544141962662868e-02
	qa4 = 1.26171219808761642112e-01
	qa5 = 1.36370839120290507362e-02
	qa6 = 1.19844998467991074170e-02
	// erfc in [1.25, 1/0.35]
	ra0 = -9.86494403484714822705e-03
	ra1 = -6.93858572707181764372e-01
	ra2 = -1.05586262253232909814e+01
	ra3 = -6.23753324503260060396e+01
	ra4 = -1.62396669462573470355e+02
	ra5 = -1.84605092906711035994e+02
	ra6 = -8.12874355063065934246e+01
	ra7 = -9.81432934416914548592e+00
	sa1 = 1.96512716674392571292e+01
	sa2 = 1.37657754143519042600e+02
	sa3 = 4.34565877475229228821e+02
	sa4 = 6.45387271733267880336e+02
	sa5 = 4.29008140027567833386e+02
	sa6 = 1.08635005541779435134e+02
	sa7 = 6.57024977031928170135e+00
	sa8 = -6.04244152148580987438e-02
	// erfc in [1/0.35, 28]
	rb0 = -9.86494292470009928597e-03
	rb1 = -7.99283237680523006574e-01
	rb2 = -1.77579549177547519889e+01
	rb3 = -1.60636384855821916062e+02
	rb4 = -6.37566443368389627722e+02
	rb5 = -1.02509513161107724954e+03
	rb6 = -4.83519191608651397019e+02
	sb1 = 3.03380607434824582924e+01
	sb2 = 3.25792512996573918826e+02
	sb3 = 1.53672958608443695994e+03
	sb4 = 3.19985821950859553908e+03
	sb5 = 2.55305040643316442583e+03
	sb6 = 4.74528541206955367215e+02
	sb7 = -2.24409524465858183362e+01
)

// horner evaluates c[0] + s*(c[1] + s*(c[2] + ...)), in math/erf.go's order.
func horner(s *graph.Node, c ...float64) *graph.Node {
	p := graph.Scalar(s.Graph(), s.DType(), c[len(c)-1])
	for i := len(c) - 2; i >= 0; i-- {
		p = graph.AddScalar(graph.Mul(s, p), c[i])
	}
	return p
}

// erfcGraph is math.Erfc for float64 x, without gradient (see normalCDFGraph).
func erfcGraph(x *graph.Node) *graph.Node {
	g := x.Graph()
	dt := x.DType()
	scalar := func(v float64) *graph.Node { return graph.Scalar(g, dt, v) }
	neg := graph.LessThan(x, scalar(0))
	a := graph.Abs(x)
	// withSign returns onNeg where x < 0, onPos elsewhere.
	withSign := func(onNeg, onPos *graph.Node) *graph.Node { return graph.Where(neg, onNeg, onPos) }
	one := scalar(1)

	// |x| < 0.84375
	z := graph.Mul(a, a)
	y := graph.Div(horner(z, pp0, pp1, pp2, pp3, pp4), horner(z, 1, qq1, qq2, qq3, qq4, qq5))
	temp := graph.Where(graph.LessThan(a, scalar(0.25)),
		graph.Add(a, graph.Mul(a, y)),
		graph.AddScalar(graph.Add(graph.Mul(a, y), graph.AddScalar(a, -0.5)), 0.5))
	small := withSign(graph.Add(one, temp), graph.Sub(one, temp))

	// 0.84375 <= |x| < 1.25
	s := graph.AddScalar(a, -1)
	pq := graph.Div(horner(s, pa0, pa1, pa2, pa3, pa4, pa5, pa6), horner(s, 1, qa1, qa2, qa3, qa4, qa5, qa6))
	medium := withSign(graph.Add(scalar(1+erx), pq), graph.Sub(scalar(1-erx), pq))

	// 1.25 <= |x| < 28
	s = graph.Reciprocal(graph.Mul(a, a))
	rs := graph.Where(graph.LessThan(a, scalar(1/0.35)),
		graph.Div(horner(s, ra0, ra1, ra2, ra3, ra4, ra5, ra6, ra7), horner(s, 1, sa1, sa2, sa3, sa4, sa5, sa6, sa7, sa8)),
		graph.Div(horner(s, rb0, rb1, rb2, rb3, rb4, rb5, rb6), horner(s, 1, sb1, sb2, sb3, sb4, sb5, sb6, sb7)))
	// zz: |x| with its low 32 bits cleared, so that zz*zz is exact. Backends without Bitcast
	// (ONNX Runtime) round |x| to float32 instead: 24 significant bits, whose square (48 bits) is
	// exact in float64 too; the identity below holds for any zz near |x|.
	var zz *graph.Node
	if g.Backend().Capabilities().Operations[compute.OpTypeBitcast] {
		zz = graph.Bitcast(graph.BitwiseAnd(graph.Bitcast(a, dtypes.Uint64), graph.Const(g, uint64(0xffffffff00000000))), dt)
	} else {
		zz = graph.ConvertDType(graph.ConvertDType(a, dtypes.Float32), dt)
	}
	r := graph.Mul(
		graph.Exp(graph.AddScalar(graph.Neg(graph.Mul(zz, zz)), -0.5625)),
		graph.Exp(graph.Add(graph.Mul(graph.Sub(zz, a), graph.Add(zz, a)), rs)))
	ratio := graph.Div(r, a)
	large := withSign(graph.Sub(scalar(2), ratio), ratio)
	// math.Erfc returns 2 for x < -6 here: 2 - ratio rounds to 2 there (ratio < 1e-17).

	// |x| >= 28 (and infinities)
	huge := withSign(scalar(2), scalar(0))

	out := graph.Where(graph.LessThan(a, scalar(0.84375)), small,
		graph.Where(graph.LessThan(a, scalar(1.25)), medium,
			graph.Where(graph.LessThan(a, scalar(28)), large, huge)))
	return graph.Where(graph.IsNaN(x), x, out)
}
