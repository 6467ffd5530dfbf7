package viz

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/models"
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

// A 3-D problem's Value behind Surface makes the contour fail with an error (naming the need
// for 2-D and the problem's dimension), at construction, not with a panic in Save.
func TestSurfaceOfThreeDimensionalProblem(t *testing.T) {
	q, err := models.NewIllConditionedQuadratic(3, 10, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	fig := Contour(Surface(q.Value), Region{XMin: -1, XMax: 1, YMin: -1, YMax: 1}, ContourOptions{})
	err = fig.Err()
	for _, want := range []string{"viz: Contour: the function panicked at (x, y) = (-1, -1)", "a contour needs a 2-D problem", "want Dim = 3"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Contour of a 3-D problem: err = %v; want it to say %q", err, want)
		}
	}
	if _, err := fig.PNG(); err == nil {
		t.Error("PNG of the failed figure: no error")
	}
	var nilQ *models.Quadratic
	if err := Contour(Surface(nilQ.Value), Region{XMin: -1, XMax: 1, YMin: -1, YMax: 1}, ContourOptions{}).Err(); err == nil ||
		!strings.Contains(err.Error(), "nil *Quadratic") {
		t.Errorf("Contour of a nil problem: err = %v", err)
	}
}
