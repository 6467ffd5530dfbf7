package viz

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestPathOf: iterates become the path's points in order (x0 first); an iterate that is not
// 2-D makes the contour figure fail with an error naming the path and the iterate.
func TestPathOf(t *testing.T) {
	p := PathOf("gd", [][]float64{{1, 2}, {3, 4}, {math.NaN(), 5}})
	if p.Err() != nil || p.Name != "gd" || !slices.Equal(p.X[:2], []float64{1, 3}) || !slices.Equal(p.Y, []float64{2, 4, 5}) || !math.IsNaN(p.X[2]) {
		t.Errorf("PathOf = %+v, err %v: want X [1 3 NaN], Y [2 4 5]", p, p.Err())
	}
	f := func(x, y float64) float64 { return x*x + y*y }
	r := Region{XMin: -5, XMax: 5, YMin: -5, YMax: 5}
	if _, err := Contour(f, r, ContourOptions{}, p).PNG(); err != nil {
		t.Errorf("contour with a valid path: %v", err)
	}
	bad := PathOf("adam", [][]float64{{1, 2}, {1, 2, 3}})
	if bad.Err() == nil || !strings.Contains(bad.Err().Error(), "iterate 1 has 3 coordinates") {
		t.Errorf("PathOf with a 3-D iterate: err = %v, want it named", bad.Err())
	}
	_, err := Contour(f, r, ContourOptions{}, p, bad).PNG()
	if err == nil || !strings.Contains(err.Error(), "path 1") || !strings.Contains(err.Error(), `"adam"`) {
		t.Errorf("contour with a 3-D path: err = %v, want the path named", err)
	}
}

// TestSurface: Surface passes (x, y) as a 2-vector in that order.
func TestSurface(t *testing.T) {
	g := Surface(func(v []float64) float64 { return 10*v[0] + v[1] })
	if got := g(3, 4); got != 34 {
		t.Errorf("Surface(f)(3, 4) = %v, want f([3 4]) = 34", got)
	}
	if _, err := Contour(Surface(nil), Region{XMin: 0, XMax: 1, YMin: 0, YMax: 1}, ContourOptions{}).PNG(); err == nil {
		t.Error("Surface(nil): the contour drew without error")
	}
}
