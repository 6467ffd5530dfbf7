package optim

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Libraries whose names and keywords [New] understands.
const (
	Torch = "torch" // torch.optim class names: "SGD", "Adam", ...
	Optax = "optax" // optax public names: "adam", "nadam", "lion", ...
)

// Factory builds an optimizer from keyword arguments read through k (with the library's names
// and defaults). It must read every keyword it accepts, unconditionally, so that unknown ones
// can be reported.
type Factory func(k *Kwargs) (*Optimizer, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]map[string]Factory{Torch: {}, Optax: {}}
)

func register(library, name string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[library][name]; dup {
		panic(fmt.Sprintf("optim: %s optimizer %q registered twice", library, name))
	}
	registry[library][name] = f
}

// registerTorch adds a torch.optim class name (call it from an init function).
func registerTorch(class string, f Factory) { register(Torch, class, f) }

// registerOptax adds an optax public name (call it from an init function).
func registerOptax(name string, f Factory) { register(Optax, name, f) }

// Names lists the optimizer names registered for library, sorted (nil for an unknown library).
func Names(library string) []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	lib, ok := registry[library]
	if !ok {
		return nil
	}
	names := make([]string, 0, len(lib))
	for n := range lib {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New builds the optimizer that library calls name, from that library's keyword arguments
// with that library's defaults: New("torch", "Adam", {"lr": 0.1, "amsgrad": true}) or
// New("optax", "lion", {"learning_rate": 0.1}). Unknown libraries, names or keywords, wrong
// types and out-of-range values are errors that say what is accepted.
func New(library, name string, kwargs map[string]any) (*Optimizer, error) {
	registryMu.RLock()
	lib, ok := registry[library]
	var f Factory
	if ok {
		f = lib[name]
	}
	registryMu.RUnlock()
	if !ok {
		return nil, kindErrorf(ErrUnknownName, "unknown library %q: accepted are %q and %q", library, Torch, Optax)
	}
	if f == nil {
		return nil, kindErrorf(ErrUnknownName, "unknown %s optimizer %q; accepted: %s", library, name, strings.Join(Names(library), ", "))
	}
	k := NewKwargs(library, name, kwargs)
	opt, err := f(k)
	// Unknown keywords first: a misspelt "lr" for "learning_rate" is best answered with the list.
	if uerr := k.checkUnknown(); uerr != nil {
		return nil, uerr
	}
	if kerr := k.Err(); kerr != nil {
		return nil, kerr
	}
	if err != nil {
		return nil, err
	}
	return opt, nil
}
