package optim

import (
	"errors"
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Name
		wantErr []string // substrings of the error; nil: no error
	}{
		{in: "Adam", want: Name{Torch, "Adam"}},
		{in: "adam", want: Name{Optax, "adam"}},
		{in: "AdamW", want: Name{Torch, "AdamW"}},
		{in: "adamw", want: Name{Optax, "adamw"}},
		{in: "torch:SGD", want: Name{Torch, "SGD"}},
		{in: "optax:lion", want: Name{Optax, "lion"}},
		{in: "asgd", want: Name{Torch, "ASGD"}}, // one match ignoring case: no ambiguity
		{in: "Adamw", wantErr: []string{`"Adamw" matches several optimizers only ignoring case`, `"torch:AdamW" or "optax:adamw"`,
			"weight_decay is 0.01 in torch:AdamW, 0.0001 in optax:adamw"}},
		{in: "RMSProp", wantErr: []string{`"torch:RMSprop" or "optax:rmsprop"`}},
		{in: "torch:lion", wantErr: []string{`torch has no optimizer "lion" (did you mean "optax:lion"?)`, "SGD"}},
		{in: "keras:adam", wantErr: []string{`unknown library "keras": allowed are torch and optax`}},
		{in: "gomlx:adam", wantErr: []string{`unknown library "gomlx"`}}, // only ResolveName's extra libraries
		{in: "adamz", wantErr: []string{`"adamz" is unknown`, "Adam, AdamW", "adam, adamax"}},
		{in: "", wantErr: []string{`"" is unknown`}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseName(tc.in)
			if tc.wantErr == nil {
				if err != nil || got != tc.want {
					t.Fatalf("ParseName(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
				}
				if back, err := ParseName(got.String()); err != nil || back != got {
					t.Errorf("ParseName(%q) = %v, %v; want %v back", got.String(), back, err, got)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseName(%q) = %v, want an error", tc.in, got)
			}
			if !errors.Is(err, ErrUnknownName) {
				t.Errorf("error %q is not ErrUnknownName", err)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestResolveNameExtraLibrary(t *testing.T) {
	extra := map[string][]string{"gomlx": {"sgd", "adam"}}
	if got, err := ResolveName("gomlx:adam", extra); err != nil || got != (Name{"gomlx", "adam"}) {
		t.Errorf(`ResolveName("gomlx:adam") = %v, %v`, got, err)
	}
	// Bare names never resolve to an extra library, but the errors list it.
	if got, err := ResolveName("adam", extra); err != nil || got != (Name{Optax, "adam"}) {
		t.Errorf(`ResolveName("adam") = %v, %v; want optax:adam`, got, err)
	}
	_, err := ResolveName("ADAM", extra)
	if err == nil || !strings.Contains(err.Error(), `"torch:Adam", "optax:adam" or "gomlx:adam"`) {
		t.Errorf(`ResolveName("ADAM") error = %v; want the three candidates`, err)
	}
	_, err = ResolveName("nope", extra)
	if err == nil || !strings.Contains(err.Error(), "or gomlx:NAME (adam, sgd)") {
		t.Errorf(`ResolveName("nope") error = %v; want the gomlx names listed`, err)
	}
}

func TestNewByName(t *testing.T) {
	opt, err := NewByName("optax:lion", kw("learning_rate", 0.1))
	if err != nil || opt.Name() != "lion" {
		t.Fatalf(`NewByName("optax:lion") = %v, %v`, opt, err)
	}
	if _, err := NewByName("torch:Adam", kw("learning_rate", 0.1)); !errors.Is(err, ErrUnknownKeyword) {
		t.Errorf("torch:Adam with optax's keyword: err = %v, want ErrUnknownKeyword", err)
	}
	if _, err := NewByName("Adamw", kw("lr", 0.1)); !errors.Is(err, ErrUnknownName) {
		t.Errorf("Adamw: err = %v, want ErrUnknownName", err)
	}
}
