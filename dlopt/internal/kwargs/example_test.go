package kwargs_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dlopt/course/dlopt/internal/kwargs"
)

func Example() {
	var values map[string]any
	_ = json.Unmarshal([]byte(`{"lr": 0.1, "step_size": 3, "gamma": null, "decay": 1}`), &values)
	r := kwargs.New(values, kwargs.Errors{
		Wrong:   func(key string, v any, want string) error { return fmt.Errorf("%s=%v must be %s", key, v, want) },
		Missing: func(key string) error { return fmt.Errorf("missing required keyword %q", key) },
	})
	lr := r.Float("lr", 1e-3)
	stepSize := r.Int("step_size", 1)
	gamma := r.Float("gamma", 0.1) // null: the default
	accepted := r.Read()
	fmt.Println(lr, stepSize, gamma, r.Err())
	fmt.Printf("unknown keyword(s) %s; accepted: %s\n", kwargs.Quote(r.Unknown(accepted)), strings.Join(accepted, ", "))
	// Output:
	// 0.1 3 0.1 <nil>
	// unknown keyword(s) "decay"; accepted: gamma, lr, step_size
}
