package decentral

import (
	"errors"
	"math"
	"strings"
	"testing"
)

const third, fifth = 1.0 / 3, 1.0 / 5

func mustNew(t *testing.T, name string, n int) Topology {
	t.Helper()
	top, err := New(name, n)
	if err != nil {
		t.Fatalf("New(%q, %d): %v", name, n, err)
	}
	return top
}

func assertMatrix(t *testing.T, got, want [][]float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if math.Abs(got[i][j]-want[i][j]) > tol {
				t.Fatalf("W[%d][%d] = %v, want %v\ngot  %v\nwant %v", i, j, got[i][j], want[i][j], got, want)
			}
		}
	}
}

// The exact weights of small cases, written out by hand from the definitions in the package doc.
func TestMixingExactWeights(t *testing.T) {
	q := 0.25
	cases := []struct {
		name  string
		n     int
		round int
		want  [][]float64
	}{
		{"ring", 4, 0, [][]float64{{third, third, 0, third}, {third, third, third, 0}, {0, third, third, third}, {third, 0, third, third}}},
		{"ring", 3, 0, [][]float64{{third, third, third}, {third, third, third}, {third, third, third}}},
		{"star", 4, 0, [][]float64{{q, q, q, q}, {q, 0.75, 0, 0}, {q, 0, 0.75, 0}, {q, 0, 0, 0.75}}},
		{"complete", 2, 0, [][]float64{{0.5, 0.5}, {0.5, 0.5}}},
		{"all-reduce", 2, 7, [][]float64{{0.5, 0.5}, {0.5, 0.5}}},
		// n=5: tau = ceil(log2 5) = 3, offsets 0, 1, 2, 4, weight 1/4.
		{"exponential", 5, 0, [][]float64{{q, q, q, 0, q}, {q, q, q, q, 0}, {0, q, q, q, q}, {q, 0, q, q, q}, {q, q, 0, q, q}}},
		// n=4: tau = 2, offsets 0, 1, 2, weight 1/3.
		{"exponential", 4, 3, [][]float64{{third, third, third, 0}, {0, third, third, third}, {third, 0, third, third}, {third, third, 0, third}}},
		// one-peer, n=4: rounds alternate offsets 1 and 2.
		{"one-peer", 4, 0, [][]float64{{.5, .5, 0, 0}, {0, .5, .5, 0}, {0, 0, .5, .5}, {.5, 0, 0, .5}}},
		{"one-peer", 4, 1, [][]float64{{.5, 0, .5, 0}, {0, .5, 0, .5}, {.5, 0, .5, 0}, {0, .5, 0, .5}}},
		{"one-peer", 4, 2, [][]float64{{.5, .5, 0, 0}, {0, .5, .5, 0}, {0, 0, .5, .5}, {.5, 0, 0, .5}}},
		{"one-peer", 4, -1, [][]float64{{.5, 0, .5, 0}, {0, .5, 0, .5}, {.5, 0, .5, 0}, {0, .5, 0, .5}}},
		// one-peer, n=3: tau = 2, offsets 1, 2 (2 = -1 mod 3).
		{"one-peer", 3, 1, [][]float64{{.5, 0, .5}, {.5, .5, 0}, {0, .5, .5}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assertMatrix(t, mustNew(t, c.name, c.n).Mixing(c.round), c.want, 1e-15)
		})
	}
}

// The torus 3x3 row of worker 4 (centre) and worker 0 (corner, wrapping around).
func TestTorusNeighbours(t *testing.T) {
	w := mustNew(t, "torus", 9).Mixing(0)
	want := map[int][]int{4: {1, 3, 4, 5, 7}, 0: {0, 1, 2, 3, 6}, 8: {2, 5, 6, 7, 8}}
	for i, cols := range want {
		row := make([]float64, 9)
		for _, j := range cols {
			row[j] = fifth
		}
		assertMatrix(t, [][]float64{w[i]}, [][]float64{row}, 1e-15)
	}
}

// Every topology over a range of n: doubly stochastic, symmetric where the graph is undirected,
// the copy returned by Mixing is fresh, and rho matches its closed form where one is known.
func TestTopologyProperties(t *testing.T) {
	cases := []struct {
		name      string
		ns        []int
		symmetric bool
		rho       func(n int) float64 // nil: no closed form checked here
	}{
		{"ring", []int{3, 4, 5, 8, 13}, true, func(n int) float64 { return (1 + 2*math.Cos(2*math.Pi/float64(n))) / 3 }},
		{"torus", []int{9, 16, 25, 36}, true, func(n int) float64 {
			m := math.Sqrt(float64(n))
			return (3 + 2*math.Cos(2*math.Pi/m)) / 5
		}},
		{"star", []int{3, 4, 10}, true, func(n int) float64 { return 1 - 1/float64(n) }},
		{"complete", []int{1, 2, 7}, true, func(int) float64 { return 0 }},
		{"all-reduce", []int{1, 2, 7}, true, func(int) float64 { return 0 }},
		{"exponential", []int{2, 4, 8, 16, 32, 64}, false, func(n int) float64 {
			tau := math.Log2(float64(n))
			return (tau - 1) / (tau + 1)
		}},
		{"exponential", []int{3, 5, 6, 12}, false, nil},
		{"one-peer", []int{2, 3, 4, 8, 12}, false, nil},
	}
	for _, c := range cases {
		for _, n := range c.ns {
			top := mustNew(t, c.name, n)
			if top.Name() != c.name || top.Workers() != n || top.TimeVarying() != (c.name == "one-peer") {
				t.Errorf("%s n=%d: Name/Workers/TimeVarying = %q/%d/%v", c.name, n, top.Name(), top.Workers(), top.TimeVarying())
			}
			for round := range 3 {
				w := top.Mixing(round)
				if err := CheckDoublyStochastic(w, 1e-12); err != nil {
					t.Errorf("%s n=%d round %d: %v", c.name, n, round, err)
				}
				if c.symmetric {
					for i := range n {
						for j := range n {
							if w[i][j] != w[j][i] {
								t.Errorf("%s n=%d: W[%d][%d]=%v != W[%d][%d]=%v", c.name, n, i, j, w[i][j], j, i, w[j][i])
							}
						}
					}
				}
				w[0][0] = 42
				if top.Mixing(round)[0][0] == 42 {
					t.Errorf("%s: Mixing returned its own storage, not a fresh copy", c.name)
				}
			}
			if c.rho != nil {
				if got, want := Rho(top.Mixing(0)), c.rho(n); math.Abs(got-want) > 1e-12 {
					t.Errorf("%s n=%d: rho = %.15f, closed form %.15f", c.name, n, got, want)
				}
			}
		}
	}
}

// One-peer exponential: tau = log2 n rounds, from any starting round, average exactly when n is a
// power of two, and do not for other n.
func TestOnePeerExactAveraging(t *testing.T) {
	for _, n := range []int{2, 4, 8, 16, 32, 3, 5, 6, 7, 12} {
		top := mustNew(t, "one-peer", n)
		tau := ExponentialDegree(n)
		powerOfTwo := n&(n-1) == 0
		for _, t0 := range []int{0, 1, 5} {
			rho := RhoOfProduct(top, t0, tau)
			if powerOfTwo && rho > 1e-14 {
				t.Errorf("n=%d (power of two), rounds %d..%d: rho = %g, want 0 (exact average)", n, t0, t0+tau-1, rho)
			}
			if !powerOfTwo && rho < 0.05 {
				t.Errorf("n=%d (not a power of two), rounds %d..%d: rho = %g, want clearly > 0", n, t0, t0+tau-1, rho)
			}
		}
		if n > 2 && powerOfTwo {
			if rho := RhoOfProduct(top, 0, tau-1); rho < 0.5-1e-12 {
				t.Errorf("n=%d: after tau-1 rounds rho = %g, want >= 1/2 (not yet averaged)", n, rho)
			}
		}
	}
}

func TestSendsPerRound(t *testing.T) {
	cases := []struct {
		name      string
		n         int
		mean, max float64
	}{
		{"ring", 8, 2, 2},
		{"torus", 16, 4, 4},
		{"star", 5, 8.0 / 5, 4},
		{"complete", 6, 5, 5},
		{"exponential", 8, 3, 3},
		{"exponential", 9, 4, 4},
		{"one-peer", 8, 1, 1},
		{"all-reduce", 8, 2 * 7.0 / 8, 2 * 7.0 / 8},
		{"all-reduce", 1, 0, 0},
	}
	for _, c := range cases {
		got := CommunicationPerRound(mustNew(t, c.name, c.n), 1)
		if math.Abs(got.MeanSends-c.mean) > 1e-15 || got.MaxSends != c.max {
			t.Errorf("%s n=%d: %+v, want mean %v max %v", c.name, c.n, got, c.mean, c.max)
		}
	}
	star := mustNew(t, "star", 5)
	if star.SendsPerRound(0, 0) != 4 || star.SendsPerRound(3, 0) != 1 {
		t.Errorf("star: hub sends %v, leaf %v; want 4 and 1", star.SendsPerRound(0, 0), star.SendsPerRound(3, 0))
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "worker index 5") {
			t.Errorf("SendsPerRound(5) on 5 workers: recovered %v, want a panic naming index 5", r)
		}
	}()
	star.SendsPerRound(5, 0)
}

func TestNewRejects(t *testing.T) {
	cases := []struct {
		name string
		n    int
		kind error
		msg  string
	}{
		{"grid", 9, ErrUnknownName, `"grid"`},
		{"ring", 2, ErrInvalidValue, "n=2"},
		{"torus", 8, ErrInvalidValue, "n=8"},
		{"torus", 4, ErrInvalidValue, "m >= 3"},
		{"star", 1, ErrInvalidValue, "n=1"},
		{"exponential", 1, ErrInvalidValue, "n >= 2"},
		{"one-peer", 0, ErrInvalidValue, "n=0"},
		{"complete", 0, ErrInvalidValue, "n=0"},
		{"all-reduce", -3, ErrInvalidValue, "n=-3"},
	}
	for _, c := range cases {
		_, err := New(c.name, c.n)
		if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("New(%q, %d) = %v, want %v mentioning %q", c.name, c.n, err, c.kind, c.msg)
		}
	}
	if _, err := Torus(2); !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "m=2") {
		t.Errorf("Torus(2) = %v", err)
	}
	for _, name := range Names {
		if _, err := New(name, 16); err != nil {
			t.Errorf("New(%q, 16): %v", name, err)
		}
	}
}

func TestCheckDoublyStochastic(t *testing.T) {
	cases := []struct {
		w   [][]float64
		msg string
	}{
		{nil, "empty"},
		{[][]float64{{0.5, 0.5}, {1}}, "row 1 has 1 entries"},
		{[][]float64{{1.5, -0.5}, {-0.5, 1.5}}, "W[0][1] = -0.5"},
		{[][]float64{{0.5, 0.5}, {0.5, math.NaN()}}, "W[1][1] = NaN"},
		{[][]float64{{0.5, 0.5}, {0.5, 0.6}}, "row 1 sums to 1.1"},
		{[][]float64{{0.5, 0.5}, {0.6, 0.4}}, "column 0 sums to 1.1"},
	}
	for _, c := range cases {
		err := CheckDoublyStochastic(c.w, 1e-9)
		if !errors.Is(err, ErrNotDoublyStochastic) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("CheckDoublyStochastic(%v) = %v, want ErrNotDoublyStochastic mentioning %q", c.w, err, c.msg)
		}
	}
	if err := CheckDoublyStochastic([][]float64{{1}}, -1); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("negative tolerance: %v", err)
	}
}

func TestParseAlgorithm(t *testing.T) {
	for _, a := range Algorithms {
		if got, err := ParseAlgorithm(a); err != nil || got != a {
			t.Errorf("ParseAlgorithm(%q) = %q, %v", a, got, err)
		}
	}
	if _, err := ParseAlgorithm("admm"); !errors.Is(err, ErrUnknownName) || !strings.Contains(err.Error(), "gradient-tracking") {
		t.Errorf("ParseAlgorithm(admm) = %v", err)
	}
}
