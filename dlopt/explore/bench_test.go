package explore_test

import (
	"testing"

	"github.com/dlopt/course/dlopt/explore"
	"github.com/dlopt/course/dlopt/viz"
)

// benchmarkRedraw measures one redraw of an interactive figure at a setting (what a slider move
// costs) and reports its two parts: draw-ms (the optimizers and the figure's data) and
// render-ms (the PNGs, drawn in parallel).
func benchmarkRedraw(b *testing.B, fig *viz.Interactive, settings map[string]any) {
	v, err := fig.At(settings)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := fig.Render(v); err != nil { // warm-up: compiles the optimizer graphs' code paths
		b.Fatal(err)
	}
	var draw, render float64
	for b.Loop() {
		r, err := fig.Render(v)
		if err != nil {
			b.Fatal(err)
		}
		draw += float64(r.Draw.Microseconds()) / 1000
		render += float64(r.Render.Microseconds()) / 1000
	}
	b.ReportMetric(draw/float64(b.N), "draw-ms")
	b.ReportMetric(render/float64(b.N), "render-ms")
}

func BenchmarkRedrawMomentum(b *testing.B) {
	benchmarkRedraw(b, explore.Momentum(explore.DefaultMomentum()), map[string]any{"γ": 0.06, "β": 0.7})
}
