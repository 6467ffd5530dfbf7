package viz

import (
	"bytes"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	Check(true, "x = %d", 1) // prints, must not panic
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "CHECK FAILED: y = 2") {
			t.Fatalf("recovered %v, want a panic naming the failed claim", r)
		}
	}()
	Check(false, "y = %d", 2)
}

func TestTable(t *testing.T) {
	var b bytes.Buffer
	if err := writeTable(&b, []string{"optimizer", "accuracy"}, [][]string{{"SGD", "0.81"}, {"Adam", "0.85"}}); err != nil {
		t.Fatal(err)
	}
	want := "optimizer  accuracy\nSGD        0.81\nAdam       0.85\n"
	if b.String() != want {
		t.Errorf("text table %q, want %q", b.String(), want)
	}
	if h := tableHTML([]string{"a<b"}, [][]string{{"x&y"}}); !strings.Contains(h, "<th>a&lt;b</th>") || !strings.Contains(h, "<td>x&amp;y</td>") {
		t.Errorf("HTML table %q does not escape its cells", h)
	}
	if err := Table([]string{"a", "b"}, [][]string{{"1"}}); err == nil || !strings.Contains(err.Error(), "row 0 has 1 cells for 2 headers") {
		t.Errorf("ragged table: error %v", err)
	}
	if err := Table(nil, nil); err == nil {
		t.Error("table without headers: no error")
	}
}
