package optim

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestNewRejects checks that bad names, keywords, types and values are errors that say what is
// wrong and what is accepted.
func TestNewRejects(t *testing.T) {
	tests := []struct {
		library, name string
		kwargs        map[string]any
		kind          error
		wantInErr     []string
	}{
		{"keras", "SGD", nil, ErrUnknownName, []string{`"keras"`, "torch", "optax"}},
		{"torch", "Sgd", nil, ErrUnknownName, []string{`"Sgd"`, "SGD"}},
		{"torch", "SGD", map[string]any{"learning_rate": 0.1}, ErrUnknownKeyword, []string{`"learning_rate"`, "lr", "momentum"}},
		{"torch", "SGD", map[string]any{"lr": "fast"}, ErrBadKeyword, []string{`"lr"`, "a number"}},
		{"torch", "SGD", map[string]any{"lr": 0.1, "nesterov": 1.0}, ErrBadKeyword, []string{"nesterov", "true or false"}},
		{"torch", "SGD", map[string]any{"lr": -0.1}, ErrInvalidValue, []string{"lr = -0.1", "[0, +inf)"}},
		{"torch", "SGD", map[string]any{"lr": math.NaN()}, ErrInvalidValue, []string{"lr = NaN"}},
		{"torch", "SGD", map[string]any{"lr": 0.1, "momentum": 1.0}, ErrInvalidValue, []string{"momentum = 1", "[0, 1)"}},
		{"torch", "SGD", map[string]any{"lr": 0.1, "momentum": 0.9, "nesterov": true, "dampening": 0.1}, ErrInvalidValue, []string{"dampening"}},
		{"optax", "sgd", map[string]any{"learning_rate": 0.1, "momentum": -0.5}, ErrInvalidValue, []string{"momentum = -0.5"}},
		{"optax", "sgd", map[string]any{}, ErrBadKeyword, []string{`"learning_rate" is required`}},
	}
	for _, tt := range tests {
		_, err := New(tt.library, tt.name, tt.kwargs)
		if err == nil {
			t.Errorf("New(%q, %q, %v): no error", tt.library, tt.name, tt.kwargs)
			continue
		}
		if !errors.Is(err, tt.kind) {
			t.Errorf("New(%q, %q, %v) error %q is not a %v", tt.library, tt.name, tt.kwargs, err, tt.kind)
		}
		for _, want := range tt.wantInErr {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("New(%q, %q, %v) error %q does not mention %q", tt.library, tt.name, tt.kwargs, err, want)
			}
		}
	}
}

func TestRangeString(t *testing.T) {
	tests := []struct {
		r    Range
		want string
	}{
		{UnitInterval, "[0, 1)"},
		{Positive, "(0, +inf)"},
		{ClosedUnitInterval, "[0, 1]"},
		{AnyReal, "(-inf, +inf)"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("Range %+v: got %q, want %q", tt.r, got, tt.want)
		}
	}
}
