package optim

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// SM3Config is optax.sm3 (Anil et al. 2019, "Memory-Efficient Adaptive Optimization",
// NeurIPS): Adagrad whose accumulator of a d-dimensional variable is covered by d vectors, one
// per axis, so it costs the sum of the dimensions instead of their product:
//
//	a = g² + min_k μ_k (broadcast along the other axes);  μ_k ← max of a over the other axes
//	u = g / √(a + 1e-8) (0 where a = 0);  m ← (1-β)·u + β·m;  p ← p - lr·m
//
// A vector (or scalar) keeps the full accumulator: a = g² + μ.
type SM3Config struct {
	LearningRate, Momentum float64
}

// DefaultSM3 returns optax.sm3's defaults (learning_rate has none in optax: 0.01 here).
func DefaultSM3() SM3Config { return SM3Config{LearningRate: 0.01, Momentum: 0.9} }

// ScaleBySM3 is optax.scale_by_sm3 with b2 = 1 and eps = 1e-8 (as optax.sm3 builds it).
// nil momentum takes DefaultSM3's value.
func ScaleBySM3(momentum *Hyper) *Transform {
	momentum = linkHyper(momentum, "momentum", DefaultSM3().Momentum, UnitInterval)
	const eps = 1e-8
	return &Transform{Name: "scale_by_sm3", Hypers: []*Hyper{momentum}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			g2 := Mul(g, g)
			var a *Node
			var write func(a *Node)
			if g.Rank() < 2 {
				mv := s.State(i, "mu_0", 0)
				a = Add(g2, s.Get(mv))
				write = func(a *Node) { s.Set(mv, a) }
			} else {
				// One accumulator per axis k, of shape [dim_k].
				vars := make([]func(*Node), g.Rank())
				var cover *Node
				for k, dim := range g.Shape().Dimensions {
					v := s.StateShaped(i, "mu_"+string(rune('0'+k)), shapes.Make(g.DType(), dim), 0)
					other := otherAxes(g.Rank(), k)
					b := ExpandAxes(s.Get(v), other...)
					if cover == nil {
						cover = b
					} else {
						cover = Min(cover, b)
					}
					vars[k] = func(x *Node) { s.Set(v, ReduceMax(x, other...)) }
				}
				a = Add(g2, cover)
				write = func(a *Node) {
					for _, set := range vars {
						set(a)
					}
				}
			}
			write(a)
			positive := GreaterThan(a, ZerosLike(a))
			inv := Where(positive, Rsqrt(AddScalar(a, eps)), ZerosLike(a))
			mv := s.State(i, "nu", 0)
			m := emaUpdate(s.Hyper(momentum), Mul(g, inv), s.Get(mv))
			s.Set(mv, m)
			out[i] = m
		}
		return out
	}}
}

// otherAxes lists the axes 0..rank-1 except k.
func otherAxes(rank, k int) []int {
	var axes []int
	for a := 0; a < rank; a++ {
		if a != k {
			axes = append(axes, a)
		}
	}
	return axes
}

// SM3 builds optax.sm3: chain(scale_by_sm3(momentum), scale(-learning_rate)).
func SM3(c SM3Config) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultSM3(), "DefaultSM3()")
	return NewOptimizer("sm3",
		ScaleBySM3(NewHyper("momentum", c.Momentum, UnitInterval)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

func init() {
	registerOptax("sm3", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultSM3()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.Momentum = k.Float("momentum", c.Momentum)
		return SM3(c)
	})
}
