package optim

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// fromConfig finishes a typed constructor (deferred, with its named results): a Config struct
// written by hand, as SGDConfig{} or AdamConfig{LR: 1e-3}, has zeros where the library has
// defaults, which would silently train with a learning rate of 0 or fail on a field the author
// never thought of. So:
//
//   - a learning rate (field LR or LearningRate) of 0 is an error, reported first: the
//     optimizer would never move. (PyTorch and optax accept 0; a run that cannot learn is refused here instead, by
//     name and keyword alike. A schedule may still bring the rate to 0 later, see SetHyper.)
//   - an invalid-value error gets a note naming the fields left at 0 where defaults (the
//     Default* constructor, called defaultsName in the message) has another value.
//
// Config types with a HasLearningRate field (optax's adadelta, whose learning_rate is None by
// default) are exempt from the first rule when HasLearningRate is false.
func fromConfig[C any](opt **Optimizer, err *error, c, defaults C, defaultsName string) {
	v, d := reflect.ValueOf(c), reflect.ValueOf(defaults)
	typeName := v.Type().Name()
	if field, keyword, zero := zeroLearningRate(v); zero {
		*opt = nil
		*err = errorf("%s.%s (keyword %q) is 0, so the optimizer would never move the parameters: give a learning rate > 0 "+
			"(a Config's zero fields are zeros, not the library's defaults: start from %s and change what you need)",
			typeName, field, keyword, defaultsName)
		return
	}
	if *err == nil || !errors.Is(*err, ErrInvalidValue) {
		return
	}
	var names, values []string
	for i := range v.NumField() {
		f, fd := v.Field(i), d.Field(i)
		if !v.Type().Field(i).IsExported() || !f.CanFloat() && !f.CanInt() {
			continue
		}
		if f.IsZero() && !fd.IsZero() {
			names = append(names, v.Type().Field(i).Name)
			values = append(values, fmt.Sprint(fd.Interface()))
		}
	}
	if len(names) == 0 {
		return
	}
	*err = &kindError{kind: ErrInvalidValue, cause: fmt.Errorf("%w (%s.%s %s 0 where %s has %s: a Config's zero fields are zeros, "+
		"not the library's defaults; start from %s and change what you need)", *err, typeName, strings.Join(names, ", "),
		isAre(len(names)), defaultsName, strings.Join(values, ", "), defaultsName)}
}

// zeroLearningRate finds a Config's learning rate field and reports whether it is 0.
func zeroLearningRate(v reflect.Value) (field, keyword string, zero bool) {
	if has := v.FieldByName("HasLearningRate"); has.IsValid() && has.Kind() == reflect.Bool && !has.Bool() {
		return "", "", false
	}
	for _, name := range []string{"LR", "LearningRate"} {
		f := v.FieldByName(name)
		if f.IsValid() && f.Kind() == reflect.Float64 {
			keyword := "learning_rate"
			if name == "LR" {
				keyword = "lr"
			}
			return name, keyword, f.Float() == 0
		}
	}
	return "", "", false
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
