package decentral

import "math"

// Gossip runs `rounds` rounds of X <- W_t X (t = 0, 1, ...) from x0 (one row per worker) and
// returns the consensus error ||X_k - 1 xbar^T||_F for k = 0..rounds and the final X. With a
// doubly stochastic W the average xbar never moves and the error shrinks by at least Rho(W_t)
// per round.
func Gossip(t Topology, x0 [][]float64, rounds int) ([]float64, [][]float64, error) {
	switch {
	case t == nil:
		return nil, nil, kindErrorf(ErrInvalidValue, "gossip: topology is nil")
	case len(x0) != t.Workers():
		return nil, nil, kindErrorf(ErrInvalidValue, "gossip: x0 has %d rows, topology %s has %d workers", len(x0), t.Name(), t.Workers())
	case rounds < 0:
		return nil, nil, kindErrorf(ErrInvalidValue, "gossip: rounds must be >= 0, got %d", rounds)
	}
	for i, row := range x0 {
		if len(row) != len(x0[0]) || len(row) == 0 {
			return nil, nil, kindErrorf(ErrInvalidValue, "gossip: row %d of x0 has %d entries, row 0 has %d (want equal, >= 1)", i, len(row), len(x0[0]))
		}
	}
	x := scale(x0, 1)
	errs := []float64{ConsensusError(x)}
	for k := range rounds {
		x = matMul(t.Mixing(k), x)
		errs = append(errs, ConsensusError(x))
	}
	return errs, x, nil
}

// ConsensusError is ||X - 1 xbar^T||_F, how far the workers' models are from their average.
func ConsensusError(x [][]float64) float64 {
	m := Mean(x)
	s := 0.0
	for _, row := range x {
		for k, v := range row {
			s += (v - m[k]) * (v - m[k])
		}
	}
	return math.Sqrt(s)
}
