package viz

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/comms"
	"github.com/janpfeifer/gonb/gonbui/dom"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"github.com/janpfeifer/gonb/gonbui/widgets"
)

// How a cell knows whether a page listens. GoNB reaches the page through a WebSocket that its
// JavaScript opens to Jupyter's /api/kernels/<kernel id>/channels; the kernel learns its id
// from the name of the connection file a Jupyter server gives it (kernel-<id>.json) and exports
// it as $GONB_JUPYTER_KERNEL_ID. nbconvert (nbclient) starts kernels with a temporary file name:
// no id, so no page can ever connect, and the cell says so at no cost. With an id, a server
// started the kernel, but its page may be closed: the cell then asks the page to echo a value.
// The kernel processes the cell's messages in order and, for the first comms message, waits up
// to 3 s for the page's WebSocket; so once the echo request has been published (the Sync
// inside dom.TransientJavascript returned), a live page answers within a round trip.
const probeEchoTimeout = 3 * time.Second

// buildTimeout bounds the construction of the widgets, each of which waits for its page
// element to report its first value: a page closed in between must not hang the cell.
const buildTimeout = 20 * time.Second

// probeAttempts: GoNB gives the page's WebSocket 3 s to open, then drops the cell's first
// comms messages; on a busy machine (a CI run, a page still loading) the first attempt can
// miss a live page, so the probe asks again with a new address.
const probeAttempts = 3

// frontEndListening reports whether a notebook page runs this cell's output.
func frontEndListening() bool {
	if os.Getenv(protocol.GONB_JUPYTER_KERNEL_ID_ENV) == "" || gonbui.Error() != nil {
		return false
	}
	for range probeAttempts {
		if probeEcho() {
			return true
		}
	}
	return false
}

// probeEcho asks the page to echo a value to a new address and waits for it.
func probeEcho() bool {
	address := "/dlopt/viz/probe/" + gonbui.UniqueId()
	echo := comms.Listen[int](address)
	defer echo.Close()
	dom.TransientJavascript(fmt.Sprintf(`globalThis.gonb_comm && globalThis.gonb_comm.send(%s, 1);`, jsString(address)))
	select {
	case <-echo.C:
		return true
	case <-time.After(probeEchoTimeout):
		return false
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// session is one interactive run of a figure in a page.
type session struct {
	ia                   *Interactive
	uid                  string
	controlsID, figureID string // GoNB display ids of the two outputs it updates
	mu                   sync.Mutex
	pos                  []int
	last                 Rendered // the view shown, for the static output at the end
	lastValues           Values
	changed              chan struct{}
	stop                 *comms.AddressChan[int]
	listeners            []*comms.AddressChan[int]
}

func (ia *Interactive) runInteractive(v Values, first Rendered) error {
	s := &session{ia: ia, uid: gonbui.UniqueId(), pos: ia.Defaults().pos, changed: make(chan struct{}, 1)}
	s.controlsID, s.figureID = "dlopt_controls_"+s.uid, "dlopt_figure_"+s.uid
	gonbui.UpdateHTML(s.controlsID, s.controlsHTML())
	gonbui.UpdateHTML(s.figureID, `<div class="dlopt-figure">drawing…</div>`)
	gonbui.Sync()

	built := make(chan struct{})
	go func() { s.buildWidgets(); close(built) }()
	select {
	case <-built:
	case <-time.After(buildTimeout):
		gonbui.UpdateHTML(s.controlsID, "")
		gonbui.UpdateHTML(s.figureID, "")
		fmt.Println("the page did not set up the controls: a static figure instead")
		ia.showStatic(v, first)
		return nil
	}
	s.show(v, first, first.Draw+first.Render)
	idle := time.NewTimer(ia.idle)
	defer idle.Stop()
	for {
		select {
		case <-s.changed:
			s.redraw()
			idle.Reset(ia.idle)
		case <-s.stop.C:
			return s.finish("stopped")
		case <-idle.C:
			return s.finish(fmt.Sprintf("stopped after %v without a change", ia.idle))
		}
	}
}

// controlsHTML lays out one row per control (label, a slot for the widget, its value) and a
// slot for the Stop button. The rows carry the control's scale as data attributes, so a page
// script (or a test) can map a value to a slider position.
func (s *session) controlsHTML() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="dlopt-controls" id="dlopt_ctl_%s">`, s.uid)
	for i, c := range s.ia.controls {
		scale := [...]string{"linear", "log", "choice"}[c.kind]
		fmt.Fprintf(&b, `<div class="dlopt-control" data-name="%s" data-scale="%s" data-min="%g" data-max="%g" data-step="%g" data-positions="%d" `+
			`style="display:flex;align-items:center;gap:0.6em;margin:2px 0">`,
			html.EscapeString(c.name), scale, c.lo, c.hi, c.step, c.n)
		fmt.Fprintf(&b, `<label style="min-width:5em;text-align:right">%s</label><span id="%s"></span>`,
			html.EscapeString(c.name), s.slotID(i))
		if c.kind != choiceList {
			fmt.Fprintf(&b, `<output id="%s" style="font-family:monospace">%s</output>`, s.outputID(i), c.format(c.at(s.pos[i])))
		}
		b.WriteString(`</div>`)
	}
	fmt.Fprintf(&b, `<div style="margin:4px 0 4px 5.6em"><span id="dlopt_stop_slot_%s"></span></div></div>`, s.uid)
	return b.String()
}

func (s *session) slotID(i int) string   { return fmt.Sprintf("dlopt_slot_%s_%d", s.uid, i) }
func (s *session) outputID(i int) string { return fmt.Sprintf("dlopt_value_%s_%d", s.uid, i) }
func (s *session) widgetID(i int) string { return fmt.Sprintf("dlopt_widget_%s_%d", s.uid, i) }

// buildWidgets puts GoNB's widgets into the slots and listens to them. A change records the
// new position and asks for a redraw; changes arriving during a redraw collapse into one.
func (s *session) buildWidgets() {
	for i, c := range s.ia.controls {
		var ch *comms.AddressChan[int]
		if c.kind == choiceList {
			w := widgets.Select(c.options).SetDefault(s.pos[i]).WithHtmlId(s.widgetID(i)).AppendTo(s.slotID(i)).Done()
			ch = w.Listen().LatestOnly()
		} else {
			w := widgets.Slider(0, c.n, s.pos[i]).WithHtmlId(s.widgetID(i)).AppendTo(s.slotID(i)).Done()
			ch = w.Listen().LatestOnly()
		}
		s.listeners = append(s.listeners, ch)
		go func() {
			for p := range ch.C {
				s.mu.Lock()
				s.pos[i] = min(max(p, 0), c.n)
				s.mu.Unlock()
				select {
				case s.changed <- struct{}{}:
				default:
				}
			}
		}()
	}
	s.stop = widgets.Button("Stop").AppendTo("dlopt_stop_slot_" + s.uid).Done().Listen()
	dom.TransientJavascript(s.valueLabelsJS())
}

// valueLabelsJS shows each slider's value next to it while it moves, before the redraw.
func (s *session) valueLabelsJS() string {
	type label struct {
		Widget, Output string
		Log            bool
		Min, Max, Step float64
		N, Decimals    int
	}
	var labels []label
	for i, c := range s.ia.controls {
		if c.kind == choiceList {
			continue
		}
		labels = append(labels, label{s.widgetID(i), s.outputID(i), c.kind == logSlider, c.lo, c.hi, c.step, c.n, c.decimals()})
	}
	raw, _ := json.Marshal(labels)
	return `(() => {
	for (const c of ` + string(raw) + `) {
		const el = document.getElementById(c.Widget), out = document.getElementById(c.Output);
		if (!el || !out) continue;
		const show = () => {
			const p = Number(el.value);
			const v = p >= c.N ? c.Max : (c.Log ? c.Min * Math.pow(10, p / c.Step) : c.Min + p * c.Step);
			out.textContent = !c.Log ? v.toFixed(c.Decimals) : (v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(3))));
		};
		el.addEventListener("input", show);
		el.addEventListener("change", show);
	}
})();`
}

func (s *session) values() Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Values{controls: s.ia.controls, pos: slices.Clone(s.pos)}
}

// redraw draws the current setting into the figure output. An error is shown in place of the
// images; the cell keeps running.
func (s *session) redraw() {
	v := s.values()
	start := time.Now()
	r, err := s.ia.Render(v, "svg")
	if err != nil {
		gonbui.UpdateHTML(s.figureID, fmt.Sprintf(`<div class="dlopt-figure"><pre class="dlopt-readout" style="margin:4px 0">%s</pre>`+
			`<pre class="dlopt-error" style="color:#b00020">%s</pre></div>`, html.EscapeString(v.String()), html.EscapeString(err.Error())))
		return
	}
	s.show(v, r, time.Since(start))
}

// show puts a rendering into the figure output: readout, images side by side, and how long
// the redraw took.
func (s *session) show(v Values, r Rendered, took time.Duration) {
	s.last, s.lastValues = r, v
	var b strings.Builder
	b.WriteString(`<div class="dlopt-figure">`)
	fmt.Fprintf(&b, `<pre class="dlopt-readout" style="margin:4px 0">%s</pre>`, html.EscapeString(v.String()+"\n"+r.Readout))
	b.WriteString(`<div style="display:flex;flex-wrap:wrap;gap:4px">`)
	mime := map[string]string{"png": "image/png", "svg": "image/svg+xml"}[r.Format]
	for _, img := range r.Images {
		fmt.Fprintf(&b, `<img class="dlopt-plot" style="width:%d%%" src="data:%s;base64,%s"/>`,
			max(100/len(r.Images), 50)-1, mime, base64.StdEncoding.EncodeToString(img))
	}
	fmt.Fprintf(&b, `</div><div class="dlopt-timing" style="color:#888;font-size:85%%">redrawn in %d ms (draw %d ms, render %d ms)</div></div>`,
		took.Milliseconds(), r.Draw.Milliseconds(), r.Render.Milliseconds())
	gonbui.UpdateHTML(s.figureID, b.String())
}

// finish replaces the controls with a note and the live figure with a static output of the
// last setting shown, as PNG, which the saved notebook keeps.
func (s *session) finish(why string) error {
	for _, l := range s.listeners {
		l.Close()
	}
	s.stop.Close()
	gonbui.UpdateHTML(s.controlsID, fmt.Sprintf(`<div class="dlopt-stopped" style="color:#666">interactive figure %s at %s: run the cell again to explore</div>`,
		html.EscapeString(why), html.EscapeString(s.lastValues.String())))
	gonbui.UpdateHTML(s.figureID, "")
	r := s.last
	if r.Format != "png" {
		var err error
		if r, err = s.ia.Render(s.lastValues, "png"); err != nil {
			return err
		}
	}
	s.ia.showStatic(s.lastValues, r)
	return nil
}
