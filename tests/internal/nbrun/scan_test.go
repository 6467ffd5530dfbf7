package nbrun

import (
	"encoding/json"
	"strings"
	"testing"
)

// cell builds a code cell with the given source and outputs.
func cell(src string, outputs ...map[string]any) map[string]any {
	if outputs == nil {
		outputs = []map[string]any{}
	}
	return map[string]any{"cell_type": "code", "source": []string{src}, "outputs": outputs}
}

func stream(name string, text any) map[string]any {
	return map[string]any{"output_type": "stream", "name": name, "text": text}
}

var png = map[string]any{"output_type": "display_data", "data": map[string]any{"image/png": "iVBOR"}}

func TestScan(t *testing.T) {
	md := map[string]any{"cell_type": "markdown", "source": "# title"}
	tests := []struct {
		name     string
		cells    []map[string]any
		problems []string // substrings, one per expected problem, in order
		checks   int
		images   int
	}{
		{"clean", []map[string]any{md, cell("x := 1"), cell("fig.MustShow()", png),
			cell("check()", stream("stdout", "CHECK a = 1\nother\nCHECK b\n"))}, nil, 2, 1},
		{"panic", []map[string]any{cell("panic(1)", stream("stderr", "panic: 1\n\ngoroutine 1 [running]:\nexit status 2\n"))},
			[]string{"panic: 1", "goroutine 1", "exit status 2"}, 0, 0},
		{"failed command", []map[string]any{cell("!false", stream("stderr", []string{"exit status 1\n"}))},
			[]string{"exit status 1"}, 0, 0},
		{"compile error", []map[string]any{cell("x :=", map[string]any{"output_type": "error", "ename": "ERROR", "evalue": "syntax error\nmore"})},
			[]string{"error output ERROR: syntax error"}, 0, 0},
		{"show without image", []map[string]any{cell("viz.Bars(a, c, g).Show()")}, []string{"no image/png"}, 0, 0},
		{"harmless stderr", []map[string]any{cell("log()", stream("stderr", "downloading nothing\n"))}, nil, 0, 0},
		{"CHECK on stderr is not a check", []map[string]any{cell("c()", stream("stderr", "CHECK x\n"))}, nil, 0, 0},
		{"no code", []map[string]any{md}, []string{"no code cells"}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(map[string]any{"cells": tc.cells})
			if err != nil {
				t.Fatal(err)
			}
			r, err := Scan(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Problems) != len(tc.problems) {
				t.Fatalf("problems %q, want %d matching %q", r.Problems, len(tc.problems), tc.problems)
			}
			for i, want := range tc.problems {
				if !strings.Contains(r.Problems[i], want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, r.Problems[i], want)
				}
			}
			if len(r.Checks) != tc.checks || r.Images != tc.images {
				t.Errorf("%d checks, %d images; want %d, %d", len(r.Checks), r.Images, tc.checks, tc.images)
			}
		})
	}
	if _, err := Scan([]byte("not json")); err == nil {
		t.Error("Scan of non-JSON succeeded")
	}
}
