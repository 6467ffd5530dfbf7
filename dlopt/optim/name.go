package optim

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Name is an optimizer's name in its library: {Torch, "AdamW"} is torch.optim.AdamW and
// {Optax, "adamw"} is optax.adamw (whose weight_decay default differs).
type Name struct {
	Library, Name string
}

// String is the qualified form "library:name" that [ParseName] reads back.
func (n Name) String() string { return n.Library + ":" + n.Name }

// ParseName reads an optimizer name as the CLI, experiment configs and [NewByName] take it:
//
//   - "library:name" is that library's name, exactly as the library spells it
//     ("torch:AdamW", "optax:lion");
//   - a bare name is a PyTorch class name if one is spelt so ("Adam", "SGD"), else an optax
//     name ("adam", "lion");
//   - a bare name that matches only ignoring case is accepted when it matches exactly one
//     optimizer ("asgd" is torch:ASGD), and is an error otherwise: "Adamw" could be torch:AdamW
//     or optax:adamw, whose defaults differ (weight_decay 0.01 and 0.0001), and the error lists
//     both with those differences instead of picking one.
//
// Errors wrap [ErrUnknownName], name the input and list what is accepted.
func ParseName(s string) (Name, error) { return ResolveName(s, nil) }

// ResolveName is [ParseName] knowing more libraries: extra maps a library to its names, which
// are accepted in the qualified form only ("gomlx:adam" with extra {"gomlx": {"adam", ...}})
// and are listed in errors. The returned Name may be of such a library, for the caller to build.
func ResolveName(s string, extra map[string][]string) (Name, error) {
	libs := map[string][]string{Torch: Names(Torch), Optax: Names(Optax)}
	order := []string{Torch, Optax}
	for lib, names := range extra {
		libs[lib] = slices.Sorted(slices.Values(names))
		order = append(order, lib)
	}
	slices.Sort(order[2:])
	if lib, n, qualified := strings.Cut(s, ":"); qualified {
		names, ok := libs[lib]
		if !ok {
			return Name{}, kindErrorf(ErrUnknownName, "optimizer %q: unknown library %q: allowed are %s", s, lib, joinOr(order, "and"))
		}
		if slices.Contains(names, n) {
			return Name{lib, n}, nil
		}
		return Name{}, kindErrorf(ErrUnknownName, "optimizer %q: %s has no optimizer %q%s; it has %s", s, lib, n,
			didYouMean(foldMatches(libs, order, n)), strings.Join(names, ", "))
	}
	for _, lib := range []string{Torch, Optax} {
		if slices.Contains(libs[lib], s) {
			return Name{lib, s}, nil
		}
	}
	matches := foldMatches(libs, order, s)
	if len(matches) == 1 && (matches[0].Library == Torch || matches[0].Library == Optax) {
		return matches[0], nil
	}
	if len(matches) > 0 {
		return Name{}, kindErrorf(ErrUnknownName, "optimizer %q matches several optimizers only ignoring case: write one of %s%s",
			s, quoteNames(matches), defaultDifferences(matches))
	}
	var others []string
	for _, lib := range order[2:] {
		others = append(others, lib+":NAME ("+strings.Join(libs[lib], ", ")+")")
	}
	return Name{}, kindErrorf(ErrUnknownName, "optimizer %q is unknown: give a PyTorch class name (%s), an optax name (%s)%s",
		s, strings.Join(libs[Torch], ", "), strings.Join(libs[Optax], ", "), prefixed(" or ", strings.Join(others, " or ")))
}

// NewByName is [New] for a name in [ParseName]'s forms: NewByName("optax:lion",
// {"learning_rate": 0.1}) is New("optax", "lion", {"learning_rate": 0.1}). The keywords are the
// resolved library's, so "lr" for torch and "learning_rate" for optax.
func NewByName(name string, kwargs map[string]any) (*Optimizer, error) {
	n, err := ParseName(name)
	if err != nil {
		return nil, err
	}
	return New(n.Library, n.Name, kwargs)
}

// foldMatches lists the names of every library (in order) equal to s ignoring case.
func foldMatches(libs map[string][]string, order []string, s string) []Name {
	var out []Name
	for _, lib := range order {
		for _, n := range libs[lib] {
			if strings.EqualFold(n, s) {
				out = append(out, Name{lib, n})
			}
		}
	}
	return out
}

func didYouMean(matches []Name) string {
	if len(matches) == 0 {
		return ""
	}
	return " (did you mean " + quoteNames(matches) + "?)"
}

func quoteNames(ns []Name) string {
	q := make([]string, len(ns))
	for i, n := range ns {
		q[i] = strconv.Quote(n.String())
	}
	return joinOr(q, "or")
}

// joinOr joins words as "a, b and c" (conj "and") or "a, b or c".
func joinOr(words []string, conj string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// defaultDifferences says which hyperparameters, under the same name, default to different
// values in the candidates that this package builds (learning rates aside, since the caller
// gives those): "; their defaults differ: weight_decay is 0.01 in torch:AdamW, 0.0001 in
// optax:adamw". Candidates of other libraries are left out; empty when nothing differs.
func defaultDifferences(all []Name) string {
	var ns []Name
	for _, n := range all {
		if n.Library == Torch || n.Library == Optax {
			ns = append(ns, n)
		}
	}
	if len(ns) < 2 {
		return ""
	}
	values := make([]map[string]float64, len(ns))
	for i, n := range ns {
		lr := "lr"
		if n.Library == Optax {
			lr = "learning_rate"
		}
		opt, err := New(n.Library, n.Name, map[string]any{lr: 0.1})
		if err != nil {
			return ""
		}
		values[i] = map[string]float64{}
		for _, h := range opt.hypers {
			if h.Name != "lr" && h.Name != "learning_rate" {
				values[i][h.Name] = h.Value
			}
		}
	}
	var diffs []string
	for _, key := range slices.Sorted(maps.Keys(values[0])) {
		parts := []string{fmt.Sprintf("%g in %s", values[0][key], ns[0])}
		differs := false
		for i := 1; i < len(ns); i++ {
			v, ok := values[i][key]
			if !ok {
				parts = nil
				break
			}
			differs = differs || v != values[0][key]
			parts = append(parts, fmt.Sprintf("%g in %s", v, ns[i]))
		}
		if differs && parts != nil {
			diffs = append(diffs, key+" is "+strings.Join(parts, ", "))
		}
	}
	return prefixed("; their defaults differ: ", strings.Join(diffs, "; "))
}
