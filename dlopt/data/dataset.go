package data

import (
	"fmt"
	"math"
)

// Dataset is a labelled image dataset held in memory as raw bytes: Pixels holds N images of
// Height x Width unsigned bytes, row-major, and Labels one class index per image.
//
// Bytes, not floats: the Fashion-MNIST training set is 47 MB this way and 188 MB as float32,
// so conversion happens one batch at a time (see [Loader]).
type Dataset struct {
	Name          string
	N             int
	Height, Width int
	Pixels        []uint8
	Labels        []uint8
	ClassNames    []string // one per class; len(ClassNames) is the number of classes
}

// NumClasses is the number of classes, len(ClassNames).
func (ds *Dataset) NumClasses() int { return len(ds.ClassNames) }

// Features is the number of pixels per image, Height*Width.
func (ds *Dataset) Features() int { return ds.Height * ds.Width }

// Image returns the pixels of image i (a sub-slice of ds.Pixels, not a copy).
func (ds *Dataset) Image(i int) []uint8 {
	f := ds.Features()
	return ds.Pixels[i*f : (i+1)*f]
}

// Validate checks that the fields agree with each other: positive sizes, Pixels of length
// N*Height*Width, N labels, each below the number of classes.
func (ds *Dataset) Validate() error {
	if ds.N <= 0 || ds.Height <= 0 || ds.Width <= 0 {
		return fmt.Errorf("dataset %q: N=%d, Height=%d, Width=%d must all be positive", ds.Name, ds.N, ds.Height, ds.Width)
	}
	if len(ds.ClassNames) < 2 {
		return fmt.Errorf("dataset %q: %d class names, need at least 2", ds.Name, len(ds.ClassNames))
	}
	if want := ds.N * ds.Features(); len(ds.Pixels) != want {
		return fmt.Errorf("dataset %q: %d pixel bytes, want N*Height*Width = %d*%d*%d = %d", ds.Name, len(ds.Pixels),
			ds.N, ds.Height, ds.Width, want)
	}
	if len(ds.Labels) != ds.N {
		return fmt.Errorf("dataset %q: %d labels for N=%d images", ds.Name, len(ds.Labels), ds.N)
	}
	for i, l := range ds.Labels {
		if int(l) >= ds.NumClasses() {
			return fmt.Errorf("dataset %q: label %d of image %d is out of range [0, %d)", ds.Name, l, i, ds.NumClasses())
		}
	}
	return nil
}

// Normalization maps a raw pixel p in 0..255 to (p/255 - Mean) / Std.
// The zero value is invalid; use [UnitRange] for plain scaling to [0, 1].
type Normalization struct {
	Mean, Std float64
}

// UnitRange scales pixels to [0, 1] and nothing else.
var UnitRange = Normalization{Mean: 0, Std: 1}

// Validate reports a non-finite mean or a standard deviation that is not positive and finite.
func (n Normalization) Validate() error {
	if math.IsNaN(n.Mean) || math.IsInf(n.Mean, 0) || !(n.Std > 0) || math.IsInf(n.Std, 0) {
		return fmt.Errorf("normalization {Mean: %g, Std: %g}: the mean must be finite and the std positive and finite", n.Mean, n.Std)
	}
	return nil
}

// Apply returns the normalised value of one raw pixel.
func (n Normalization) Apply(p uint8) float64 {
	return (float64(p)/255 - n.Mean) / n.Std
}

// Standardization returns the Normalization that gives the pixels of ds (scaled to [0, 1])
// mean 0 and standard deviation 1 over all images and positions: compute it on the training
// set and use it for both training and test data. The standard deviation is the population one
// (divided by the number of pixels), computed in float64 from a byte histogram, so it is exact
// up to rounding.
func Standardization(ds *Dataset) Normalization {
	var hist [256]int64
	for _, p := range ds.Pixels {
		hist[p]++
	}
	count := float64(len(ds.Pixels))
	var mean float64
	for v, c := range hist {
		mean += float64(c) * (float64(v) / 255)
	}
	mean /= count
	var variance float64
	for v, c := range hist {
		d := float64(v)/255 - mean
		variance += float64(c) * d * d
	}
	variance /= count
	std := math.Sqrt(variance)
	if std == 0 {
		std = 1 // a constant image set: centre it and leave the scale alone
	}
	return Normalization{Mean: mean, Std: std}
}

// Float64s returns the normalised pixels of the images at indices, row-major [len(indices),
// Height*Width], for plain-Go code such as notebooks. An index out of range panics.
func (ds *Dataset) Float64s(indices []int, norm Normalization) []float64 {
	f := ds.Features()
	out := make([]float64, len(indices)*f)
	for row, i := range indices {
		for j, p := range ds.Image(i) {
			out[row*f+j] = norm.Apply(p)
		}
	}
	return out
}

// Float64Rows is [Dataset.Float64s] cut into one row of Height*Width values per image, the
// form plain-Go models such as models.TwoLayerF64 take.
func (ds *Dataset) Float64Rows(indices []int, norm Normalization) [][]float64 {
	flat, f := ds.Float64s(indices, norm), ds.Features()
	rows := make([][]float64, len(indices))
	for r := range rows {
		rows[r] = flat[r*f : (r+1)*f : (r+1)*f]
	}
	return rows
}

// OneHot returns the labels of the images at indices as one-hot rows of NumClasses values.
func (ds *Dataset) OneHot(indices []int) [][]float64 {
	rows := make([][]float64, len(indices))
	for r, i := range indices {
		rows[r] = make([]float64, ds.NumClasses())
		rows[r][ds.Labels[i]] = 1
	}
	return rows
}

// Subset returns a dataset holding the images at indices, in that order (copied).
// An index out of range is an error.
func (ds *Dataset) Subset(name string, indices []int) (*Dataset, error) {
	if len(indices) == 0 {
		return nil, fmt.Errorf("dataset %q: subset %q needs at least one index", ds.Name, name)
	}
	f := ds.Features()
	sub := &Dataset{Name: name, N: len(indices), Height: ds.Height, Width: ds.Width,
		Pixels: make([]uint8, 0, len(indices)*f), Labels: make([]uint8, 0, len(indices)), ClassNames: ds.ClassNames}
	for _, i := range indices {
		if i < 0 || i >= ds.N {
			return nil, fmt.Errorf("dataset %q: subset index %d out of range [0, %d)", ds.Name, i, ds.N)
		}
		sub.Pixels = append(sub.Pixels, ds.Image(i)...)
		sub.Labels = append(sub.Labels, ds.Labels[i])
	}
	return sub, nil
}
