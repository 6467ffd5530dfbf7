package data_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/data"
)

// Batches of a small synthetic dataset, shuffled with a seed, with the last partial batch kept.
func ExampleLoader_Batches() {
	ds, err := data.Synthetic(data.SyntheticConfig{N: 10, Height: 28, Width: 28, Classes: 10, Seed: 1})
	if err != nil {
		panic(err)
	}
	loader, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 42})
	if err != nil {
		panic(err)
	}
	for batch := range loader.Batches(0) {
		fmt.Println(batch.Images.Shape(), batch.Labels.Shape())
	}
	// Output:
	// (Float32)[4, 28, 28] (Int32)[4, 1]
	// (Float32)[4, 28, 28] (Int32)[4, 1]
	// (Float32)[2, 28, 28] (Int32)[2, 1]
}

// Fashion-MNIST from the Debian package dataset-fashion-mnist, standardised with the training
// set's mean and standard deviation.
func ExampleLoadFashionMNIST() {
	train, err := data.LoadFashionMNIST(data.Train)
	if err != nil {
		panic(err)
	}
	norm := data.Standardization(train)
	fmt.Printf("%d images of %dx%d, classes %q ... %q\n", train.N, train.Height, train.Width,
		train.ClassNames[0], train.ClassNames[9])
	fmt.Printf("pixel mean %.4f, std %.4f\n", norm.Mean, norm.Std)
	// Output:
	// 60000 images of 28x28, classes "T-shirt/top" ... "Ankle boot"
	// pixel mean 0.2860, std 0.3530
}
