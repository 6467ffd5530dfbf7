package models

import (
	"fmt"
	"math"
)

// Host-side (plain Go, float64) versions of the losses, for notebooks and for checking the
// graph versions. Like gonum's floats package they panic on slices of different lengths.

// LogSumExpF64 returns log(sum_i exp(s_i)) computed as m + log(sum_i exp(s_i - m)), m = max s.
func LogSumExpF64(s []float64) float64 {
	if len(s) == 0 {
		panic("models.LogSumExpF64: empty input")
	}
	m := math.Inf(-1)
	for _, v := range s {
		m = math.Max(m, v)
	}
	if math.IsInf(m, 0) {
		return m // all -Inf gives -Inf; any +Inf gives +Inf
	}
	var sum float64
	for _, v := range s {
		sum += math.Exp(v - m)
	}
	return m + math.Log(sum)
}

// SoftmaxF64 returns exp(s_i) / sum_j exp(s_j), computed from s - max(s).
func SoftmaxF64(s []float64) []float64 {
	lse := LogSumExpF64(s)
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = math.Exp(v - lse)
	}
	return out
}

// LogSoftmaxF64 returns s_i - LogSumExpF64(s).
func LogSoftmaxF64(s []float64) []float64 {
	lse := LogSumExpF64(s)
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = v - lse
	}
	return out
}

// CrossEntropyF64 returns H(p, q) = -sum_i p_i log q_i in nats; terms with p_i = 0 count 0.
func CrossEntropyF64(p, q []float64) float64 {
	if len(p) != len(q) {
		panic(fmt.Sprintf("models.CrossEntropyF64: len(p) = %d, len(q) = %d, want equal", len(p), len(q)))
	}
	var h float64
	for i, pi := range p {
		if pi != 0 {
			h -= pi * math.Log(q[i])
		}
	}
	return h
}

// CrossEntropyBitsF64 returns H(p, q) in bits: CrossEntropyF64(p, q) / ln 2.
func CrossEntropyBitsF64(p, q []float64) float64 {
	return CrossEntropyF64(p, q) / math.Ln2
}

// SoftmaxCrossEntropyF64 returns, for one example with logits s and integer label y, the loss
// LogSumExp(s) - s_y = H(e_y, softmax(s)) and its gradient softmax(s) - e_y.
// A label outside 0..len(s)-1 panics.
func SoftmaxCrossEntropyF64(s []float64, y int) (loss float64, grad []float64) {
	if y < 0 || y >= len(s) {
		panic(fmt.Sprintf("models.SoftmaxCrossEntropyF64: label %d out of range [0, %d)", y, len(s)))
	}
	grad = SoftmaxF64(s)
	grad[y]--
	return LogSumExpF64(s) - s[y], grad
}
