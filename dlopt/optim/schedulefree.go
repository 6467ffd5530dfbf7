package optim

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// ScheduleFreeConfig holds optax.contrib.schedule_free_adamw's and schedule_free_sgd's arguments
// (Defazio et al. 2024, "The Road Less Scheduled", arXiv:2405.15682). Schedule-free methods keep
// a base-optimizer sequence z, train at the interpolation y and evaluate at the average x:
//
//	c_t = lr_max^w / Σ_{k≤t} lr_max^w   (w = weight_lr_power, lr_max the largest rate so far)
//	z ← z + base_update(g at y);  x ← (1-c_t)·x + c_t·z;  y ← β₁·x + (1-β₁)·z
//
// x is not stored: it is recovered as x = (y - (1-β₁)·z)/β₁, which is also what the model is
// evaluated at ([RunGradients]' Eval, optax's schedule_free_eval_params). The base optimizer is
// Adam without momentum (β₂, eps, decoupled weight decay) for AdamW and plain SGD (with L2 weight
// decay when WeightDecay is set) for SGD. WarmupSteps > 0 ramps the rate linearly from 0.
type ScheduleFreeConfig struct {
	LearningRate  float64
	WarmupSteps   int // 0: no warmup (optax's None)
	B1, B2, Eps   float64
	WeightDecay   float64
	WeightLRPower float64
}

// DefaultScheduleFreeAdamW returns optax.contrib.schedule_free_adamw's defaults.
func DefaultScheduleFreeAdamW() ScheduleFreeConfig {
	return ScheduleFreeConfig{LearningRate: 0.0025, B1: 0.9, B2: 0.999, Eps: 1e-8, WeightLRPower: 2}
}

// DefaultScheduleFreeSGD returns optax.contrib.schedule_free_sgd's defaults (B2 and Eps unused).
func DefaultScheduleFreeSGD() ScheduleFreeConfig {
	return ScheduleFreeConfig{LearningRate: 1, B1: 0.9, WeightLRPower: 2}
}

// warmupLR is optax.warmup_constant_schedule(0, lr, warmup) at step count c (float64):
// lr·c/warmup before the warmup ends, lr after; lr itself without warmup.
func warmupLR(lr, c *Node, warmup int) *Node {
	if warmup <= 0 {
		return lr
	}
	w := float64(warmup)
	frac := OneMinus(DivScalar(ClipScalar(c, 0, w), w))
	ramp := Add(Mul(Neg(lr), frac), lr)
	return Where(LessThan(c, Scalar(c.Graph(), c.DType(), w)), ramp, lr)
}

// scaleByWarmupLR multiplies the updates by -lr(t-1), the schedule at optax's 0-based count.
func scaleByWarmupLR(lr *Hyper, warmup int) *Transform {
	return Map("scale_by_learning_rate", []*Hyper{lr}, func(s *Step, _ int, u *Node) *Node {
		return Mul(u, As(Neg(warmupLR(s.Hyper(lr), AddScalar(s.Count, -1), warmup)), u))
	})
}

// ScheduleFree is optax.contrib.schedule_free: it wraps base, the momentum-free base optimizer,
// whose rate follows lr (with warmup steps); see [ScheduleFreeConfig].
// lr is required; nil b1 and weightLRPower take optax's defaults 0.9 and 2.
func ScheduleFree(base *Transform, lr, b1, weightLRPower *Hyper, warmup int) *Transform {
	lr = requiredHyper(lr, "learning_rate", NonNegative)
	b1 = linkHyper(b1, "b1", 0.9, UnitInterval)
	weightLRPower = linkHyper(weightLRPower, "weight_lr_power", 2, AnyReal)
	return &Transform{Name: "schedule_free", Hypers: []*Hyper{lr, b1, weightLRPower}, Children: []*Transform{base},
		Update: func(s *Step, grads []*Node) []*Node {
			maxLR, setMax := float64Scalar(s, "max_lr", 0)
			maxLR = Max(maxLR, warmupLR(s.Hyper(lr), s.Count, warmup))
			weight := Pow(maxLR, s.Hyper(weightLRPower))
			sum, setSum := float64Scalar(s, "weight_sum", 0)
			next := Add(sum, weight)
			ratio := Div(weight, next)
			ck := Where(IsNaN(ratio), ZerosLike(ratio), ratio) // 0/0 while the rate is still 0
			ck = Where(LogicalOr(IsNaN(weight), IsNaN(next)), Scalar(s.G, dtypes.Float64, math.NaN()), ck)
			setMax(maxLR)
			setSum(next)
			base := s.Apply(base, grads)
			out := make([]*Node, len(grads))
			for i, bu := range base {
				y := s.ParamAs(i, bu)
				zPrev, setZ := fromParamAtFirstStep(s, i, "z")
				zPrev = As(zPrev, bu)
				z := Add(zPrev, bu)
				setZ(z)
				beta1 := s.HyperAs(b1, bu)
				oneMinusB1 := As(OneMinus(s.Hyper(b1)), bu)
				xPrev := Div(Sub(y, Mul(oneMinusB1, zPrev)), beta1)
				c := As(ck, bu)
				x := Add(Mul(OneMinus(c), xPrev), Mul(c, z))
				out[i] = Sub(Add(Mul(beta1, x), Mul(oneMinusB1, z)), y)
			}
			return out
		},
		Eval: func(s *Step, params []*Node) []*Node {
			out := make([]*Node, len(params))
			for i, y := range params {
				z := As(s.Get(s.State(i, "z", 0)), y)
				x := Div(Sub(y, Mul(As(OneMinus(s.Hyper(b1)), y), z)), s.HyperAs(b1, y))
				out[i] = Where(Equal(s.CountInt, ZerosLike(s.CountInt)), y, x) // before any step: y
			}
			return out
		}}
}

func scheduleFreeHypers(c ScheduleFreeConfig) (lr, b1, wlp *Hyper, err error) {
	if c.WarmupSteps < 0 {
		return nil, nil, nil, errorf("schedule_free: warmup_steps = %d is invalid: must be a positive integer (or 0/null for none)", c.WarmupSteps)
	}
	return NewHyper("learning_rate", c.LearningRate, NonNegative), NewHyper("b1", c.B1, Range{Min: 0, Max: 1, MinOpen: true, MaxOpen: true}),
		NewHyper("weight_lr_power", c.WeightLRPower, AnyReal), nil
}

// ScheduleFreeAdamW builds optax.contrib.schedule_free_adamw.
func ScheduleFreeAdamW(c ScheduleFreeConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultScheduleFreeAdamW(), "DefaultScheduleFreeAdamW()")
	lr, b1, wlp, err := scheduleFreeHypers(c)
	if err != nil {
		return nil, err
	}
	base := Chain(ScaleByRMS(NewHyper("b2", c.B2, UnitInterval), NewHyper("eps", c.Eps, Positive), 0, false, false, true),
		AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		scaleByWarmupLR(lr, c.WarmupSteps))
	return NewOptimizer("schedule_free_adamw", ScheduleFree(base, lr, b1, wlp, c.WarmupSteps))
}

// ScheduleFreeSGD builds optax.contrib.schedule_free_sgd; weightDecay nil is optax's None.
func ScheduleFreeSGD(c ScheduleFreeConfig, weightDecay *float64) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultScheduleFreeSGD(), "DefaultScheduleFreeSGD()")
	lr, b1, wlp, err := scheduleFreeHypers(c)
	if err != nil {
		return nil, err
	}
	var links []*Transform
	if weightDecay != nil {
		links = append(links, AddDecayedWeights(NewHyper("weight_decay", *weightDecay, NonNegative)))
	}
	links = append(links, scaleByWarmupLR(lr, c.WarmupSteps))
	return NewOptimizer("schedule_free_sgd", ScheduleFree(Chain(links...), lr, b1, wlp, c.WarmupSteps))
}

func init() {
	registerOptax("schedule_free_adamw", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultScheduleFreeAdamW()
		c.LearningRate = k.Float("learning_rate", c.LearningRate)
		c.WarmupSteps = k.Int("warmup_steps", 0)
		c.B1 = k.Float("b1", c.B1)
		c.B2 = k.Float("b2", c.B2)
		c.Eps = k.Float("eps", c.Eps)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		c.WeightLRPower = k.Float("weight_lr_power", c.WeightLRPower)
		k.Ignored("state_dtype")
		return ScheduleFreeAdamW(c)
	})
	registerOptax("schedule_free_sgd", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultScheduleFreeSGD()
		c.LearningRate = k.Float("learning_rate", c.LearningRate)
		c.WarmupSteps = k.Int("warmup_steps", 0)
		c.B1 = k.Float("b1", c.B1)
		wd := optFloatPtr(k, "weight_decay")
		c.WeightLRPower = k.Float("weight_lr_power", c.WeightLRPower)
		k.Ignored("state_dtype")
		return ScheduleFreeSGD(c, wd)
	})
}
