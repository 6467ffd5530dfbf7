package decentral

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Objective is a sum of n local objectives f(x) = (1/n) sum_i f_i(x), worker i seeing only f_i.
type Objective interface {
	Workers() int
	Dim() int
	// Rows is how many examples worker i holds; a minibatch is a list of row indices below it.
	Rows(i int) int
	// Grad writes grad f_i(x) into dst: over all the worker's rows when batch is nil, otherwise
	// the mean over the listed rows (an unbiased stochastic gradient when they are sampled
	// uniformly).
	Grad(i int, x []float64, batch []int, dst []float64)
	// Loss is f(x), the mean of the local objectives.
	Loss(x []float64) float64
	// Optimum is the minimiser of f.
	Optimum() []float64
}

// LeastSquaresConfig describes a heterogeneous least-squares problem: worker i holds Rows rows
// a_r ~ N(0, I_Dim) and targets b_r = a_r^T (x0 + Heterogeneity z_i) + Noise e_r, with x0, z_i and
// e_r standard normal; so local optima differ by about Heterogeneity*sqrt(Dim), and the
// stochastic gradients are noisy at the optimum when Noise > 0 or Heterogeneity > 0.
type LeastSquaresConfig struct {
	Workers, Dim, Rows   int
	Heterogeneity, Noise float64
	Seed                 uint64
}

// LeastSquares is f_i(x) = 1/(2m) ||A_i x - b_i||^2 on each worker (m = Rows), f their mean.
type LeastSquares struct {
	cfg     LeastSquaresConfig
	a       [][][]float64 // worker, row, column
	b       [][]float64
	h       []*mat.SymDense // A_i^T A_i / m
	c       []*mat.VecDense // A_i^T b_i / m
	optimum []float64
	// The pooled quadratic f(x) = x^T hMean x / 2 - cMean^T x + bSquares, so Loss costs O(Dim^2).
	hMean    *mat.SymDense
	cMean    *mat.VecDense
	bSquares float64
}

// NewLeastSquares draws the problem from cfg.Seed, or returns an ErrInvalidValue error naming
// the bad field (Workers >= 1, Dim >= 1, Rows >= Dim so every f_i has a unique minimiser,
// Heterogeneity and Noise finite and >= 0).
func NewLeastSquares(cfg LeastSquaresConfig) (*LeastSquares, error) {
	switch {
	case cfg.Workers < 1:
		return nil, kindErrorf(ErrInvalidValue, "least squares: Workers must be >= 1, got %d", cfg.Workers)
	case cfg.Dim < 1:
		return nil, kindErrorf(ErrInvalidValue, "least squares: Dim must be >= 1, got %d", cfg.Dim)
	case cfg.Rows < cfg.Dim:
		return nil, kindErrorf(ErrInvalidValue, "least squares: Rows must be >= Dim=%d (one minimiser per worker), got %d", cfg.Dim, cfg.Rows)
	case !(cfg.Heterogeneity >= 0) || math.IsInf(cfg.Heterogeneity, 0):
		return nil, kindErrorf(ErrInvalidValue, "least squares: Heterogeneity must be finite and >= 0, got %v", cfg.Heterogeneity)
	case !(cfg.Noise >= 0) || math.IsInf(cfg.Noise, 0):
		return nil, kindErrorf(ErrInvalidValue, "least squares: Noise must be finite and >= 0, got %v", cfg.Noise)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	d, m := cfg.Dim, cfg.Rows
	p := &LeastSquares{cfg: cfg}
	x0 := normals(rng, d, 1)
	hSum := mat.NewSymDense(d, nil)
	cSum := mat.NewVecDense(d, nil)
	for range cfg.Workers {
		local := normals(rng, d, cfg.Heterogeneity)
		for k := range local {
			local[k] += x0[k]
		}
		rows := make([][]float64, m)
		b := make([]float64, m)
		aDense := mat.NewDense(m, d, nil)
		for r := range rows {
			rows[r] = normals(rng, d, 1)
			b[r] = dot(rows[r], local) + cfg.Noise*rng.NormFloat64()
			aDense.SetRow(r, rows[r])
		}
		h := mat.NewSymDense(d, nil)
		h.SymOuterK(1/float64(m), aDense.T())
		c := mat.NewVecDense(d, nil)
		c.MulVec(aDense.T(), mat.NewVecDense(m, b))
		c.ScaleVec(1/float64(m), c)
		p.a, p.b, p.h, p.c = append(p.a, rows), append(p.b, b), append(p.h, h), append(p.c, c)
		hSum.AddSym(hSum, h)
		cSum.AddVec(cSum, c)
	}
	var x mat.VecDense
	if err := x.SolveVec(hSum, cSum); err != nil {
		return nil, kindErrorf(ErrInvalidValue, "least squares: the pooled normal equations are singular (%v); draw another seed", err)
	}
	p.optimum = x.RawVector().Data
	p.setPooledQuadratic()
	return p, nil
}

func normals(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * rng.NormFloat64()
	}
	return v
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func (p *LeastSquares) Workers() int               { return p.cfg.Workers }
func (p *LeastSquares) Dim() int                   { return p.cfg.Dim }
func (p *LeastSquares) Rows(i int) int             { return p.cfg.Rows }
func (p *LeastSquares) Optimum() []float64         { return append([]float64(nil), p.optimum...) }
func (p *LeastSquares) Config() LeastSquaresConfig { return p.cfg }

// Hessian is A_i^T A_i / m and Linear A_i^T b_i / m, so grad f_i(x) = Hessian(i) x - Linear(i):
// the pieces of the closed-form fixed points.
func (p *LeastSquares) Hessian(i int) mat.Symmetric { return p.h[i] }
func (p *LeastSquares) Linear(i int) mat.Vector     { return p.c[i] }

func (p *LeastSquares) Grad(i int, x []float64, batch []int, dst []float64) {
	if batch == nil {
		g := mat.NewVecDense(len(dst), dst)
		g.MulVec(p.h[i], mat.NewVecDense(len(x), x))
		g.SubVec(g, p.c[i])
		return
	}
	clear(dst)
	for _, r := range batch {
		row := p.a[i][r]
		res := dot(row, x) - p.b[i][r]
		for k, v := range row {
			dst[k] += res * v
		}
	}
	for k := range dst {
		dst[k] /= float64(len(batch))
	}
}

// LocalLoss is f_i(x) = 1/(2m) ||A_i x - b_i||^2.
func (p *LeastSquares) LocalLoss(i int, x []float64) float64 {
	s := 0.0
	for r, row := range p.a[i] {
		res := dot(row, x) - p.b[i][r]
		s += res * res
	}
	return s / (2 * float64(len(p.a[i])))
}

// Loss is f(x), from the pooled quadratic form (exact up to rounding; see LocalLoss for the sum).
func (p *LeastSquares) Loss(x []float64) float64 {
	v := mat.NewVecDense(len(x), x)
	return mat.Inner(v, p.hMean, v)/2 - mat.Dot(p.cMean, v) + p.bSquares
}

func (p *LeastSquares) setPooledQuadratic() {
	n, d := len(p.a), p.cfg.Dim
	p.hMean, p.cMean, p.bSquares = mat.NewSymDense(d, nil), mat.NewVecDense(d, nil), 0
	for i := range n {
		p.hMean.AddSym(p.hMean, p.h[i])
		p.cMean.AddVec(p.cMean, p.c[i])
		p.bSquares += dot(p.b[i], p.b[i]) / (2 * float64(len(p.b[i])))
	}
	p.hMean.ScaleSym(1/float64(n), p.hMean)
	p.cMean.ScaleVec(1/float64(n), p.cMean)
	p.bSquares /= float64(n)
}

// Pooled is the same data on one worker (all rows of all workers, worker i's rows at
// i*Rows..(i+1)*Rows-1): the problem that n-worker all-reduce SGD is equivalent to.
func (p *LeastSquares) Pooled() *LeastSquares {
	n := p.cfg.Workers
	q := &LeastSquares{cfg: p.cfg, optimum: p.Optimum()}
	q.cfg.Workers, q.cfg.Rows = 1, n*p.cfg.Rows
	h := mat.NewSymDense(p.cfg.Dim, nil)
	c := mat.NewVecDense(p.cfg.Dim, nil)
	var rows [][]float64
	var b []float64
	for i := range n {
		rows, b = append(rows, p.a[i]...), append(b, p.b[i]...)
		h.AddSym(h, p.h[i])
		c.AddVec(c, p.c[i])
	}
	h.ScaleSym(1/float64(n), h)
	c.ScaleVec(1/float64(n), c)
	q.a, q.b, q.h, q.c = [][][]float64{rows}, [][]float64{b}, []*mat.SymDense{h}, []*mat.VecDense{c}
	q.setPooledQuadratic()
	return q
}
