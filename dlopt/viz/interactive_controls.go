package viz

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Control is one input of an [Interactive] figure: a slider ([Slider], [LogSlider]) or a drop-down
// list ([Choice]). A control with invalid settings carries its error, which [NewInteractive]
// reports.
type Control struct {
	name    string
	kind    controlKind
	lo, hi  float64 // the range (a log slider: both positive)
	step    float64 // linear: the value step; log: positions per decade
	value   float64 // the default value
	options []string
	choice  int // the default option
	n       int // positions 0..n
	err     error
}

type controlKind int

const (
	linearSlider controlKind = iota
	logSlider
	choiceList
)

// maxPositions bounds the positions of a slider: more cannot be told apart by a mouse and would
// only queue redraws.
const maxPositions = 10000

// Slider is a slider for a number from min to max in steps of step, starting at value (rounded
// to the nearest step). Its values are min + i·step, i = 0, 1, ..., (max-min)/step, which must be
// a whole number of steps.
func Slider(name string, min, max, step, value float64) Control {
	c := Control{name: name, kind: linearSlider, lo: min, hi: max, step: step, value: value}
	if !finite(min+max+step+value) || !(min < max) {
		return c.failed("range %g..%g: need finite min < max", min, max)
	}
	if !(step > 0) {
		return c.failed("step %g: must be > 0", step)
	}
	n := math.Round((max - min) / step)
	if math.Abs(n*step-(max-min)) > 1e-9*(max-min) {
		return c.failed("step %g does not divide the range %g..%g into whole steps", step, min, max)
	}
	if n > maxPositions {
		return c.failed("step %g gives %.0f positions on %g..%g: at most %d allowed", step, n, min, max, maxPositions)
	}
	if value < min || value > max {
		return c.failed("value %g is outside the range %g..%g", value, min, max)
	}
	c.n = int(n)
	c.value = c.at(c.position(value))
	return c
}

// LogSlider is a slider for a positive number from min to max on a logarithmic scale, with
// perDecade positions per factor of 10 (a learning rate, a number of steps), starting at value
// (rounded to the nearest position). log10(max/min)·perDecade must be a whole number.
func LogSlider(name string, min, max float64, perDecade int, value float64) Control {
	c := Control{name: name, kind: logSlider, lo: min, hi: max, step: float64(perDecade), value: value}
	if !finite(min+max+value) || !(min > 0 && min < max) {
		return c.failed("range %g..%g: need finite 0 < min < max", min, max)
	}
	if perDecade < 1 || perDecade > 1000 {
		return c.failed("%d positions per decade: allowed are 1..1000", perDecade)
	}
	n := math.Log10(max/min) * float64(perDecade)
	if math.Abs(n-math.Round(n)) > 1e-6 {
		return c.failed("range %g..%g is %.4g decades: with %d positions per decade it must be a whole number of positions",
			min, max, math.Log10(max/min), perDecade)
	}
	if n = math.Round(n); n > maxPositions {
		return c.failed("%.0f positions: at most %d allowed", n, maxPositions)
	}
	if value < min || value > max {
		return c.failed("value %g is outside the range %g..%g", value, min, max)
	}
	c.n = int(n)
	c.value = c.at(c.position(value))
	return c
}

// Choice is a drop-down list of options starting at value, which must be one of them.
func Choice(name string, options []string, value string) Control {
	c := Control{name: name, kind: choiceList, options: slices.Clone(options)}
	if len(options) == 0 {
		return c.failed("no options")
	}
	for i, o := range options {
		if o == "" || slices.Index(options, o) != i {
			return c.failed("option %d (%q) is empty or repeated: options must be distinct and non-empty", i, o)
		}
	}
	c.choice = slices.Index(options, value)
	if c.choice < 0 {
		return c.failed("value %q is not one of the options %q", value, options)
	}
	c.n = len(options) - 1
	return c
}

func (c Control) failed(format string, args ...any) Control {
	kind := [...]string{"Slider", "LogSlider", "Choice"}[c.kind]
	c.err = fmt.Errorf("viz: %s %q: %s", kind, c.name, fmt.Sprintf(format, args...))
	return c
}

// Name is the control's label, which [Values] uses as its key.
func (c Control) Name() string { return c.name }

// Err reports why the control is invalid, or nil.
func (c Control) Err() error { return c.err }

// position is the slider position nearest to the value v (in range).
func (c Control) position(v float64) int {
	var p float64
	if c.kind == logSlider {
		p = math.Log10(v/c.lo) * c.step
	} else {
		p = (v - c.lo) / c.step
	}
	return min(max(int(math.Round(p)), 0), c.n)
}

// at is the slider's value at position p, rounded to 12 significant digits so that 0.1 + 2·0.1
// reads 0.3 (the value is shown and compared as a decimal).
func (c Control) at(p int) float64 {
	var v float64
	switch {
	case p == c.n:
		v = c.hi
	case c.kind == logSlider:
		v = c.lo * math.Pow(10, float64(p)/c.step)
	default:
		v = c.lo + float64(p)*c.step
	}
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return v
}

// defaultPosition is where the control starts.
func (c Control) defaultPosition() int {
	if c.kind == choiceList {
		return c.choice
	}
	return c.position(c.value)
}

// format shows a value of the control: as many decimals as its step needs (linear), three
// significant digits or a whole number from 100 (log).
func (c Control) format(v float64) string {
	if c.kind == logSlider {
		if v >= 100 && v < 1e9 {
			return strconv.FormatFloat(math.Round(v), 'f', 0, 64) // a count: K = 2154
		}
		r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
		return strconv.FormatFloat(r, 'f', -1, 64) // 0.00178, not 1.78e-03
	}
	return strconv.FormatFloat(v, 'f', c.decimals(), 64)
}

// decimals is the number of decimals a linear slider's step needs (at most 8).
func (c Control) decimals() int {
	d := 0
	for d < 8 && math.Abs(c.step*math.Pow(10, float64(d))-math.Round(c.step*math.Pow(10, float64(d)))) > 1e-9 {
		d++
	}
	return d
}

// Values holds one setting of an interactive figure's controls, by control name.
type Values struct {
	controls []Control
	pos      []int
}

func (v Values) find(name string, choice bool) Control {
	for i, c := range v.controls {
		if c.name == name {
			if (c.kind == choiceList) != choice {
				panic(fmt.Sprintf("viz: control %q is a %s: read it with Values.%s", name,
					map[bool]string{true: "choice", false: "slider"}[c.kind == choiceList],
					map[bool]string{true: "Choice", false: "Float"}[c.kind == choiceList]))
			}
			c.value = c.at(v.pos[i])
			c.choice = v.pos[i]
			return c
		}
	}
	names := make([]string, len(v.controls))
	for i, c := range v.controls {
		names[i] = c.name
	}
	panic(fmt.Sprintf("viz: no control named %q: the controls are %q", name, names))
}

// Float is the value of the slider name. An unknown name or a Choice is a programming error of
// the figure: it panics, and [Interactive] turns the panic into the draw function's error.
func (v Values) Float(name string) float64 { return v.find(name, false).value }

// Int is the value of the slider name rounded to the nearest integer (a number of steps).
func (v Values) Int(name string) int { return int(math.Round(v.Float(name))) }

// Choice is the selected option of the Choice control name (see [Values.Float] on errors).
func (v Values) Choice(name string) string {
	c := v.find(name, true)
	return c.options[c.choice]
}

// String lists the settings as "name = value" pairs, as the figure shows them.
func (v Values) String() string {
	parts := make([]string, len(v.controls))
	for i, c := range v.controls {
		if c.kind == choiceList {
			parts[i] = c.name + " = " + c.options[v.pos[i]]
		} else {
			parts[i] = c.name + " = " + c.format(c.at(v.pos[i]))
		}
	}
	return strings.Join(parts, ", ")
}
