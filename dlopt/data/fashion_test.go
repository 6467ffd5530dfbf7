package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadFashionMNIST(t *testing.T) {
	if _, err := os.Stat(filepath.Join(Dir(), "t10k-labels-idx1-ubyte.gz")); err != nil {
		t.Skipf("Fashion-MNIST not installed in %s (apt-get install dataset-fashion-mnist): %v", Dir(), err)
	}
	for _, split := range []Split{Train, Test} {
		ds, err := LoadFashionMNIST(split)
		if err != nil {
			t.Fatal(err)
		}
		if ds.N != split.Size() || ds.Height != 28 || ds.Width != 28 || ds.NumClasses() != 10 {
			t.Fatalf("%s: N=%d %dx%d, %d classes", split, ds.N, ds.Height, ds.Width, ds.NumClasses())
		}
		// Fashion-MNIST is balanced: every class has a tenth of each split.
		counts := make([]int, 10)
		for _, l := range ds.Labels {
			counts[l]++
		}
		for c, n := range counts {
			if n != split.Size()/10 {
				t.Errorf("%s: class %d (%s) has %d images, want %d", split, c, ds.ClassNames[c], n, split.Size()/10)
			}
		}
		// Not all-zero and not all-255: the pixels were really decoded.
		var sum int
		for _, p := range ds.Pixels {
			sum += int(p)
		}
		if mean := float64(sum) / float64(len(ds.Pixels)); mean < 20 || mean > 235 {
			t.Errorf("%s: mean pixel %g is implausible", split, mean)
		}
	}
}

func TestLoadFashionMNISTErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadFashionMNISTFrom(dir, Test)
	if err == nil {
		t.Fatal("empty directory accepted")
	}
	for _, want := range []string{dir, "apt-get install dataset-fashion-mnist", DataEnv} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing-file error %q does not mention %q", err, want)
		}
	}
	t.Setenv(DataEnv, dir)
	if Dir() != dir {
		t.Fatalf("Dir() = %q with %s=%q", Dir(), DataEnv, dir)
	}
	if _, err := LoadFashionMNISTFrom(dir, "validation"); err == nil || !strings.Contains(err.Error(), "validation") {
		t.Errorf("unknown split: error %v", err)
	}

	writeGz := func(name string, raw []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), gzipBytes(t, raw), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	images := encodeIDX(0x08, []uint32{10000, 28, 28}, make([]byte, 10000*28*28))
	labels := encodeIDX(0x08, []uint32{10000}, make([]byte, 10000))
	cases := []struct {
		name           string
		images, labels []byte
	}{
		{"wrong image size", encodeIDX(0x08, []uint32{10000, 28, 27}, make([]byte, 10000*28*27)), labels},
		{"too few images", encodeIDX(0x08, []uint32{9999, 28, 28}, make([]byte, 9999*28*28)), labels},
		{"labels count mismatch", images, encodeIDX(0x08, []uint32{9999}, make([]byte, 9999))},
		{"label out of range", images, encodeIDX(0x08, []uint32{10000}, append(make([]byte, 9999), 10))},
		{"truncated images", images[:len(images)-100], labels},
	}
	for _, tc := range cases {
		writeGz("t10k-images-idx3-ubyte.gz", tc.images)
		writeGz("t10k-labels-idx1-ubyte.gz", tc.labels)
		if _, err := LoadFashionMNIST(Test); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	writeGz("t10k-images-idx3-ubyte.gz", images)
	writeGz("t10k-labels-idx1-ubyte.gz", labels)
	if _, err := LoadFashionMNIST(Test); err != nil {
		t.Fatalf("well-formed files rejected: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), labels, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFashionMNIST(Test); err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("uncompressed labels file: error %v, want one about gzip", err)
	}
}
