package decentral

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// Topology is a communication graph over n workers; its mixing matrix may change with the round.
type Topology interface {
	// Name is one of Names.
	Name() string
	// Workers is n.
	Workers() int
	// Mixing is the n x n doubly stochastic matrix of round `round` (a fresh copy): row i holds the
	// weights worker i gives to x_j, so one gossip step is x_i <- sum_j W[i][j] x_j.
	Mixing(round int) [][]float64
	// TimeVarying is true when Mixing depends on the round (one-peer).
	TimeVarying() bool
	// SendsPerRound is how many model-sized messages worker i sends in round `round` (ring: 2,
	// one-peer: 1, star: hub n-1, leaves 1; all-reduce: 2(n-1)/n as ring all-reduce). It panics
	// when i is not a worker index in [0, n), as a slice index would.
	SendsPerRound(i, round int) float64
}

// Names lists the topology names New accepts, in help-text order.
var Names = []string{"ring", "torus", "star", "complete", "exponential", "one-peer", "all-reduce"}

// New returns the named topology over n workers, or an error naming the bad name or n and what is
// allowed: ring needs n >= 3, torus n = m*m with m >= 3, star, exponential and one-peer n >= 2,
// complete and all-reduce n >= 1.
func New(name string, n int) (Topology, error) {
	switch name {
	case "ring":
		return Ring(n)
	case "torus":
		m := int(math.Round(math.Sqrt(float64(n))))
		if n < 9 || m*m != n {
			return nil, kindErrorf(ErrInvalidValue, "torus needs n = m*m workers with m >= 3 (9, 16, 25, ...), got n=%d", n)
		}
		return Torus(m)
	case "star":
		return Star(n)
	case "complete":
		return Complete(n)
	case "exponential":
		return Exponential(n)
	case "one-peer":
		return OnePeerExponential(n)
	case "all-reduce":
		return AllReduce(n)
	}
	return nil, kindErrorf(ErrUnknownName, "unknown topology %q; known: %s", name, strings.Join(Names, ", "))
}

// staticTopology is a topology whose mixing matrix is the same every round.
type staticTopology struct {
	name  string
	w     [][]float64
	sends []float64 // per worker
}

func (t *staticTopology) Name() string                 { return t.name }
func (t *staticTopology) Workers() int                 { return len(t.w) }
func (t *staticTopology) TimeVarying() bool            { return false }
func (t *staticTopology) Mixing(round int) [][]float64 { return copyMatrix(t.w) }
func (t *staticTopology) SendsPerRound(i, round int) float64 {
	checkWorker(t.name, i, len(t.w))
	return t.sends[i]
}

func checkWorker(name string, i, n int) {
	if i < 0 || i >= n {
		panic(fmt.Sprintf("decentral: %s topology: worker index %d out of range [0, %d)", name, i, n))
	}
}

func checkWorkers(name string, n, min int) error {
	if n < min {
		return kindErrorf(ErrInvalidValue, "%s topology needs n >= %d workers, got n=%d", name, min, n)
	}
	return nil
}

func zeros(n int) [][]float64 {
	w := make([][]float64, n)
	for i := range w {
		w[i] = make([]float64, n)
	}
	return w
}

func copyMatrix(w [][]float64) [][]float64 {
	c := make([][]float64, len(w))
	for i, row := range w {
		c[i] = append([]float64(nil), row...)
	}
	return c
}

func constant(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// Ring is the cycle over n >= 3 workers with weight 1/3 on self and both neighbours (symmetric).
// n = 2 is refused because its two neighbours coincide; use complete for two workers.
func Ring(n int) (Topology, error) {
	if err := checkWorkers("ring", n, 3); err != nil {
		return nil, err
	}
	w := zeros(n)
	for i := range n {
		for _, j := range []int{i, (i + 1) % n, (i + n - 1) % n} {
			w[i][j] += 1.0 / 3
		}
	}
	return &staticTopology{name: "ring", w: w, sends: constant(n, 2)}, nil
}

// Torus is the m x m wrap-around grid (worker r*m+c sits at row r, column c) with m >= 3 and
// weight 1/5 on self and the four neighbours (symmetric). Smaller m would repeat a neighbour.
func Torus(m int) (Topology, error) {
	if m < 3 {
		return nil, kindErrorf(ErrInvalidValue, "torus needs side m >= 3 (m*m workers), got m=%d", m)
	}
	n := m * m
	w := zeros(n)
	for r := range m {
		for c := range m {
			i := r*m + c
			for _, j := range []int{i, ((r+1)%m)*m + c, ((r+m-1)%m)*m + c, r*m + (c+1)%m, r*m + (c+m-1)%m} {
				w[i][j] += 1.0 / 5
			}
		}
	}
	return &staticTopology{name: "torus", w: w, sends: constant(n, 4)}, nil
}

// Star has hub worker 0 linked to every other worker, with Metropolis–Hastings weights
// w_ij = 1/(1+max(deg i, deg j)) = 1/n on each edge: the hub's row is all 1/n, a leaf keeps
// 1-1/n of itself. Symmetric; rho = 1-1/n for n >= 3.
func Star(n int) (Topology, error) {
	if err := checkWorkers("star", n, 2); err != nil {
		return nil, err
	}
	w := zeros(n)
	sends := constant(n, 1)
	sends[0] = float64(n - 1)
	for i := range n {
		w[0][i] = 1 / float64(n)
		w[i][0] = 1 / float64(n)
	}
	for i := 1; i < n; i++ {
		w[i][i] = 1 - 1/float64(n)
	}
	return &staticTopology{name: "star", w: w, sends: sends}, nil
}

// Complete links every pair of n >= 1 workers with weight 1/n: exact averaging in one round, each
// worker sending its model to the n-1 others.
func Complete(n int) (Topology, error) {
	if err := checkWorkers("complete", n, 1); err != nil {
		return nil, err
	}
	return &staticTopology{name: "complete", w: averaging(n), sends: constant(n, float64(n-1))}, nil
}

// AllReduce is W = 11^T/n over n >= 1 workers, communicated as a ring all-reduce (reduce-scatter
// then all-gather): each worker sends 2(n-1)/n model sizes per round.
func AllReduce(n int) (Topology, error) {
	if err := checkWorkers("all-reduce", n, 1); err != nil {
		return nil, err
	}
	return &staticTopology{name: "all-reduce", w: averaging(n), sends: constant(n, RingAllReduceSends(n))}, nil
}

// RingAllReduceSends is the model sizes each of n workers sends in one ring all-reduce, 2(n-1)/n.
func RingAllReduceSends(n int) float64 { return 2 * float64(n-1) / float64(n) }

func averaging(n int) [][]float64 {
	w := zeros(n)
	for i := range w {
		for j := range w[i] {
			w[i][j] = 1 / float64(n)
		}
	}
	return w
}

// ExponentialDegree is tau = ceil(log2 n): the static exponential graph's out-degree and the
// one-peer graph's period.
func ExponentialDegree(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
}

// Exponential is the static exponential graph over n >= 2 workers: worker i mixes x_i and
// x_{(i+2^j) mod n} for j = 0..tau-1, tau = ceil(log2 n), all with weight 1/(tau+1). It is
// directed (not symmetric) but doubly stochastic, as every worker also receives from tau others.
func Exponential(n int) (Topology, error) {
	if err := checkWorkers("exponential", n, 2); err != nil {
		return nil, err
	}
	tau := ExponentialDegree(n)
	w := zeros(n)
	for i := range n {
		w[i][i] += 1 / float64(tau+1)
		for j := range tau {
			w[i][(i+1<<j)%n] += 1 / float64(tau+1)
		}
	}
	return &staticTopology{name: "exponential", w: w, sends: constant(n, float64(tau))}, nil
}

// onePeer is the time-varying one-peer exponential graph.
type onePeer struct{ n, tau int }

// OnePeerExponential is the one-peer exponential graph over n >= 2 workers: in round t worker i
// averages x_i and x_{(i+2^(t mod tau)) mod n} with weights 1/2, tau = ceil(log2 n). For n a power
// of two the product of any tau consecutive rounds is exactly 11^T/n. Negative rounds wrap
// around the period like positive ones.
func OnePeerExponential(n int) (Topology, error) {
	if err := checkWorkers("one-peer", n, 2); err != nil {
		return nil, err
	}
	return &onePeer{n: n, tau: ExponentialDegree(n)}, nil
}

func (t *onePeer) Name() string      { return "one-peer" }
func (t *onePeer) Workers() int      { return t.n }
func (t *onePeer) TimeVarying() bool { return true }
func (t *onePeer) Mixing(round int) [][]float64 {
	offset := 1 << (((round % t.tau) + t.tau) % t.tau)
	w := zeros(t.n)
	for i := range t.n {
		w[i][i] += 0.5
		w[i][(i+offset)%t.n] += 0.5
	}
	return w
}
func (t *onePeer) SendsPerRound(i, round int) float64 {
	checkWorker("one-peer", i, t.n)
	return 1
}
