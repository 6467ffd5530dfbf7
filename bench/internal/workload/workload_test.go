package workload

import (
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
)

func TestNewTrainer(t *testing.T) {
	backend, err := dlopt.Backend() // the one $DLOPT_BACKEND selects
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []Training{Softmax, MLP, CNN} {
		trainer, store, err := w.NewTrainer(backend, 1)
		if err != nil || trainer == nil || store == nil {
			t.Errorf("%s: NewTrainer = %v, %v, %v", w.Name, trainer, store, err)
		}
	}
	bad := Softmax
	bad.TorchClass = "Adamm"
	if _, _, err := bad.NewTrainer(backend, 1); err == nil || !strings.Contains(err.Error(), "Adamm") {
		t.Errorf("unknown optimizer class: error %v, want one naming %q", err, "Adamm")
	}
}
