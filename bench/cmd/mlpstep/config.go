package main

import (
	"fmt"
	"strconv"
	"strings"
)

// size is one benchmark shape: the MLP 784-Hidden-Hidden-10 trained on batches of Batch.
type size struct {
	Batch, Hidden int
}

// config is the validated command line.
type config struct {
	sizes  []size
	steps  []int // timed steps per repetition, one per size
	reps   int
	warmup int
}

// maxDim bounds batch and hidden so that a typo (4096000) is an error, not an out-of-memory crash.
const maxDim = 1 << 16

// parseSizes reads "128x256,4096x2048" (batch x hidden).
func parseSizes(s string) ([]size, error) {
	var sizes []size
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		b, h, ok := strings.Cut(item, "x")
		batch, errB := strconv.Atoi(b)
		hidden, errH := strconv.Atoi(h)
		if !ok || errB != nil || errH != nil || batch < 1 || hidden < 1 || batch > maxDim || hidden > maxDim {
			return nil, fmt.Errorf("-sizes: bad size %q in %q: want BATCHxHIDDEN with both integers in 1..%d, e.g. 128x256", item, s, maxDim)
		}
		sizes = append(sizes, size{batch, hidden})
	}
	return sizes, nil
}

// parseSteps reads one step count for all sizes ("200") or one per size ("1000,500,200").
func parseSteps(s string, numSizes int) ([]int, error) {
	var steps []int
	for _, item := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(item))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-steps: bad step count %q in %q: want a positive integer", item, s)
		}
		steps = append(steps, n)
	}
	switch len(steps) {
	case numSizes:
		return steps, nil
	case 1:
		out := make([]int, numSizes)
		for i := range out {
			out[i] = steps[0]
		}
		return out, nil
	}
	return nil, fmt.Errorf("-steps %q: got %d counts for %d sizes; give one count, or one per size", s, len(steps), numSizes)
}

// newConfig validates the raw flag values.
func newConfig(sizes, steps string, reps, warmup int) (config, error) {
	var cfg config
	var err error
	if cfg.sizes, err = parseSizes(sizes); err != nil {
		return cfg, err
	}
	if cfg.steps, err = parseSteps(steps, len(cfg.sizes)); err != nil {
		return cfg, err
	}
	if reps < 1 {
		return cfg, fmt.Errorf("-reps %d: want at least 1", reps)
	}
	// The first warm-up step builds and compiles the graph; timing it would measure the compiler.
	if warmup < 1 {
		return cfg, fmt.Errorf("-warmup %d: want at least 1 (the first step compiles the graph)", warmup)
	}
	cfg.reps, cfg.warmup = reps, warmup
	return cfg, nil
}
