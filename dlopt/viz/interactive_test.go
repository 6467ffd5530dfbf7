package viz

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/janpfeifer/gonb/gonbui/protocol"
)

func TestControlsRejectBadSettings(t *testing.T) {
	for _, tc := range []struct {
		c    Control
		want string
	}{
		{Slider("γ", 1, 1, 0.1, 1), `Slider "γ": range 1..1: need finite min < max`},
		{Slider("γ", 0, math.NaN(), 0.1, 0), `Slider "γ": range 0..NaN`},
		{Slider("γ", 0, 1, 0, 0.5), `Slider "γ": step 0: must be > 0`},
		{Slider("γ", 0, 1, 0.3, 0.3), `Slider "γ": step 0.3 does not divide the range 0..1 into whole steps`},
		{Slider("γ", 0, 1, 1e-5, 0.3), `Slider "γ": step 1e-05 gives 100000 positions on 0..1: at most 10000 allowed`},
		{Slider("γ", 0, 1, 0.1, 1.5), `Slider "γ": value 1.5 is outside the range 0..1`},
		{LogSlider("lr", 0, 1, 4, 0.1), `LogSlider "lr": range 0..1: need finite 0 < min < max`},
		{LogSlider("lr", 1e-3, 1, 0, 0.1), `LogSlider "lr": 0 positions per decade: allowed are 1..1000`},
		{LogSlider("lr", 1e-3, 0.5, 4, 0.1), `LogSlider "lr": range 0.001..0.5 is 2.699 decades`},
		{LogSlider("lr", 1e-3, 1, 4, 2), `LogSlider "lr": value 2 is outside the range 0.001..1`},
		{Choice("optimizer", nil, ""), `Choice "optimizer": no options`},
		{Choice("optimizer", []string{"sgd", "sgd"}, "sgd"), `Choice "optimizer": option 1 ("sgd") is empty or repeated`},
		{Choice("optimizer", []string{"sgd", "adam"}, "lion"), `Choice "optimizer": value "lion" is not one of the options ["sgd" "adam"]`},
	} {
		if err := tc.c.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want it to contain %q", err, tc.want)
		}
		// A figure with the control carries the same error.
		if err := NewInteractive(okDraw, tc.c).Show(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Show with the bad control: error %v, want %q", err, tc.want)
		}
	}
}

func okDraw(Values) (View, error) {
	return View{Figures: []*Figure{Lines(Axes{}, Series{Y: []float64{1, 2}})}, Readout: "ok"}, nil
}

func TestNewInteractiveRejectsBadFigures(t *testing.T) {
	g := Slider("γ", 0, 1, 0.1, 0.5)
	for _, tc := range []struct {
		ia   *Interactive
		want string
	}{
		{NewInteractive(nil, g), "the draw function is nil"},
		{NewInteractive(okDraw), "no controls"},
		{NewInteractive(okDraw, g, Slider("γ", 0, 2, 0.5, 1)), `two controls are named "γ"`},
		{NewInteractive(okDraw, Slider("", 0, 1, 0.5, 1)), "control 0 has an empty name"},
		{NewInteractive(okDraw, g).WithIdleTimeout(0), "idle timeout 0s: must be > 0"},
	} {
		if err := tc.ia.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want it to contain %q", err, tc.want)
		}
	}
}

func TestSliderPositions(t *testing.T) {
	s := Slider("β", 0, 0.98, 0.02, 0.5)
	if s.n != 49 || s.defaultPosition() != 25 {
		t.Fatalf("β slider: %d positions from 0, default at %d; want 49 and 25", s.n, s.defaultPosition())
	}
	// Positions are decimal values, not accumulated binary steps: 0.02·15 = 0.3 exactly.
	if v := s.at(15); v != 0.3 || s.format(v) != "0.30" {
		t.Errorf("position 15 is %v (%q), want 0.3 (\"0.30\")", v, s.format(v))
	}
	if v := Slider("x", 0, 1, 0.1, 0.34).value; v != 0.3 {
		t.Errorf("value 0.34 rounds to %v, want the nearest step 0.3", v)
	}
	l := LogSlider("lr", 1e-3, 1, 4, 0.01)
	if l.n != 12 || l.at(4) != 0.01 || l.at(12) != 1 || l.format(l.at(1)) != "0.00178" {
		t.Errorf("log slider: %d positions, at(4) = %v, at(12) = %v, at(1) shown %q", l.n, l.at(4), l.at(12), l.format(l.at(1)))
	}
}

func TestValuesAndAt(t *testing.T) {
	ia := NewInteractive(okDraw, Slider("K", 10, 100, 10, 50), Choice("problem", []string{"rosenbrock", "quadratic"}, "quadratic"))
	d := ia.Defaults()
	if d.Int("K") != 50 || d.Choice("problem") != "quadratic" || d.String() != "K = 50, problem = quadratic" {
		t.Errorf("defaults %s: K %d, problem %q", d, d.Int("K"), d.Choice("problem"))
	}
	v, err := ia.At(map[string]any{"K": 73, "problem": "rosenbrock"})
	if err != nil || v.Float("K") != 70 || v.Choice("problem") != "rosenbrock" {
		t.Errorf("At(K 73, rosenbrock) = %s, %v; want K = 70 (nearest step), rosenbrock", v, err)
	}
	for settings, want := range map[string]map[string]any{
		`no control named "k"`:                       {"k": 1},
		`slider "K": value 101 is outside its range`: {"K": 101},
		`value "yes" is a string, want a float64`:    {"K": "yes"},
		`Choice "problem": adam is not one of`:       {"problem": "adam"},
	} {
		if _, err := ia.At(want); err == nil || !strings.Contains(err.Error(), settings) {
			t.Errorf("At(%v): error %v, want %q", want, err, settings)
		}
	}
}

func TestRenderReportsDrawErrors(t *testing.T) {
	g := Slider("γ", 0, 1, 0.1, 0.5)
	boom := errors.New("γ too large")
	for _, tc := range []struct {
		draw DrawFunc
		want string
	}{
		{func(Values) (View, error) { return View{}, boom }, "viz: at γ = 0.5: γ too large"},
		{func(v Values) (View, error) { v.Float("gamma"); return View{}, nil }, `no control named "gamma": the controls are ["γ"]`},
		{func(v Values) (View, error) { v.Choice("γ"); return View{}, nil }, `control "γ" is a slider: read it with Values.Float`},
		{func(Values) (View, error) { return View{}, nil }, "returned no figures for γ = 0.5"},
		{func(Values) (View, error) { return View{Figures: []*Figure{nil}}, nil }, "figure 0 of the view is nil"},
		{func(Values) (View, error) { return View{Figures: []*Figure{Lines(Axes{})}}, nil }, "Lines needs at least one series"},
	} {
		ia := NewInteractive(tc.draw, g)
		if _, err := ia.Render(ia.Defaults(), "svg"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Render: error %v, want %q", err, tc.want)
		}
		if err := ia.Show(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Show: error %v, want %q", err, tc.want)
		}
	}
	ia := NewInteractive(okDraw, g)
	for format, magic := range map[string]string{"png": "\x89PNG", "svg": "<?xml"} {
		r, err := ia.Render(ia.Defaults(), format)
		if err != nil || len(r.Images) != 1 || !strings.HasPrefix(string(r.Images[0]), magic) || r.Readout != "ok" || r.Format != format {
			t.Errorf("Render of a good figure as %s: %d images, readout %q, error %v", format, len(r.Images), r.Readout, err)
		}
	}
	if _, err := ia.Render(ia.Defaults(), "jpeg"); err == nil || !strings.Contains(err.Error(), `format "jpeg": allowed are "png" and "svg"`) {
		t.Errorf("Render as jpeg: error %v", err)
	}
}

// Without a Jupyter server's kernel id (nbconvert, a program) no page can connect: the probe
// answers at once, touching no pipe. With an id but nobody echoing, it gives up after its
// attempts' timeouts instead of waiting for ever.
func TestFrontEndProbe(t *testing.T) {
	t.Setenv(protocol.GONB_JUPYTER_KERNEL_ID_ENV, "")
	start := time.Now()
	if frontEndListening() || time.Since(start) > 100*time.Millisecond {
		t.Errorf("no kernel id: probe said listening or took %v", time.Since(start))
	}
	if testing.Short() {
		return
	}
	os.Setenv(protocol.GONB_JUPYTER_KERNEL_ID_ENV, "0b7ba0f5-f8c4-4f6b-9a44-1b0b6b6b6b6b")
	start = time.Now()
	if frontEndListening() {
		t.Error("nobody echoes, yet the probe says a page listens")
	}
	want := probeAttempts * probeEchoTimeout
	if d := time.Since(start); d < want || d > want+2*time.Second {
		t.Errorf("probe without an answer took %v, want its %d attempts of %v", d, probeAttempts, probeEchoTimeout)
	}
}

// Every text of a live SVG carries the width gonum measured, so browsers without Liberation
// Serif keep the layout; the text itself is unchanged.
func TestSVGTextKeepsItsWidth(t *testing.T) {
	var b strings.Builder
	if err := Lines(Axes{Title: "a & b", XLabel: "k"}, Series{Name: "x₁ < 2", Y: []float64{1, 2}}).Render(&b, "svg"); err != nil {
		t.Fatal(err)
	}
	out := string(withFontFallback([]byte(b.String())))
	texts, widths := strings.Count(b.String(), "<text"), strings.Count(out, `lengthAdjust="spacingAndGlyphs"`)
	if texts < 5 || widths != texts {
		t.Errorf("%d texts, %d with textLength: want every text", texts, widths)
	}
	if !strings.Contains(out, `serif;font-variant:normal;font-weight:normal;font-style:normal;font-size:13px">a &amp; b</text>`) ||
		!strings.Contains(out, ">x₁ &lt; 2</text>") || strings.Contains(out, "font-family:Liberation Serif;") {
		t.Errorf("texts changed or the family left without fallbacks:\n%s", out)
	}
}
