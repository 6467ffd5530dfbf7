package data

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// ErrSharding is wrapped by every error of [ShardIID] and [ShardByLabel]; the message names the
// bad value and what is allowed.
var ErrSharding = errors.New("cannot shard dataset")

// ShardIID splits ds into n shards of floor(N/n) examples each, for n simulated workers that
// each see their own data: the examples are shuffled with seed and cut into n consecutive runs,
// so every shard is an iid sample of ds and no example is in two shards. The N mod n examples
// left over are used by no shard. Shard i is named "<ds.Name>/iid-<i>-of-<n>".
func ShardIID(ds *Dataset, n int, seed uint64) ([]*Dataset, error) {
	if err := checkShardCount(ds, n, 1); err != nil {
		return nil, err
	}
	order := shuffled(ds.N, seed)
	size := ds.N / n
	shards := make([]*Dataset, n)
	for i := range shards {
		var err error
		if shards[i], err = ds.Subset(fmt.Sprintf("%s/iid-%d-of-%d", ds.Name, i, n), order[i*size:(i+1)*size]); err != nil {
			return nil, err
		}
	}
	return shards, nil
}

// ShardByLabel splits ds into n label-skewed shards, each holding examples of few classes: the
// "pathological non-iid" split of McMahan et al. (2017, Communication-efficient learning of deep
// networks from decentralized data). The examples, sorted by label (in a seeded random order
// within a label), are cut into n*k chunks of floor(N/(n k)) consecutive examples, and each
// worker gets k chunks drawn at random with seed. A worker thus sees about k classes: when a chunk
// is no larger than the smallest class (Fashion-MNIST's 6000 per class: n k >= 10), each chunk
// holds one class or straddles two, so a worker sees at most 2k classes. All shards have the same size k floor(N/(n k));
// no example is in two shards, the N mod (n k) left over are in none. Shard i is named
// "<ds.Name>/label-skew-<i>-of-<n>".
func ShardByLabel(ds *Dataset, n, k int, seed uint64) ([]*Dataset, error) {
	if err := checkShardCount(ds, n, 1); err != nil {
		return nil, err
	}
	if k < 1 || k > ds.NumClasses() {
		return nil, fmt.Errorf("%w %q: %d classes per worker is invalid: allowed are 1..%d (the dataset's classes)",
			ErrSharding, ds.Name, k, ds.NumClasses())
	}
	if n*k > ds.N {
		return nil, fmt.Errorf("%w %q: %d workers x %d classes per worker need at least %d examples, it has %d",
			ErrSharding, ds.Name, n, k, n*k, ds.N)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5a4d))
	order := shuffled(ds.N, seed)
	slices.SortStableFunc(order, func(a, b int) int { return int(ds.Labels[a]) - int(ds.Labels[b]) })
	chunk := ds.N / (n * k)
	chunks := rng.Perm(n * k) // worker i gets chunks[i*k : (i+1)*k]
	shards := make([]*Dataset, n)
	for i := range shards {
		indices := make([]int, 0, k*chunk)
		for _, c := range chunks[i*k : (i+1)*k] {
			indices = append(indices, order[c*chunk:(c+1)*chunk]...)
		}
		var err error
		if shards[i], err = ds.Subset(fmt.Sprintf("%s/label-skew-%d-of-%d", ds.Name, i, n), indices); err != nil {
			return nil, err
		}
	}
	return shards, nil
}

// checkShardCount reports a worker count below min or above the examples of ds.
func checkShardCount(ds *Dataset, n, min int) error {
	if ds == nil {
		return fmt.Errorf("%w: the dataset is nil", ErrSharding)
	}
	if n < min || n > ds.N {
		return fmt.Errorf("%w %q: %d workers is invalid: allowed are %d..%d (one example per worker at least)",
			ErrSharding, ds.Name, n, min, ds.N)
	}
	return nil
}

// shuffled returns 0..n-1 in an order drawn from seed.
func shuffled(n int, seed uint64) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	return order
}
