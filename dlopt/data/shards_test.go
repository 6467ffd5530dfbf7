package data_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/data"
)

// shardKeys identifies examples by their bytes (the synthetic images are distinct), so that a
// test can tell whether two shards share an example.
func shardKeys(t *testing.T, shards []*data.Dataset) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for _, s := range shards {
		for i := range s.N {
			key := string(s.Image(i))
			if _, dup := seen[key]; dup {
				t.Fatalf("example %d of shard %q is in another shard too", i, s.Name)
			}
			seen[key] = int(s.Labels[i])
		}
	}
	return seen
}

func TestShards(t *testing.T) {
	ds, err := data.Synthetic(data.SyntheticConfig{N: 203, Height: 4, Width: 4, Classes: 10, Noise: 0.5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	classes := func(s *data.Dataset) int {
		set := map[uint8]bool{}
		for _, l := range s.Labels {
			set[l] = true
		}
		return len(set)
	}
	for _, tc := range []struct {
		name       string
		shard      func(seed uint64) ([]*data.Dataset, error)
		size       int
		maxClasses int
	}{
		{"iid", func(seed uint64) ([]*data.Dataset, error) { return data.ShardIID(ds, 4, seed) }, 50, 10},
		// 20 examples per class: chunks of 20 and 12 straddle at most two classes.
		{"label-skew-k1", func(seed uint64) ([]*data.Dataset, error) { return data.ShardByLabel(ds, 10, 1, seed) }, 20, 2},
		{"label-skew-k2", func(seed uint64) ([]*data.Dataset, error) { return data.ShardByLabel(ds, 8, 2, seed) }, 24, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shards, err := tc.shard(7)
			if err != nil {
				t.Fatal(err)
			}
			shardKeys(t, shards)
			for _, s := range shards {
				if s.N != tc.size {
					t.Errorf("shard %q has %d examples, want %d", s.Name, s.N, tc.size)
				}
				if c := classes(s); c > tc.maxClasses {
					t.Errorf("shard %q has %d classes, want at most %d", s.Name, c, tc.maxClasses)
				}
			}
			again, _ := tc.shard(7)
			other, _ := tc.shard(8)
			if !slices.Equal(again[0].Pixels, shards[0].Pixels) {
				t.Error("the same seed gave another shard 0")
			}
			if slices.Equal(other[0].Pixels, shards[0].Pixels) {
				t.Error("another seed gave the same shard 0")
			}
		})
	}
	t.Run("iid-shards-have-many-classes", func(t *testing.T) {
		shards, _ := data.ShardIID(ds, 4, 1)
		for _, s := range shards {
			if c := classes(s); c < 8 {
				t.Errorf("iid shard %q has only %d classes", s.Name, c)
			}
		}
	})
}

func TestShardErrors(t *testing.T) {
	ds, err := data.Synthetic(data.SyntheticConfig{N: 20, Height: 2, Width: 2, Classes: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"iid-zero-workers", func() error { _, err := data.ShardIID(ds, 0, 1); return err }()},
		{"iid-more-workers-than-examples", func() error { _, err := data.ShardIID(ds, 21, 1); return err }()},
		{"iid-nil-dataset", func() error { _, err := data.ShardIID(nil, 2, 1); return err }()},
		{"label-skew-zero-classes", func() error { _, err := data.ShardByLabel(ds, 2, 0, 1); return err }()},
		{"label-skew-too-many-classes", func() error { _, err := data.ShardByLabel(ds, 2, 5, 1); return err }()},
		{"label-skew-too-few-examples", func() error { _, err := data.ShardByLabel(ds, 8, 3, 1); return err }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, data.ErrSharding) {
				t.Errorf("got %v, want an error wrapping ErrSharding", tc.err)
			}
		})
	}
}

// TestShardDirichlet: equal disjoint shards; a small alpha concentrates each worker on few
// classes, a large one spreads it over all; the same seed gives the same shards.
func TestShardDirichlet(t *testing.T) {
	ds, err := data.Synthetic(data.SyntheticConfig{N: 1003, Height: 4, Width: 4, Classes: 10, Noise: 1, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	// The largest class share of a shard, averaged over the shards.
	topShare := func(shards []*data.Dataset) float64 {
		total := 0.0
		for _, s := range shards {
			counts := map[uint8]int{}
			top := 0
			for _, l := range s.Labels {
				counts[l]++
				top = max(top, counts[l])
			}
			total += float64(top) / float64(s.N)
		}
		return total / float64(len(shards))
	}
	for _, tc := range []struct {
		alpha              float64
		minShare, maxShare float64
	}{
		{0.05, 0.6, 1},
		{1000, 0, 0.3},
	} {
		shards, err := data.ShardDirichlet(ds, 8, tc.alpha, 11)
		if err != nil {
			t.Fatal(err)
		}
		shardKeys(t, shards)
		for _, s := range shards {
			if s.N != 1003/8 {
				t.Errorf("alpha %g: shard %q has %d examples, want %d", tc.alpha, s.Name, s.N, 1003/8)
			}
		}
		if share := topShare(shards); share < tc.minShare || share > tc.maxShare {
			t.Errorf("alpha %g: mean largest class share %.2f, want in [%g, %g]", tc.alpha, share, tc.minShare, tc.maxShare)
		}
		again, _ := data.ShardDirichlet(ds, 8, tc.alpha, 11)
		if !slices.Equal(again[3].Labels, shards[3].Labels) {
			t.Errorf("alpha %g: the same seed gave another shard 3", tc.alpha)
		}
	}
	for _, alpha := range []float64{0, -1, math.Inf(1), math.NaN()} {
		if _, err := data.ShardDirichlet(ds, 4, alpha, 1); !errors.Is(err, data.ErrSharding) || !strings.Contains(err.Error(), "alpha") {
			t.Errorf("alpha %g: %v, want an ErrSharding naming alpha", alpha, err)
		}
	}
	if _, err := data.ShardDirichlet(ds, 0, 1, 1); !errors.Is(err, data.ErrSharding) {
		t.Errorf("0 workers: %v", err)
	}
}
