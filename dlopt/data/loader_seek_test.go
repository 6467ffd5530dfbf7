package data

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// drainImages returns the flat images of every batch Yield gives until io.EOF.
func drainImages(t *testing.T, l *Loader) [][]float32 {
	t.Helper()
	var batches [][]float32
	for {
		_, inputs, _, err := l.Yield()
		if errors.Is(err, io.EOF) {
			return batches
		}
		if err != nil {
			t.Fatal(err)
		}
		batches = append(batches, tensors.MustCopyFlatData[float32](inputs[0]))
	}
}

// TestLoaderSeek: a loader sought to (epoch, batch) yields exactly the rest of that epoch as a
// loader that got there by Reset and Yield, then the same next epoch.
func TestLoaderSeek(t *testing.T) {
	ds := mustSynthetic(t, 23)
	cfg := LoaderConfig{BatchSize: 5, Shuffle: true, Seed: 11}
	straight := mustLoader(t, ds, cfg)
	var epochs [][][]float32
	for range 3 {
		epochs = append(epochs, drainImages(t, straight))
		straight.Reset()
	}
	for _, pos := range [][2]int{{0, 0}, {1, 2}, {2, 4}, {1, 5}} {
		l := mustLoader(t, ds, cfg)
		drainImages(t, l) // a stale position and a prefetched batch that Seek must drop
		if err := l.Seek(pos[0], pos[1]); err != nil {
			t.Fatal(err)
		}
		if got, want := drainImages(t, l), epochs[pos[0]][pos[1]:]; !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("Seek(%d, %d): the rest of the epoch differs from the straight run's", pos[0], pos[1])
		}
		l.Reset()
		if pos[0]+1 < len(epochs) && !slices.EqualFunc(drainImages(t, l), epochs[pos[0]+1], slices.Equal) {
			t.Errorf("Seek(%d, %d) then Reset: epoch %d differs from the straight run's", pos[0], pos[1], pos[0]+1)
		}
	}
	l := mustLoader(t, ds, cfg)
	for _, pos := range [][2]int{{-1, 0}, {0, -1}, {0, 6}} {
		if err := l.Seek(pos[0], pos[1]); err == nil || !strings.Contains(err.Error(), "batch 0..5") {
			t.Errorf("Seek(%d, %d) = %v, want an error naming the allowed batches 0..5", pos[0], pos[1], err)
		}
	}
}
