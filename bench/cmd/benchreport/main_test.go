package main

import (
	"os"
	"strings"
	"testing"
)

func TestReadResultsRejectsIncompleteLines(t *testing.T) {
	for _, input := range []string{
		`{"workload":"mlp","impl":"dlopt"}`,
		`{"workload":"mlp","seconds":[1]}`,
		`not json`,
	} {
		if _, err := readResults(strings.NewReader(input)); err == nil {
			t.Errorf("readResults(%q) gave no error", input)
		}
	}
}

func TestReportRatioUsesBestPeer(t *testing.T) {
	input := `{"workload":"mlp","impl":"dlopt","seconds":[4,6,5],"unit":"epoch","check":0.5,"check_name":"loss","peak_rss_mb":100}
{"workload":"mlp","impl":"pytorch-2t","seconds":[2,2,2],"unit":"epoch","check":0.49,"check_name":"loss","peak_rss_mb":300}
{"workload":"mlp","impl":"pytorch-1t","seconds":[1,1],"unit":"epoch","check":0.49,"check_name":"loss","peak_rss_mb":290}
{"workload":"matmul","impl":"pytorch-2t","seconds":[0.001],"unit":"product","check":50,"check_name":"GFLOP/s","peak_rss_mb":200}
`
	results, err := readResults(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := writeReport(&out, results); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want header, separator and 2 rows, got:\n%s", out.String())
	}
	// dlopt median 5 s over the best peer's 1 s.
	for _, want := range []string{"| mlp | epoch | 5.00 s (±20%, n=3) | 2.00 s (±0%, n=3) | 1.00 s (±0%, n=2) | 5.00 |", "100 MiB | 300 MiB | 290 MiB"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("mlp row lacks %q:\n%s", want, lines[2])
		}
	}
	if !strings.HasPrefix(lines[3], "| matmul | product | – | 1.00 ms") || !strings.Contains(lines[3], "| – |") {
		t.Errorf("matmul row (no dlopt run) should show dashes:\n%s", lines[3])
	}
}

func Example() {
	results, _ := readResults(strings.NewReader(
		`{"workload":"quadratic","impl":"dlopt","seconds":[0.9,1.1,1.0],"unit":"10k steps","check":61006.8,"check_name":"final f","peak_rss_mb":24}
{"workload":"quadratic","impl":"pytorch","seconds":[0.5,0.5,0.5],"unit":"10k steps","check":61007.3,"check_name":"final f","peak_rss_mb":233}`))
	_ = writeReport(os.Stdout, results)
	// Output:
	// | workload | unit | dlopt median (spread) | pytorch median (spread) | dlopt / best peer | dlopt peak RSS | pytorch peak RSS | check |
	// |---|---|---|---|---|---|---|---|
	// | quadratic | 10k steps | 1.00 s (±10%, n=3) | 500.00 ms (±0%, n=3) | 2.00 | 24 MiB | 233 MiB | final f: dlopt 61006.8, pytorch 61007.3 |
}

func TestBeforeAfter(t *testing.T) {
	input := `{"workload":"mlp","impl":"before","seconds":[10,11,12],"unit":"epoch","check":0.3,"check_name":"loss","peak_rss_mb":100}
{"workload":"mlp","impl":"after","seconds":[1,1.2,1.1],"unit":"epoch","check":0.3,"check_name":"loss","peak_rss_mb":90}
{"workload":"mlp","impl":"pytorch-2t","seconds":[1,1,1],"unit":"epoch","check":0.31,"check_name":"loss","peak_rss_mb":300}
{"workload":"matmul","impl":"before","seconds":[0.02],"unit":"product","check":8,"check_name":"GFLOP/s","peak_rss_mb":20}
{"workload":"matmul","impl":"after","seconds":[0.003],"unit":"product","check":70,"check_name":"GFLOP/s","peak_rss_mb":20}
{"workload":"matmul","impl":"pytorch-2t","seconds":[0.002],"unit":"product","check":100,"check_name":"GFLOP/s","peak_rss_mb":200}
{"workload":"quadratic","impl":"before","seconds":[0.1],"unit":"10k steps","check":61007,"check_name":"final f","peak_rss_mb":20}
{"workload":"quadratic","impl":"after","seconds":[0.2],"unit":"10k steps","check":61007,"check_name":"final f","peak_rss_mb":20}
`
	results, err := readResults(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	if !isBeforeAfter(results) {
		t.Fatal("not recognised as a before/after run")
	}
	var out strings.Builder
	if err := writeBeforeAfter(&out, results); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		// mlp: after 1.1 s over before 11 s, over the peer's 1 s: 1.10 > 1.0, target missed.
		"| mlp | epoch | 11.00 s ±9% (n=3) | 1.10 s ±9% (n=3) | 0.10 | 1.00 s ±0% (n=3) | 1.10 | time ≤ 1.0x peer's; not slower than before | target: **no**, vs before: yes | 100 / 90 MiB |",
		// matmul: 70 over 100 GFLOP/s is below 0.8.
		"| matmul | product | 8.0 GFLOP/s (20.00 ms) | 70.0 GFLOP/s (3.00 ms) | 0.15 | 100.0 GFLOP/s (2.00 ms) | 0.70 |",
		"target: **no**, vs before: yes",
		// quadratic: no peer, no target, twice as slow as before.
		"| quadratic | 10k steps | 100.00 ms ±0% (n=1) | 200.00 ms ±0% (n=1) | 2.00 | – | – | not slower than before | vs before: **no** |",
		"Missed: mlp: target missed (after / peer 1.10); matmul: target missed (after / peer 0.70); quadratic: slower than before (after / before 2.00).",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

// TestBeforeAfterONNX: with after-onnx lines the table gets ONNX Runtime's time and its ratio to
// the peer (GFLOP/s for matmul), which is not a peer and is held to no target; a workload it
// did not run shows dashes.
func TestBeforeAfterONNX(t *testing.T) {
	input := `{"workload":"mlp","impl":"before","seconds":[10,11,12],"unit":"epoch","check":0.3,"check_name":"loss","peak_rss_mb":100}
{"workload":"mlp","impl":"after","seconds":[1,1.2,1.1],"unit":"epoch","check":0.3,"check_name":"loss","peak_rss_mb":90}
{"workload":"mlp","impl":"after-onnx","seconds":[0.5,0.5,0.5],"unit":"epoch","check":0.3,"check_name":"loss","peak_rss_mb":150}
{"workload":"mlp","impl":"pytorch-2t","seconds":[1,1,1],"unit":"epoch","check":0.31,"check_name":"loss","peak_rss_mb":300}
{"workload":"matmul","impl":"before","seconds":[0.02],"unit":"product","check":8,"check_name":"GFLOP/s","peak_rss_mb":20}
{"workload":"matmul","impl":"after","seconds":[0.003],"unit":"product","check":70,"check_name":"GFLOP/s","peak_rss_mb":20}
{"workload":"matmul","impl":"after-onnx","seconds":[0.0025],"unit":"product","check":90,"check_name":"GFLOP/s","peak_rss_mb":60}
{"workload":"matmul","impl":"pytorch-2t","seconds":[0.002],"unit":"product","check":100,"check_name":"GFLOP/s","peak_rss_mb":200}
{"workload":"quadratic","impl":"before","seconds":[0.1],"unit":"10k steps","check":61007,"check_name":"final f","peak_rss_mb":20}
{"workload":"quadratic","impl":"after","seconds":[0.1],"unit":"10k steps","check":61007,"check_name":"final f","peak_rss_mb":20}
{"workload":"quadratic","impl":"pytorch-2t","seconds":[0.05],"unit":"10k steps","check":61007,"check_name":"final f","peak_rss_mb":200}
`
	results, err := readResults(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := writeBeforeAfter(&out, results); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"| workload | unit | before (GoMLX v0.26) | after (GoMLX v0.28) | after / before | pytorch-2t | after / peer | after on ONNX Runtime | ONNX / peer | target | met | peak RSS before / after / ONNX | check |",
		// mlp: ONNX's 0.5 s over the peer's 1 s; after's 1.10 still misses the target.
		"| mlp | epoch | 11.00 s ±9% (n=3) | 1.10 s ±9% (n=3) | 0.10 | 1.00 s ±0% (n=3) | 1.10 | 500.00 ms ±0% (n=3) | 0.50 | time ≤ 1.0x peer's; not slower than before | target: **no**, vs before: yes | 100 / 90 / 150 MiB | loss: before 0.3, after 0.3, after-onnx 0.3, pytorch-2t 0.31 |",
		// matmul: 90 over 100 GFLOP/s.
		"| matmul | product | 8.0 GFLOP/s (20.00 ms) | 70.0 GFLOP/s (3.00 ms) | 0.15 | 100.0 GFLOP/s (2.00 ms) | 0.70 | 90.0 GFLOP/s (2.50 ms) | 0.90 |",
		// quadratic: no ONNX run.
		"| quadratic | 10k steps | 100.00 ms ±0% (n=1) | 100.00 ms ±0% (n=1) | 1.00 | 50.00 ms ±0% (n=1) | 2.00 | – | – | not slower than before | vs before: yes | 20 / 20 / – MiB |",
		"Missed: mlp: target missed (after / peer 1.10); matmul: target missed (after / peer 0.70).",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}
