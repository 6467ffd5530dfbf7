package data

import (
	"fmt"
	"math/rand/v2"
)

// SyntheticConfig describes a small random image dataset for tests that must not depend on
// the Fashion-MNIST files.
type SyntheticConfig struct {
	N             int     // number of images
	Height, Width int     // image size
	Classes       int     // number of classes, at least 2
	Noise         float64 // per-pixel noise amplitude in [0, 1], as a fraction of the 0..255 range
	Seed          uint64
}

// Synthetic builds a learnable in-memory dataset: each class has a random prototype image, and
// each image is its class's prototype plus uniform noise of amplitude Noise*255, clamped to
// 0..255. Labels cycle through the classes (image i has label i mod Classes), so every class
// is present once N >= Classes. The same config gives the same bytes.
func Synthetic(cfg SyntheticConfig) (*Dataset, error) {
	if cfg.N <= 0 || cfg.Height <= 0 || cfg.Width <= 0 {
		return nil, fmt.Errorf("synthetic dataset: N=%d, Height=%d, Width=%d must all be positive", cfg.N, cfg.Height, cfg.Width)
	}
	if cfg.Classes < 2 || cfg.Classes > 256 {
		return nil, fmt.Errorf("synthetic dataset: Classes=%d, allowed are 2..256", cfg.Classes)
	}
	if !(cfg.Noise >= 0 && cfg.Noise <= 1) {
		return nil, fmt.Errorf("synthetic dataset: Noise=%g, allowed is [0, 1]", cfg.Noise)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	features := cfg.Height * cfg.Width
	prototypes := make([]float64, cfg.Classes*features)
	for i := range prototypes {
		prototypes[i] = rng.Float64() * 255
	}
	ds := &Dataset{
		Name: fmt.Sprintf("synthetic-%dx%dx%d-c%d", cfg.N, cfg.Height, cfg.Width, cfg.Classes),
		N:    cfg.N, Height: cfg.Height, Width: cfg.Width,
		Pixels: make([]uint8, cfg.N*features), Labels: make([]uint8, cfg.N),
		ClassNames: make([]string, cfg.Classes),
	}
	for c := range ds.ClassNames {
		ds.ClassNames[c] = fmt.Sprintf("class %d", c)
	}
	for i := range cfg.N {
		label := i % cfg.Classes
		ds.Labels[i] = uint8(label)
		proto := prototypes[label*features : (label+1)*features]
		for j, p := range proto {
			v := p + (2*rng.Float64()-1)*cfg.Noise*255
			ds.Pixels[i*features+j] = uint8(min(max(v, 0), 255) + 0.5)
		}
	}
	return ds, nil
}
