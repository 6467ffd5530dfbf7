package viz

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/models"
)

func TestFilterNormalizedDirection(t *testing.T) {
	// A dense kernel [3, 2] (GoMLX [in, out]: filters are columns), a bias [2], a conv kernel
	// [2, 2, 1, 3] in PyTorch layout [out=2, in=2, kh=1, kw=3] (filters along axis 0).
	blocks := []ParamBlock{
		{Name: "dense", Shape: []int{3, 2}, FilterAxis: -1},
		{Name: "bias", Shape: []int{2}},
		{Name: "conv", Shape: []int{2, 2, 1, 3}, FilterAxis: 0},
	}
	theta := make([]float64, 6+2+12)
	for i := range theta {
		theta[i] = float64(i%7) - 2.5
	}
	d, err := FilterNormalizedDirection(theta, blocks, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	norm := func(v []float64, idx []int) float64 {
		s := 0.0
		for _, i := range idx {
			s += v[i] * v[i]
		}
		return math.Sqrt(s)
	}
	filters := map[string][]int{
		"dense column 0": {0, 2, 4}, "dense column 1": {1, 3, 5},
		"conv filter 0": {8, 9, 10, 11, 12, 13}, "conv filter 1": {14, 15, 16, 17, 18, 19},
	}
	for name, idx := range filters {
		if got, want := norm(d, idx), norm(theta, idx); math.Abs(got-want) > 1e-12*want {
			t.Errorf("%s: ||d|| = %v, want ||theta|| = %v", name, got, want)
		}
	}
	if d[6] != 0 || d[7] != 0 {
		t.Errorf("bias direction %v, want zeros", d[6:8])
	}
	// Same seed, same direction; another seed, another one.
	d2, _ := FilterNormalizedDirection(theta, blocks, rand.New(rand.NewPCG(1, 2)))
	d3, _ := FilterNormalizedDirection(theta, blocks, rand.New(rand.NewPCG(3, 2)))
	for i := range d {
		if d[i] != d2[i] {
			t.Fatalf("same seed gave different directions at %d: %v vs %v", i, d[i], d2[i])
		}
	}
	if d[0] == d3[0] && d[1] == d3[1] {
		t.Errorf("different seeds gave the same direction")
	}
}

func TestFilterNormalizedDirectionErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name   string
		theta  []float64
		blocks []ParamBlock
		rng    *rand.Rand
		want   string
	}{
		{"empty", nil, nil, rng, "theta is empty"},
		{"nil rng", []float64{1}, nil, nil, "rng is nil"},
		{"size mismatch", []float64{1, 2, 3}, []ParamBlock{{Shape: []int{2, 2}}}, rng, "hold 4 parameters but len(theta) = 3"},
		{"bad axis", []float64{1, 2, 3, 4}, []ParamBlock{{Name: "w", Shape: []int{2, 2}, FilterAxis: 2}}, rng, "FilterAxis = 2"},
		{"bad dim", []float64{1}, []ParamBlock{{Name: "w", Shape: []int{0, 1}}}, rng, "must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FilterNormalizedDirection(tc.theta, tc.blocks, tc.rng)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLandscapeSlices(t *testing.T) {
	// L(theta) = ||theta||^2 / 2, so L(c + a d1 + b d2) is known in closed form.
	center := []float64{1, -2, 0.5}
	d1 := []float64{0.3, 0.1, -1}
	d2 := []float64{-1, 0.5, 0.2}
	evals := 0
	l := Landscape{Center: center, Loss: func(th []float64) (float64, error) {
		evals++
		s := 0.0
		for _, v := range th {
			s += v * v
		}
		return s / 2, nil
	}}
	exact := func(a, b float64) float64 {
		s := 0.0
		for k := range center {
			v := center[k] + a*d1[k] + b*d2[k]
			s += v * v
		}
		return s / 2
	}
	alphas, betas := Linspace(-1, 1, 5), Linspace(-2, 2, 3)
	line, err := l.Slice1D(d1, alphas)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range alphas {
		if want := exact(a, 0); math.Abs(line[i]-want) > 1e-12 {
			t.Errorf("Slice1D at %v = %v, want %v", a, line[i], want)
		}
	}
	z, err := l.Slice2D(d1, d2, alphas, betas)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range betas {
		for j, a := range alphas {
			if want := exact(a, b); math.Abs(z[i][j]-want) > 1e-12 {
				t.Errorf("Slice2D at (%v, %v) = %v, want %v", a, b, z[i][j], want)
			}
		}
	}
	if evals != len(alphas)+len(alphas)*len(betas) {
		t.Errorf("%d loss evaluations, want %d", evals, len(alphas)*(1+len(betas)))
	}
	if _, err := l.Slice1D([]float64{1}, alphas); err == nil || !strings.Contains(err.Error(), "1 entries but Center has 3") {
		t.Errorf("short direction: error %v", err)
	}
	if _, err := (Landscape{Center: center}).Slice1D(d1, alphas); err == nil {
		t.Errorf("nil loss: no error")
	}
	if img := decode(t, LandscapeLine("slice", alphas, Series{Name: "loss", Y: line})); img.Bounds().Dx() == 0 {
		t.Errorf("empty landscape line image")
	}
}

// A Loss that panics (a problem of another dimension than Center, say) is an error of the
// slice, naming the point, not a crash.
func TestLandscapeLossPanics(t *testing.T) {
	q, err := models.NewIllConditionedQuadratic(3, 10, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	l := Landscape{Center: []float64{1, 2}, Loss: func(th []float64) (float64, error) { return q.Value(th), nil }}
	if _, err := l.Slice1D([]float64{1, 0}, []float64{0.5}); err == nil || !strings.Contains(err.Error(), "alpha = 0.5: Loss panicked") ||
		!strings.Contains(err.Error(), "want Dim = 3") {
		t.Errorf("Slice1D: err = %v", err)
	}
	if _, err := l.Slice2D([]float64{1, 0}, []float64{0, 1}, []float64{0.5}, []float64{2}); err == nil ||
		!strings.Contains(err.Error(), "(alpha, beta) = (0.5, 2): Loss panicked") {
		t.Errorf("Slice2D: err = %v", err)
	}
}
