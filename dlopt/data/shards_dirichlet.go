package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// ShardDirichlet splits ds into n label-skewed shards of floor(N/n) examples each, with the
// class proportions of each worker drawn from a symmetric Dirichlet(alpha) (as Hsu et al. 2019,
// "Measuring the effects of non-identical data distribution", but with equal shard sizes, which
// the simulated workers' batched graph needs): worker i draws q_i ~ Dir(alpha, ..., alpha) over
// the classes, asks for round(q_i[c] floor(N/n)) examples of class c (largest remainders
// rounding to the shard size), and takes them without replacement from that class's shuffled
// pool; where a pool runs dry the shortfall is taken from the classes with examples left, in
// the order of q_i. Small alpha (0.1) gives one or two classes per worker, large alpha (100)
// nearly iid shards. Every example is in at most one shard; the workers draw in order 0..n-1,
// all from seed. Shard i is named "<ds.Name>/dirichlet-<i>-of-<n>".
func ShardDirichlet(ds *Dataset, n int, alpha float64, seed uint64) ([]*Dataset, error) {
	if err := checkShardCount(ds, n, 1); err != nil {
		return nil, err
	}
	if !(alpha > 0) || math.IsInf(alpha, 0) {
		return nil, fmt.Errorf("%w %q: Dirichlet alpha %g is invalid: it must be finite and > 0 (0.1: very skewed, 100: nearly iid)",
			ErrSharding, ds.Name, alpha)
	}
	classes := ds.NumClasses()
	pools := make([][]int, classes)
	for _, i := range shuffled(ds.N, seed) {
		pools[ds.Labels[i]] = append(pools[ds.Labels[i]], i)
	}
	// Dir(alpha) = independent Gamma(alpha, 1) draws, normalised.
	gamma := distuv.Gamma{Alpha: alpha, Beta: 1, Src: rand.NewPCG(seed, 0xd1c)}
	dirichlet := func() []float64 {
		q, sum := make([]float64, classes), 0.0
		for c := range q {
			q[c] = gamma.Rand()
			sum += q[c]
		}
		for c := range q {
			if sum > 0 {
				q[c] /= sum
			} else { // every draw underflowed (alpha far below 0.01): no preference
				q[c] = 1 / float64(classes)
			}
		}
		return q
	}
	size := ds.N / n
	shards := make([]*Dataset, n)
	for i := range shards {
		q := dirichlet()
		want := roundToTotal(q, size)
		order := make([]int, classes) // classes by decreasing q, for the shortfall
		for c := range order {
			order[c] = c
		}
		sort.SliceStable(order, func(a, b int) bool { return q[order[a]] > q[order[b]] })
		indices := make([]int, 0, size)
		for c, k := range want {
			k = min(k, len(pools[c]))
			indices, pools[c] = append(indices, pools[c][:k]...), pools[c][k:]
		}
		for _, c := range order { // n floor(N/n) <= N: the pools always hold enough
			k := min(size-len(indices), len(pools[c]))
			indices, pools[c] = append(indices, pools[c][:k]...), pools[c][k:]
		}
		var err error
		if shards[i], err = ds.Subset(fmt.Sprintf("%s/dirichlet-%d-of-%d", ds.Name, i, n), indices); err != nil {
			return nil, err
		}
	}
	return shards, nil
}

// roundToTotal returns integers close to q[c] total that sum to total (largest remainders).
func roundToTotal(q []float64, total int) []int {
	out := make([]int, len(q))
	rest := total
	remainders := make([]int, len(q))
	for c, p := range q {
		out[c] = int(math.Floor(p * float64(total)))
		rest -= out[c]
		remainders[c] = c
	}
	sort.SliceStable(remainders, func(a, b int) bool {
		ra, rb := q[remainders[a]]*float64(total), q[remainders[b]]*float64(total)
		return ra-math.Floor(ra) > rb-math.Floor(rb)
	})
	for j := 0; rest > 0; j++ {
		out[remainders[j%len(q)]]++
		rest--
	}
	return out
}
