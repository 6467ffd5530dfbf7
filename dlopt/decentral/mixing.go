package decentral

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// CheckDoublyStochastic returns nil when w is square, non-empty, has no negative or non-finite
// entry, and every row and column sums to 1 within tol; otherwise an ErrNotDoublyStochastic
// error naming the first offending entry, row or column and its sum.
func CheckDoublyStochastic(w [][]float64, tol float64) error {
	n := len(w)
	if n == 0 {
		return kindErrorf(ErrNotDoublyStochastic, "mixing matrix is empty (need n x n with n >= 1)")
	}
	if !(tol >= 0) {
		return kindErrorf(ErrInvalidValue, "tolerance must be >= 0, got %v", tol)
	}
	cols := make([]float64, n)
	for i, row := range w {
		if len(row) != n {
			return kindErrorf(ErrNotDoublyStochastic, "mixing matrix is not square: row %d has %d entries, want %d", i, len(row), n)
		}
		sum := 0.0
		for j, v := range row {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return kindErrorf(ErrNotDoublyStochastic, "entry W[%d][%d] = %v, want a finite value >= 0", i, j, v)
			}
			sum += v
			cols[j] += v
		}
		if math.Abs(sum-1) > tol {
			return kindErrorf(ErrNotDoublyStochastic, "row %d sums to %.17g, want 1 (tolerance %g)", i, sum, tol)
		}
	}
	for j, sum := range cols {
		if math.Abs(sum-1) > tol {
			return kindErrorf(ErrNotDoublyStochastic, "column %d sums to %.17g, want 1 (tolerance %g)", j, sum, tol)
		}
	}
	return nil
}

// Rho is ||W - 11^T/n||_2, the largest singular value of W minus the averaging matrix: one
// gossip step shrinks the consensus error ||X - 1 xbar^T||_F by at least this factor when W is
// doubly stochastic. It panics on a matrix that is not square (a programming error; check
// user-supplied matrices with CheckDoublyStochastic first).
func Rho(w [][]float64) float64 {
	n := len(w)
	if n == 0 {
		return 0
	}
	d := mat.NewDense(n, n, nil)
	for i, row := range w {
		if len(row) != n {
			panic("decentral: Rho of a non-square matrix")
		}
		for j, v := range row {
			d.Set(i, j, v-1/float64(n))
		}
	}
	var svd mat.SVD
	if !svd.Factorize(d, mat.SVDNone) {
		return math.NaN()
	}
	return svd.Values(nil)[0]
}

// RhoOfProduct is ||W_{t0+k-1} ... W_{t0} - 11^T/n||_2, the contraction of k consecutive rounds
// starting at round t0; for a static topology it is at most Rho(W)^k, and for the one-peer graph
// over n = 2^tau workers it is 0 once k >= tau.
func RhoOfProduct(t Topology, t0, k int) float64 {
	return Rho(MixingProduct(t, t0, k))
}

// MixingProduct is W_{t0+k-1} ... W_{t0}: the matrix that maps the models before round t0 to
// the models after k gossip rounds. k = 0 gives the identity.
func MixingProduct(t Topology, t0, k int) [][]float64 {
	n := t.Workers()
	p := zeros(n)
	for i := range n {
		p[i][i] = 1
	}
	for r := t0; r < t0+k; r++ {
		p = matMul(t.Mixing(r), p)
	}
	return p
}

func matMul(a, b [][]float64) [][]float64 {
	n, inner, m := len(a), len(b), 0
	if inner > 0 {
		m = len(b[0])
	}
	c := make([][]float64, n)
	for i := range n {
		c[i] = make([]float64, m)
		for k := range inner {
			if a[i][k] == 0 {
				continue
			}
			for j := range m {
				c[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return c
}

// Communication is one round's traffic of a topology, in model sizes.
type Communication struct {
	// MeanSends is the average over workers of SendsPerRound: total traffic / n.
	MeanSends float64
	// MaxSends is the busiest worker's sends (the star's hub): the round's bottleneck.
	MaxSends float64
}

// CommunicationPerRound is round `round`'s traffic per worker; multiply by the model's size in
// bytes (4 per float32 parameter) for bytes.
func CommunicationPerRound(t Topology, round int) Communication {
	var c Communication
	for i := range t.Workers() {
		s := t.SendsPerRound(i, round)
		c.MeanSends += s
		c.MaxSends = math.Max(c.MaxSends, s)
	}
	c.MeanSends /= float64(t.Workers())
	return c
}
