package decentral

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func mustLeastSquares(t *testing.T, cfg LeastSquaresConfig) *LeastSquares {
	t.Helper()
	p, err := NewLeastSquares(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustSimulate(t *testing.T, obj Objective, cfg SimConfig) *Trace {
	t.Helper()
	tr, err := Simulate(obj, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func last(v []float64) float64 { return v[len(v)-1] }

// maxRowDistance is max_i ||x_i - y_i||.
func maxRowDistance(x, y [][]float64) float64 {
	m := 0.0
	for i := range x {
		m = math.Max(m, distance(x[i], y[i]))
	}
	return m
}

var heterogeneous = LeastSquaresConfig{Workers: 9, Dim: 4, Rows: 30, Heterogeneity: 1, Noise: 0.5, Seed: 11}

// Full-gradient D-SGD stops exactly at the closed-form fixed point, which is biased.
func TestDSGDReachesClosedFormFixedPoint(t *testing.T) {
	p := mustLeastSquares(t, heterogeneous)
	for _, name := range []string{"ring", "torus", "exponential", "star"} {
		for _, alg := range []string{DSGD, DSGDCombineFirst} {
			top := mustNew(t, name, 9)
			tr := mustSimulate(t, p, SimConfig{Topology: top, Algorithm: alg, Step: 0.1, Rounds: 3000})
			fp, err := DSGDFixedPoint(p, top, alg, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxRowDistance(tr.Final, fp); d > 1e-10 {
				t.Errorf("%s %s: simulation ends %.3g from the closed-form fixed point, want <= 1e-10", name, alg, d)
			}
			if bias := distance(Mean(fp), p.Optimum()); bias < 1e-3 {
				t.Errorf("%s %s: fixed point's average is %.3g from x*, want a visible bias on heterogeneous data", name, alg, bias)
			}
		}
	}
}

// D-SGD's bias ||xbar*(a) - x*|| is proportional to the step a for small a; without heterogeneity
// it vanishes.
func TestDSGDBiasProportionalToStep(t *testing.T) {
	p := mustLeastSquares(t, heterogeneous)
	ring := mustNew(t, "ring", 9)
	for _, alg := range []string{DSGD, DSGDCombineFirst} {
		bias := func(a float64) float64 {
			fp, err := DSGDFixedPoint(p, ring, alg, a)
			if err != nil {
				t.Fatal(err)
			}
			return distance(Mean(fp), p.Optimum())
		}
		for _, a := range []float64{4e-3, 1e-3} {
			if r := bias(a) / bias(a/2); math.Abs(r-2) > 0.05 {
				t.Errorf("%s: bias(%g)/bias(%g) = %.4f, want 2 (bias proportional to step)", alg, a, a/2, r)
			}
		}
		homogeneous := mustLeastSquares(t, LeastSquaresConfig{Workers: 9, Dim: 4, Rows: 30, Seed: 11})
		fp, err := DSGDFixedPoint(homogeneous, ring, alg, 0.1)
		if err != nil {
			t.Fatal(err)
		}
		opt := homogeneous.Optimum()
		d := 0.0
		for _, row := range fp {
			d = math.Max(d, distance(row, opt))
		}
		if d > 1e-12 {
			t.Errorf("%s: no heterogeneity, yet the fixed point is %.3g from x*", alg, d)
		}
	}
}

// Exact diffusion and gradient tracking remove the bias: full gradients reach x* to 1e-10 on
// static, directed and time-varying topologies.
func TestCorrectedAlgorithmsReachOptimum(t *testing.T) {
	p := mustLeastSquares(t, heterogeneous)
	for _, alg := range []string{ExactDiffusion, GradientTracking} {
		for _, name := range []string{"ring", "torus", "exponential", "star", "one-peer", "all-reduce"} {
			tr := mustSimulate(t, p, SimConfig{Topology: mustNew(t, name, 9), Algorithm: alg, Step: 0.1, Rounds: 3000})
			if d := last(tr.WorkerDistance); !(d <= 1e-10) {
				t.Errorf("%s on %s: workers end %.3g from x*, want <= 1e-10", alg, name, d)
			}
		}
	}
}

// With the all-reduce topology, n workers with minibatch B each are one worker with minibatch nB
// over the pooled data, when the rows are the same.
func TestAllReduceIsLargeBatchSGD(t *testing.T) {
	const n, rows, batch = 4, 25, 3
	p := mustLeastSquares(t, LeastSquaresConfig{Workers: n, Dim: 5, Rows: rows, Heterogeneity: 1, Noise: 1, Seed: 5})
	shards := UniformSampler(p, batch, 9)
	pooledRows := func(round, _ int) []int {
		var all []int
		for i := range n {
			for _, r := range shards(round, i) {
				all = append(all, i*rows+r)
			}
		}
		return all
	}
	start := []float64{1, -2, 0.5, 3, 0}
	ar := mustSimulate(t, p, SimConfig{Topology: mustNew(t, "all-reduce", n), Algorithm: DSGD, Step: 0.05, Rounds: 200, Sampler: shards, Start: start})
	one := mustSimulate(t, p.Pooled(), SimConfig{Topology: mustNew(t, "all-reduce", 1), Algorithm: DSGD, Step: 0.05, Rounds: 200, Sampler: pooledRows, Start: start})
	for i := range n {
		if d := distance(ar.Final[i], one.Final[0]); d > 1e-12 {
			t.Errorf("worker %d ends %.3g from the single large-batch worker, want <= 1e-12", i, d)
		}
	}
	if d := last(ar.Distance); d < 1e-3 {
		t.Errorf("stochastic run ended %.3g from x*: the test would not see a wrong sample", d)
	}
	if math.Abs(last(ar.Loss)-last(one.Loss)) > 1e-12 {
		t.Errorf("losses differ: %v vs %v", last(ar.Loss), last(one.Loss))
	}
}

func TestSimulateStochasticIsSeeded(t *testing.T) {
	p := mustLeastSquares(t, heterogeneous)
	cfg := SimConfig{Topology: mustNew(t, "ring", 9), Algorithm: GradientTracking, Step: 0.05, Rounds: 50, Sampler: UniformSampler(p, 2, 3)}
	a, b := mustSimulate(t, p, cfg), mustSimulate(t, p, cfg)
	if maxRowDistance(a.Final, b.Final) != 0 {
		t.Error("two runs with the same seed differ")
	}
	cfg.Sampler = UniformSampler(p, 2, 4)
	if c := mustSimulate(t, p, cfg); maxRowDistance(a.Final, c.Final) == 0 {
		t.Error("runs with different seeds agree")
	}
}

func TestTraceBytesAndShape(t *testing.T) {
	p := mustLeastSquares(t, heterogeneous)
	for _, c := range []struct {
		alg, top string
		perRound float64 // model sizes per worker per round
	}{{DSGD, "ring", 2}, {ExactDiffusion, "torus", 4}, {GradientTracking, "ring", 4}, {DSGD, "all-reduce", 2 * 8.0 / 9}, {DSGD, "star", 2 * 8.0 / 9}} {
		tr := mustSimulate(t, p, SimConfig{Topology: mustNew(t, c.top, 9), Algorithm: c.alg, Step: 0.1, Rounds: 10})
		if len(tr.Loss) != 11 || len(tr.Consensus) != 11 || len(tr.Bytes) != 11 || tr.Bytes[0] != 0 {
			t.Fatalf("%s/%s: trace lengths %d %d %d, Bytes[0]=%v", c.alg, c.top, len(tr.Loss), len(tr.Consensus), len(tr.Bytes), tr.Bytes[0])
		}
		if want := 10 * c.perRound * 4 * 8; math.Abs(last(tr.Bytes)-want) > 1e-9 {
			t.Errorf("%s/%s: %v bytes per worker after 10 rounds, want %v", c.alg, c.top, last(tr.Bytes), want)
		}
	}
}

// Gossip: the average never moves and the consensus error shrinks by at least rho per round;
// one-peer over 2^k workers averages exactly in k rounds.
func TestGossip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name string
		n    int
	}{{"ring", 10}, {"torus", 16}, {"star", 6}, {"exponential", 12}, {"one-peer", 16}} {
		top := mustNew(t, c.name, c.n)
		x0 := make([][]float64, c.n)
		for i := range x0 {
			x0[i] = normals(rng, 3, 1)
		}
		errs, x, err := Gossip(top, x0, 30)
		if err != nil {
			t.Fatal(err)
		}
		if d := distance(Mean(x), Mean(x0)); d > 1e-13 {
			t.Errorf("%s: the average moved by %.3g", c.name, d)
		}
		for k := 1; k < len(errs); k++ {
			if rho := Rho(top.Mixing(k - 1)); errs[k] > rho*errs[k-1]*(1+1e-12)+1e-15 {
				t.Errorf("%s round %d: consensus %.4g > rho %.4f x previous %.4g", c.name, k, errs[k], rho, errs[k-1])
			}
		}
		if c.name == "one-peer" && errs[4] > 1e-14 {
			t.Errorf("one-peer n=16: consensus after 4 rounds %.3g, want exact average", errs[4])
		}
	}
}

func TestSimulationInputErrors(t *testing.T) {
	p := mustLeastSquares(t, heterogeneous)
	ring := mustNew(t, "ring", 9)
	cases := []struct {
		cfg  SimConfig
		kind error
		msg  string
	}{
		{SimConfig{Topology: ring, Algorithm: "admm", Step: 0.1}, ErrUnknownName, `"admm"`},
		{SimConfig{Algorithm: DSGD, Step: 0.1}, ErrInvalidValue, "Topology is nil"},
		{SimConfig{Topology: mustNew(t, "ring", 8), Algorithm: DSGD, Step: 0.1}, ErrInvalidValue, "8 workers but the objective has 9"},
		{SimConfig{Topology: ring, Algorithm: DSGD, Step: 0}, ErrInvalidValue, "Step must be finite and > 0, got 0"},
		{SimConfig{Topology: ring, Algorithm: DSGD, Step: math.NaN()}, ErrInvalidValue, "got NaN"},
		{SimConfig{Topology: ring, Algorithm: DSGD, Step: 0.1, Rounds: -1}, ErrInvalidValue, "got -1"},
		{SimConfig{Topology: ring, Algorithm: DSGD, Step: 0.1, Start: []float64{1}}, ErrInvalidValue, "Start has 1 entries"},
		{SimConfig{Topology: ring, Algorithm: DSGD, Step: 0.1, Starts: [][]float64{{1}}}, ErrInvalidValue, "Starts has 1 rows"},
	}
	for _, c := range cases {
		if _, err := Simulate(p, c.cfg); !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Simulate(%+v) = %v, want %v mentioning %q", c.cfg, err, c.kind, c.msg)
		}
	}
	for _, c := range []struct {
		cfg LeastSquaresConfig
		msg string
	}{
		{LeastSquaresConfig{Workers: 0, Dim: 2, Rows: 2}, "Workers must be >= 1, got 0"},
		{LeastSquaresConfig{Workers: 2, Dim: 0, Rows: 2}, "Dim must be >= 1, got 0"},
		{LeastSquaresConfig{Workers: 2, Dim: 3, Rows: 2}, "Rows must be >= Dim=3"},
		{LeastSquaresConfig{Workers: 2, Dim: 2, Rows: 2, Heterogeneity: -1}, "Heterogeneity must be finite and >= 0, got -1"},
		{LeastSquaresConfig{Workers: 2, Dim: 2, Rows: 2, Noise: math.Inf(1)}, "Noise must be finite and >= 0, got +Inf"},
	} {
		if _, err := NewLeastSquares(c.cfg); !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("NewLeastSquares(%+v) = %v, want %q", c.cfg, err, c.msg)
		}
	}
	if _, err := DSGDFixedPoint(p, mustNew(t, "one-peer", 9), DSGD, 0.1); !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "one-peer") {
		t.Errorf("fixed point on one-peer: %v", err)
	}
	if _, err := DSGDFixedPoint(p, ring, GradientTracking, 0.1); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("fixed point of gradient tracking: %v", err)
	}
	if _, _, err := Gossip(ring, [][]float64{{1}}, 3); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("gossip with 1 row on 9 workers: %v", err)
	}
}
