package batched_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/decentral/batched"
	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"
)

// Every bad input is refused with decentral's error kind and a message naming the bad value.
func TestInputErrors(t *testing.T) {
	linear := models.Linear{Classes: 2}
	cases := []struct {
		name string
		err  func() error
		kind error
		want string
	}{
		{"no local optimizer", func() error { _, err := batched.NewRounds(nil, decentral.DSGD, 2); return err },
			decentral.ErrInvalidValue, "no local optimizer"},
		{"unknown algorithm", func() error { _, err := batched.NewRounds(sgd(t, 0.1), "push-sum", 2); return err },
			decentral.ErrUnknownName, "push-sum"},
		{"no workers", func() error { _, err := batched.NewRounds(sgd(t, 0.1), decentral.DSGD, 0); return err },
			decentral.ErrInvalidValue, "0 workers"},
		{"ragged mixing matrix", func() error {
			return batched.SetMixing(model.NewStore(), [][]float64{{0.5, 0.5}, {1}}, dtypes.Float32)
		}, decentral.ErrInvalidValue, "row 1 has 1 entries, want 2"},
		{"model without workers", func() error { return batched.WorkerModel{Base: linear}.Validate() },
			decentral.ErrInvalidValue, "0 workers"},
		{"model without base", func() error { return batched.WorkerModel{Workers: 2}.Validate() },
			decentral.ErrInvalidValue, "no base model"},
		{"base without a batched version", func() error {
			_, err := batched.WorkerModel{Base: models.TwoLayer{}, Workers: 2}.ModelFn()
			return err
		}, decentral.ErrInvalidValue, "models.Linear, models.MLP and models.CNN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.err()
			if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v; want %v naming %q", err, c.kind, c.want)
			}
		})
	}
}
