package viz

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// View is what an interactive figure shows for one setting of its controls: figures side by
// side and a readout of the numbers computed for them (rates, bounds), shown as text.
type View struct {
	Figures []*Figure
	Readout string
}

// DrawFunc computes the view for one setting of the controls; it runs again at every change.
type DrawFunc func(v Values) (View, error)

// DefaultIdleTimeout is how long an interactive figure waits for a control to move before it
// stops by itself, handing the kernel back to the other cells.
const DefaultIdleTimeout = 10 * time.Minute

// Interactive is a figure with controls: in a GoNB notebook page, sliders and drop-down lists
// redraw it on every change until its Stop button is pressed or nothing moves for the idle
// timeout. Where no page listens (a headless run by nbconvert, a program, a test) [Interactive.Show]
// draws the default setting once and returns. Build it with [NewInteractive].
type Interactive struct {
	draw     DrawFunc
	controls []Control
	idle     time.Duration
	err      error
}

// NewInteractive makes an interactive figure drawn by draw from the given controls, whose
// names must be distinct. Invalid controls make the figure carry their error (see
// [Interactive.Err]); [Interactive.Show] returns it.
func NewInteractive(draw DrawFunc, controls ...Control) *Interactive {
	ia := &Interactive{draw: draw, controls: slices.Clone(controls), idle: DefaultIdleTimeout}
	var errs []error
	if draw == nil {
		errs = append(errs, errors.New("viz: NewInteractive: the draw function is nil"))
	}
	if len(controls) == 0 {
		errs = append(errs, errors.New("viz: NewInteractive: no controls (use Figure.Show for a static figure)"))
	}
	for i, c := range controls {
		switch {
		case c.err != nil:
			errs = append(errs, c.err)
		case c.name == "":
			errs = append(errs, fmt.Errorf("viz: NewInteractive: control %d has an empty name", i))
		case slices.IndexFunc(controls[:i], func(o Control) bool { return o.name == c.name }) >= 0:
			errs = append(errs, fmt.Errorf("viz: NewInteractive: two controls are named %q: names must be distinct", c.name))
		}
	}
	ia.err = errors.Join(errs...)
	return ia
}

// WithIdleTimeout sets how long the figure waits for a change before it stops (default
// [DefaultIdleTimeout]); it must be positive.
func (ia *Interactive) WithIdleTimeout(d time.Duration) *Interactive {
	if ia.err == nil && d <= 0 {
		ia.err = fmt.Errorf("viz: idle timeout %v: must be > 0", d)
	}
	ia.idle = d
	return ia
}

// Err reports why the figure cannot be shown, or nil.
func (ia *Interactive) Err() error { return ia.err }

// Defaults is the setting the controls start at.
func (ia *Interactive) Defaults() Values {
	v := Values{controls: ia.controls, pos: make([]int, len(ia.controls))}
	for i, c := range ia.controls {
		v.pos[i] = c.defaultPosition()
	}
	return v
}

// At is the default setting with some controls changed: a float64 (or int) for a slider,
// rounded to its nearest position, a string for a Choice. Unknown names and values out of
// range are errors naming them.
func (ia *Interactive) At(settings map[string]any) (Values, error) {
	if ia.err != nil {
		return Values{}, ia.err
	}
	v := ia.Defaults()
	for name, s := range settings {
		i := slices.IndexFunc(ia.controls, func(c Control) bool { return c.name == name })
		if i < 0 {
			return Values{}, fmt.Errorf("viz: no control named %q", name)
		}
		c := ia.controls[i]
		if c.kind == choiceList {
			str, ok := s.(string)
			if v.pos[i] = slices.Index(c.options, str); !ok || v.pos[i] < 0 {
				return Values{}, fmt.Errorf("viz: Choice %q: %v is not one of the options %q", name, s, c.options)
			}
			continue
		}
		var f float64
		switch x := s.(type) {
		case float64:
			f = x
		case int:
			f = float64(x)
		default:
			return Values{}, fmt.Errorf("viz: slider %q: value %#v is a %T, want a float64 or int", name, s, s)
		}
		if !(f >= c.lo && f <= c.hi) {
			return Values{}, fmt.Errorf("viz: slider %q: value %g is outside its range %g..%g", name, f, c.lo, c.hi)
		}
		v.pos[i] = c.position(f)
	}
	return v, nil
}

// Rendered is a view drawn as images.
type Rendered struct {
	Format  string   // "png" or "svg"
	Images  [][]byte // one per figure, in that format
	Readout string
	// Draw is the time the draw function took (the optimizers), Render the time to draw its
	// figures (in parallel).
	Draw, Render time.Duration
}

// Render runs the draw function for v and renders its figures in format, "png" (what a saved
// notebook keeps) or "svg" (what the page shows while the controls move: a few times cheaper
// to produce, the browser rasterises it). A panic in the draw function (a wrong control name,
// say) comes back as an error.
func (ia *Interactive) Render(v Values, format string) (r Rendered, err error) {
	if ia.err != nil {
		return r, ia.err
	}
	if format != "png" && format != "svg" {
		return r, fmt.Errorf("viz: Render: format %q: allowed are \"png\" and \"svg\"", format)
	}
	r.Format = format
	start := time.Now()
	view, err := ia.callDraw(v)
	r.Draw = time.Since(start)
	if err != nil {
		return r, err
	}
	if len(view.Figures) == 0 {
		return r, fmt.Errorf("viz: the draw function returned no figures for %s", v)
	}
	start = time.Now()
	r.Images = make([][]byte, len(view.Figures))
	errs := make([]error, len(view.Figures))
	var wg sync.WaitGroup
	for i, f := range view.Figures {
		if f == nil {
			errs[i] = fmt.Errorf("viz: figure %d of the view is nil", i)
			continue
		}
		wg.Go(func() {
			if format == "png" {
				r.Images[i], errs[i] = f.fastPNG()
				return
			}
			var buf bytes.Buffer
			errs[i] = f.Render(&buf, "svg")
			r.Images[i] = withFontFallback(buf.Bytes())
		})
	}
	wg.Wait()
	r.Render, r.Readout = time.Since(start), view.Readout
	if err := errors.Join(errs...); err != nil {
		return r, fmt.Errorf("viz: at %s: %w", v, err)
	}
	return r, nil
}

func (ia *Interactive) callDraw(v Values) (view View, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("viz: the draw function panicked at %s: %v", v, p)
		}
	}()
	view, err = ia.draw(v)
	if err != nil {
		err = fmt.Errorf("viz: at %s: %w", v, err)
	}
	return view, err
}

// Show shows the figure. In a GoNB notebook whose page is open it shows the controls and keeps
// the cell running, redrawing on every change, until Stop is pressed or the idle timeout
// passes; it then leaves the last view as a static output. Elsewhere (nbconvert, no page; a
// program) it shows the default setting once and returns at once: in a notebook as images and
// text, outside one by printing the readout.
func (ia *Interactive) Show() error {
	if ia.err != nil {
		return ia.err
	}
	// The default setting is drawn first in every case: a figure that cannot draw fails here,
	// before any control is shown.
	v := ia.Defaults()
	first, err := ia.Render(v, "png")
	if err != nil {
		return err
	}
	if gonbui.IsNotebook && frontEndListening() {
		return ia.runInteractive(v, first)
	}
	ia.showStatic(v, first)
	return nil
}

// MustShow is [Interactive.Show] for notebook cells: it panics with the error.
func (ia *Interactive) MustShow() {
	if err := ia.Show(); err != nil {
		panic(err)
	}
}

// showStatic shows the PNG rendering r of v: images and the readout in a notebook, the readout on
// stdout elsewhere.
func (ia *Interactive) showStatic(v Values, r Rendered) {
	text := v.String()
	if r.Readout != "" {
		text += "\n" + r.Readout
	}
	fmt.Println(text)
	if gonbui.IsNotebook {
		for _, png := range r.Images {
			gonbui.DisplayPNG(png)
		}
		gonbui.Sync()
	}
}
