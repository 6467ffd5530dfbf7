// Command runnotebooks executes GoNB notebooks headless (Jupyter nbconvert with the gonb
// kernel), writes the executed .ipynb and an HTML export with the plots inline to -out, and
// prints one line per notebook: ok or FAILED, wall and CPU seconds, CHECK lines and images. It exits 1 if
// any notebook failed, including a panic, os.Exit or failed !command inside a cell, which GoNB
// reports while nbconvert still exits 0.
//
//	go run ./tests/cmd/runnotebooks -out build/notebooks notebooks/*.ipynb
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dlopt/course/tests/internal/nbrun"
)

func main() {
	out := flag.String("out", "build/notebooks", "directory for the executed notebooks and their HTML")
	cellTimeout := flag.Duration("cell-timeout", 10*time.Minute, "limit for each cell")
	timeout := flag.Duration("timeout", 20*time.Minute, "limit for each notebook")
	html := flag.Bool("html", true, "also export each executed notebook to HTML")
	verbose := flag.Bool("v", false, "print the CHECK lines of every notebook")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: runnotebooks [flags] NOTEBOOK.ipynb...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	for _, nb := range flag.Args() {
		if !strings.HasSuffix(nb, ".ipynb") {
			fmt.Fprintf(os.Stderr, "runnotebooks: %q is not a .ipynb file\n", nb)
			os.Exit(2)
		}
		if _, err := os.Stat(nb); err != nil {
			fmt.Fprintf(os.Stderr, "runnotebooks: %v\n", err)
			os.Exit(2)
		}
	}
	if *cellTimeout <= 0 || *timeout <= 0 {
		fmt.Fprintf(os.Stderr, "runnotebooks: -cell-timeout %v and -timeout %v must be positive\n", *cellTimeout, *timeout)
		os.Exit(2)
	}
	failed, total, totalCPU := 0, 0.0, 0.0
	for _, nb := range flag.Args() {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		r := nbrun.Run(ctx, nb, nbrun.Options{OutDir: *out, CellTimeout: *cellTimeout, HTML: *html})
		cancel()
		total, totalCPU = total+r.Seconds, totalCPU+r.CPUSeconds
		status := "ok"
		if !r.OK() {
			status, failed = "FAILED", failed+1
		}
		fmt.Printf("%-6s %6.1fs (cpu %6.1fs)  %-40s %2d CHECK lines, %2d images\n", status, r.Seconds, r.CPUSeconds, nb, len(r.Checks), r.Images)
		if *verbose || !r.OK() {
			for _, c := range r.Checks {
				fmt.Printf("         %s\n", c)
			}
		}
		if !r.OK() {
			if r.Err != nil {
				fmt.Printf("         error: %v\n", r.Err)
				fmt.Printf("         log (last lines):\n%s\n", indentTail(r.Log, 30))
			}
			for _, p := range r.Problems {
				fmt.Printf("         %s\n", p)
			}
		}
	}
	fmt.Printf("%d notebooks, %d failed, %.1fs in total (cpu %.1fs); outputs in %s\n", flag.NArg(), failed, total, totalCPU, *out)
	if failed > 0 {
		os.Exit(1)
	}
}

// indentTail returns the last n lines of s, indented.
func indentTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "           " + strings.Join(lines, "\n           ")
}
