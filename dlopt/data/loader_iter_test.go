package data

import (
	"slices"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
)

// iterImages runs l.Iter, stopping after stopAfter batches (all of them when stopAfter < 0), and
// returns the flat images and labels of the batches it gave.
func iterImages(t *testing.T, l *Loader, stopAfter int) (images [][]float32, labels [][]int32) {
	t.Helper()
	for b, err := range l.Iter() {
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Inputs) != 1 || len(b.Labels) != 1 || b.Spec != nil {
			t.Fatalf("batch %d: %d inputs, %d labels, spec %v: want 1, 1 and nil", len(images), len(b.Inputs), len(b.Labels), b.Spec)
		}
		images = append(images, tensors.MustCopyFlatData[float32](b.Inputs[0]))
		labels = append(labels, tensors.MustCopyFlatData[int32](b.Labels[0]))
		if len(images) == stopAfter {
			break
		}
	}
	return images, labels
}

// epochImages returns the flat images and labels of epoch e as Batches gives them.
func epochImages(l *Loader, e int) (images [][]float32, labels [][]int32) {
	for b := range l.Batches(e) {
		images = append(images, tensors.MustCopyFlatData[float32](b.Images))
		labels = append(labels, tensors.MustCopyFlatData[int32](b.Labels))
	}
	return images, labels
}

// TestLoaderIter: Iter (train.Dataset) yields the rest of the current epoch, exactly the batches
// Batches gives, then moves the loader on to the next epoch; a consumer that stops early (as
// train.Loop.RunSteps does) leaves the loader right after the last batch it took, and the next
// Iter goes on from there.
func TestLoaderIter(t *testing.T) {
	ds := mustSynthetic(t, 23)
	var _ train.Dataset = (*Loader)(nil)
	for _, cfg := range []LoaderConfig{
		{BatchSize: 5, Shuffle: true, Seed: 3},                 // 5 batches, the last one partial
		{BatchSize: 5, Shuffle: true, Seed: 3, DropLast: true}, // 4 batches
	} {
		l := mustLoader(t, ds, cfg)
		per := l.BatchesPerEpoch()
		want := make([][][]float32, 3)
		wantLabels := make([][][]int32, 3)
		for e := range want {
			want[e], wantLabels[e] = epochImages(l, e)
			if len(want[e]) != per {
				t.Fatalf("DropLast=%v: Batches(%d) gave %d batches, BatchesPerEpoch %d", cfg.DropLast, e, len(want[e]), per)
			}
		}

		// A whole epoch, then the loader is at the start of the next one.
		got, gotLabels := iterImages(t, l, -1)
		if !slices.EqualFunc(got, want[0], slices.Equal) || !slices.EqualFunc(gotLabels, wantLabels[0], slices.Equal) {
			t.Fatalf("DropLast=%v: Iter over epoch 0 gave %d batches differing from Batches(0)'s %d", cfg.DropLast, len(got), per)
		}
		if l.Epoch() != 1 {
			t.Fatalf("DropLast=%v: after Iter ran through epoch 0 the loader is at epoch %d, want 1", cfg.DropLast, l.Epoch())
		}

		// Stop after 2 batches of epoch 1: the loader stays in epoch 1, and the next Iter gives the
		// rest of it (nothing skipped, nothing repeated, the prefetched batch included).
		got, _ = iterImages(t, l, 2)
		if !slices.EqualFunc(got, want[1][:2], slices.Equal) {
			t.Fatalf("DropLast=%v: the first 2 batches of Iter over epoch 1 differ from Batches(1)'s", cfg.DropLast)
		}
		if l.Epoch() != 1 {
			t.Fatalf("DropLast=%v: stopping Iter after 2 batches of epoch 1 moved the loader to epoch %d", cfg.DropLast, l.Epoch())
		}
		got, _ = iterImages(t, l, -1)
		if !slices.EqualFunc(got, want[1][2:], slices.Equal) {
			t.Fatalf("DropLast=%v: Iter after an early stop gave %d batches, want the %d left in epoch 1", cfg.DropLast, len(got), per-2)
		}
		if l.Epoch() != 2 {
			t.Fatalf("DropLast=%v: after the rest of epoch 1 the loader is at epoch %d, want 2", cfg.DropLast, l.Epoch())
		}

		// Stopping right after an epoch's last batch, before Iter saw its end: the loader stays
		// in that epoch, and the next Iter gives no batch and moves on.
		got, _ = iterImages(t, l, per)
		if !slices.EqualFunc(got, want[2], slices.Equal) || l.Epoch() != 2 {
			t.Fatalf("DropLast=%v: Iter stopped after all %d batches of epoch 2: %d batches, loader at epoch %d", cfg.DropLast, per, len(got), l.Epoch())
		}
		if got, _ = iterImages(t, l, -1); len(got) != 0 || l.Epoch() != 3 {
			t.Fatalf("DropLast=%v: Iter at the end of epoch 2 gave %d batches and left the loader at epoch %d, want 0 and 3", cfg.DropLast, len(got), l.Epoch())
		}

		// Seek then Iter: the rest of the sought epoch.
		if err := l.Seek(1, 3); err != nil {
			t.Fatal(err)
		}
		if got, _ = iterImages(t, l, -1); !slices.EqualFunc(got, want[1][3:], slices.Equal) || l.Epoch() != 2 {
			t.Fatalf("DropLast=%v: Iter after Seek(1, 3) gave %d batches (loader then at epoch %d), want the %d left in epoch 1 (then epoch 2)",
				cfg.DropLast, len(got), l.Epoch(), per-3)
		}
	}
}

// TestLoaderIterRepeat: with Repeat, Iter runs across epochs without ending (as
// train.Loop.RunSteps needs); stopping it leaves the loader at the batch after the last taken.
func TestLoaderIterRepeat(t *testing.T) {
	ds := mustSynthetic(t, 23)
	l := mustLoader(t, ds, LoaderConfig{BatchSize: 6, Shuffle: true, Seed: 7, Repeat: true})
	per := l.BatchesPerEpoch()
	var want [][]float32
	for e := range 3 {
		w, _ := epochImages(l, e)
		want = append(want, w...)
	}
	n := 2*per + 1
	got, _ := iterImages(t, l, n)
	if !slices.EqualFunc(got, want[:n], slices.Equal) {
		t.Fatalf("Iter with Repeat: %d batches differ from Batches' epochs 0, 1 and 2", n)
	}
	if l.Epoch() != 2 {
		t.Fatalf("after %d batches (%d per epoch) the loader is at epoch %d, want 2", n, per, l.Epoch())
	}
	if got, _ = iterImages(t, l, 1); !slices.Equal(got[0], want[n]) {
		t.Fatal("a second Iter with Repeat does not go on from where the first stopped")
	}
}
