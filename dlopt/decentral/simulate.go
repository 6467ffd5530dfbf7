package decentral

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Sampler gives the minibatch (row indices) worker i uses in round t; nil means its full gradient.
type Sampler func(round, worker int) []int

// UniformSampler draws batch rows uniformly with replacement from each worker's shard. The rows of
// (round, worker) depend only on seed, round and worker, so runs of different algorithms or
// topologies over the same shards see the same samples.
func UniformSampler(obj Objective, batch int, seed uint64) Sampler {
	return func(round, worker int) []int {
		rng := rand.New(rand.NewPCG(seed, uint64(round)<<24^uint64(worker)))
		rows := make([]int, batch)
		for k := range rows {
			rows[k] = rng.IntN(obj.Rows(worker))
		}
		return rows
	}
}

// SimConfig is one host simulation of a decentralized algorithm.
type SimConfig struct {
	Topology  Topology
	Algorithm string  // one of Algorithms
	Step      float64 // constant step size a > 0
	Rounds    int     // >= 0
	// Sampler picks each worker's minibatch; nil runs full gradients (deterministic).
	Sampler Sampler
	// Start is every worker's initial model (length Dim); nil starts at zero.
	Start []float64
	// Starts, when not nil, gives each worker its own initial model (n rows of length Dim), as
	// independent initialisations would; it excludes Start.
	Starts [][]float64
}

// Trace records a run, index k after k rounds (0 is the start).
type Trace struct {
	Loss     []float64 // f(xbar_k), the global loss at the workers' average
	MeanLoss []float64 // (1/n) sum_i f(x_i,k), the global loss of each worker's own model, averaged
	Distance []float64 // ||xbar_k - x*||
	// WorkerDistance is sqrt((1/n) sum_i ||x_i,k - x*||^2) = ||X_k - 1 x*^T||_F / sqrt(n).
	WorkerDistance []float64
	Consensus      []float64 // ||X_k - 1 xbar_k^T||_F
	// Bytes is the cumulative traffic per worker (mean over workers), 8 bytes per float64 parameter.
	Bytes []float64
	Final [][]float64 // X after the last round, one row per worker
}

// MessagesPerRound is how many model-sized vectors an algorithm gossips per round: gradient
// tracking sends x and y, the others one vector.
func MessagesPerRound(algorithm string) int {
	if algorithm == GradientTracking {
		return 2
	}
	return 1
}

// Simulate runs cfg on obj in float64 on the host and returns its trace. Every worker starts
// from the same model. Errors name the bad field.
func Simulate(obj Objective, cfg SimConfig) (*Trace, error) {
	if err := checkSim(obj, cfg); err != nil {
		return nil, err
	}
	n, d, a := obj.Workers(), obj.Dim(), cfg.Step
	x := make([][]float64, n)
	for i := range x {
		x[i] = make([]float64, d)
		if cfg.Start != nil {
			copy(x[i], cfg.Start)
		}
		if cfg.Starts != nil {
			copy(x[i], cfg.Starts[i])
		}
	}
	grads := func(round int, at [][]float64) [][]float64 {
		g := make([][]float64, n)
		for i := range g {
			g[i] = make([]float64, d)
			var batch []int
			if cfg.Sampler != nil {
				batch = cfg.Sampler(round, i)
			}
			obj.Grad(i, at[i], batch, g[i])
		}
		return g
	}
	tr := &Trace{}
	tr.record(obj, x, 0)
	sendUnits := 0.0
	var psi, y, g [][]float64 // exact diffusion's psi_k; gradient tracking's y_k and g_k
	for k := range cfg.Rounds {
		w := cfg.Topology.Mixing(k)
		switch cfg.Algorithm {
		case DSGD: // x <- W (x - a g(x))
			x = matMul(w, axpy(x, -a, grads(k, x)))
		case DSGDCombineFirst: // x <- W x - a g(x)
			x = axpy(matMul(w, x), -a, grads(k, x))
		case ExactDiffusion: // psi' = x - a g(x); x <- Wbar (psi' + x - psi)
			if psi == nil {
				psi = x
			}
			next := axpy(x, -a, grads(k, x))
			phi := axpy(axpy(next, 1, x), -1, psi)
			x, psi = axpy(scale(matMul(w, phi), 0.5), 0.5, phi), next
		case GradientTracking: // x' = W x - a y; y <- W y + g(x') - g(x)
			if y == nil {
				g = grads(k, x)
				y = g
			}
			x = axpy(matMul(w, x), -a, y)
			gNext := grads(k+1, x)
			y = axpy(axpy(matMul(w, y), 1, gNext), -1, g)
			g = gNext
		}
		sendUnits += CommunicationPerRound(cfg.Topology, k).MeanSends * float64(MessagesPerRound(cfg.Algorithm))
		tr.record(obj, x, sendUnits*float64(d)*8)
	}
	tr.Final = x
	return tr, nil
}

func checkSim(obj Objective, cfg SimConfig) error {
	if _, err := ParseAlgorithm(cfg.Algorithm); err != nil {
		return err
	}
	switch {
	case obj == nil:
		return kindErrorf(ErrInvalidValue, "simulate: objective is nil")
	case cfg.Topology == nil:
		return kindErrorf(ErrInvalidValue, "simulate: Topology is nil; make one with New(name, n), names %v", Names)
	case cfg.Topology.Workers() != obj.Workers():
		return kindErrorf(ErrInvalidValue, "simulate: topology %s has %d workers but the objective has %d shards", cfg.Topology.Name(), cfg.Topology.Workers(), obj.Workers())
	case !(cfg.Step > 0) || math.IsInf(cfg.Step, 0):
		return kindErrorf(ErrInvalidValue, "simulate: Step must be finite and > 0, got %v", cfg.Step)
	case cfg.Rounds < 0:
		return kindErrorf(ErrInvalidValue, "simulate: Rounds must be >= 0, got %d", cfg.Rounds)
	case cfg.Start != nil && len(cfg.Start) != obj.Dim():
		return kindErrorf(ErrInvalidValue, "simulate: Start has %d entries, the objective's dimension is %d", len(cfg.Start), obj.Dim())
	case cfg.Start != nil && cfg.Starts != nil:
		return kindErrorf(ErrInvalidValue, "simulate: give Start (one model for all) or Starts (one per worker), not both")
	case cfg.Starts != nil && len(cfg.Starts) != obj.Workers():
		return kindErrorf(ErrInvalidValue, "simulate: Starts has %d rows, want one per worker (%d)", len(cfg.Starts), obj.Workers())
	}
	for i, s := range cfg.Starts {
		if len(s) != obj.Dim() {
			return kindErrorf(ErrInvalidValue, "simulate: Starts[%d] has %d entries, the objective's dimension is %d", i, len(s), obj.Dim())
		}
	}
	return nil
}

func (tr *Trace) record(obj Objective, x [][]float64, bytes float64) {
	n, d := len(x), len(x[0])
	opt := obj.Optimum()
	mean := make([]float64, d)
	for _, xi := range x {
		for k, v := range xi {
			mean[k] += v / float64(n)
		}
	}
	meanLoss, workerSq, consSq := 0.0, 0.0, 0.0
	for _, xi := range x {
		meanLoss += obj.Loss(xi) / float64(n)
		for k, v := range xi {
			workerSq += (v - opt[k]) * (v - opt[k]) / float64(n)
			consSq += (v - mean[k]) * (v - mean[k])
		}
	}
	tr.Loss = append(tr.Loss, obj.Loss(mean))
	tr.MeanLoss = append(tr.MeanLoss, meanLoss)
	tr.Distance = append(tr.Distance, distance(mean, opt))
	tr.WorkerDistance = append(tr.WorkerDistance, math.Sqrt(workerSq))
	tr.Consensus = append(tr.Consensus, math.Sqrt(consSq))
	tr.Bytes = append(tr.Bytes, bytes)
}

func distance(a, b []float64) float64 {
	s := 0.0
	for k := range a {
		s += (a[k] - b[k]) * (a[k] - b[k])
	}
	return math.Sqrt(s)
}

// axpy returns x + s*y as a new matrix.
func axpy(x [][]float64, s float64, y [][]float64) [][]float64 {
	out := make([][]float64, len(x))
	for i := range x {
		out[i] = slices.Clone(x[i])
		for k, v := range y[i] {
			out[i][k] += s * v
		}
	}
	return out
}

// scale returns s*x as a new matrix.
func scale(x [][]float64, s float64) [][]float64 {
	out := make([][]float64, len(x))
	for i := range x {
		out[i] = make([]float64, len(x[i]))
		for k, v := range x[i] {
			out[i][k] = s * v
		}
	}
	return out
}
