package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DataEnv names the environment variable that overrides [DefaultDir].
const DataEnv = "DLOPT_DATA"

// DefaultDir is where the Debian package dataset-fashion-mnist installs the IDX files.
const DefaultDir = "/usr/share/datasets/fashion-mnist"

// Fashion-MNIST's geometry.
const (
	FashionHeight  = 28
	FashionWidth   = 28
	FashionClasses = 10
)

// FashionClassNames are the ten Fashion-MNIST classes, indexed by label.
var FashionClassNames = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// Split selects the Fashion-MNIST training or test set.
type Split string

// The two splits, named after the files' prefixes.
const (
	Train Split = "train" // 60000 images
	Test  Split = "t10k"  // 10000 images
)

// Size is the number of images in the split (0 for an unknown split).
func (s Split) Size() int {
	switch s {
	case Train:
		return 60000
	case Test:
		return 10000
	}
	return 0
}

// Dir returns the directory Fashion-MNIST is read from: $DLOPT_DATA if set, else [DefaultDir].
func Dir() string {
	if d := strings.TrimSpace(os.Getenv(DataEnv)); d != "" {
		return d
	}
	return DefaultDir
}

// LoadFashionMNIST reads a split of Fashion-MNIST from [Dir].
func LoadFashionMNIST(split Split) (*Dataset, error) {
	return LoadFashionMNISTFrom(Dir(), split)
}

// LoadFashionMNISTFrom reads split from the files <dir>/<split>-images-idx3-ubyte.gz and
// <dir>/<split>-labels-idx1-ubyte.gz. It checks the magic numbers, the dimensions
// (N x 28 x 28 images, N labels), N against the split's size, and every label against the
// ten classes. A missing file is an error that says how to install the data.
func LoadFashionMNISTFrom(dir string, split Split) (*Dataset, error) {
	n := split.Size()
	if n == 0 {
		return nil, fmt.Errorf("fashion-mnist: unknown split %q: allowed are %q and %q", split, Train, Test)
	}
	imagesPath := filepath.Join(dir, string(split)+"-images-idx3-ubyte.gz")
	labelsPath := filepath.Join(dir, string(split)+"-labels-idx1-ubyte.gz")
	images, err := readIDXFile(imagesPath, n*FashionHeight*FashionWidth)
	if err != nil {
		return nil, err
	}
	if want := []int{n, FashionHeight, FashionWidth}; !slices.Equal(images.Dims, want) {
		return nil, fmt.Errorf("fashion-mnist: %s has dimensions %v, want %v", imagesPath, images.Dims, want)
	}
	labels, err := readIDXFile(labelsPath, n)
	if err != nil {
		return nil, err
	}
	if want := []int{n}; !slices.Equal(labels.Dims, want) {
		return nil, fmt.Errorf("fashion-mnist: %s has dimensions %v, want %v (one label per image)", labelsPath, labels.Dims, want)
	}
	ds := &Dataset{
		Name: "fashion-mnist-" + string(split), N: n, Height: FashionHeight, Width: FashionWidth,
		Pixels: images.Data, Labels: labels.Data, ClassNames: FashionClassNames,
	}
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("fashion-mnist: %s: %w", labelsPath, err)
	}
	return ds, nil
}

func readIDXFile(path string, maxElements int) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("fashion-mnist: %s not found in directory %s: install the Debian package "+
				"(apt-get install dataset-fashion-mnist) or set %s to a directory holding the four IDX .gz files: %w",
				filepath.Base(path), filepath.Dir(path), DataEnv, err)
		}
		return nil, fmt.Errorf("fashion-mnist: %w", err)
	}
	defer f.Close()
	idx, err := ReadIDXGzip(f, maxElements)
	if err != nil {
		return nil, fmt.Errorf("fashion-mnist: %s: %w", path, err)
	}
	return idx, nil
}
