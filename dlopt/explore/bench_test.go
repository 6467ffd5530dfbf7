//go:build unix

package explore_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/dlopt/course/dlopt/explore"
	"github.com/dlopt/course/dlopt/viz"
)

// benchmarkRedraw measures one redraw of an interactive figure at a setting, as the page gets it
// while a slider moves (svg) and as the static output at Stop or headless (png), and reports its
// parts: draw-ms (the optimizers and the figure's data), render-ms (the images, drawn in
// parallel), and cpu-ms, the CPU time of this process per redraw, which other work on a shared
// machine inflates less than wall time.
func benchmarkRedraw(b *testing.B, fig *viz.Interactive, settings map[string]any) {
	v, err := fig.At(settings)
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"svg", "png"} {
		b.Run(format, func(b *testing.B) {
			if _, err := fig.Render(v, format); err != nil { // warm-up
				b.Fatal(err)
			}
			var draw, render time.Duration
			cpu0 := cpuTime()
			for b.Loop() {
				r, err := fig.Render(v, format)
				if err != nil {
					b.Fatal(err)
				}
				draw += r.Draw
				render += r.Render
			}
			n := float64(b.N)
			b.ReportMetric(float64(draw.Microseconds())/1000/n, "draw-ms")
			b.ReportMetric(float64(render.Microseconds())/1000/n, "render-ms")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/n, "cpu-ms")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkRedrawMomentum(b *testing.B) {
	benchmarkRedraw(b, explore.Momentum(explore.DefaultMomentum()), map[string]any{"γ": 0.06, "β": 0.7})
}

func BenchmarkRedrawTheorem1(b *testing.B) {
	benchmarkRedraw(b, explore.Theorem1(explore.DefaultTheorem1()), map[string]any{"σ²": 2.0, "K": 1000})
}

func BenchmarkRedrawTheorem1K10000(b *testing.B) {
	benchmarkRedraw(b, explore.Theorem1(explore.DefaultTheorem1()), map[string]any{"σ²": 2.0, "K": 10000})
}

func BenchmarkRedrawAdaptiveRosenbrock(b *testing.B) {
	benchmarkRedraw(b, explore.Adaptive(explore.DefaultAdaptive()), map[string]any{"optimizer": "torch:Adam", "lr": 0.1})
}

func BenchmarkRedrawAdaptiveMatrix(b *testing.B) {
	benchmarkRedraw(b, explore.Adaptive(explore.DefaultAdaptive()),
		map[string]any{"problem": explore.ProblemMatrixQuadratic, "optimizer": "optax:muon", "lr": 0.1})
}
