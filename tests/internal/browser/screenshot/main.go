// Command screenshot renders HTML files (the notebooks exported by `make notebooks`) in headless
// Chromium and saves a full-page PNG of each, for `make screenshots`:
//
//	go run ./tests/internal/browser/screenshot -out build/screenshots build/notebooks/05_x.html ...
//
// writes build/screenshots/05_x.png. Pages are shown 1100 CSS pixels wide, the width of
// Jupyter's own layout; pages taller than 16000 pixels are cut there.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dlopt/course/tests/internal/browser"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("screenshot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	outDir := fs.String("out", "build/screenshots", "folder for the PNG files")
	width := fs.Int("width", 1100, "page width in CSS pixels")
	timeout := fs.Duration("timeout", 60*time.Second, "time allowed per page")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "screenshot: no HTML files given (usage: screenshot [-out DIR] FILE.html...)")
		return 2
	}
	if *width < 200 || *width > 4000 {
		fmt.Fprintf(stderr, "screenshot: -width=%d: allowed are 200 to 4000 pixels\n", *width)
		return 2
	}
	for _, f := range fs.Args() {
		if !strings.HasSuffix(f, ".html") {
			fmt.Fprintf(stderr, "screenshot: %s: not an .html file\n", f)
			return 2
		}
		if _, err := os.Stat(f); err != nil {
			fmt.Fprintf(stderr, "screenshot: %v\n", err)
			return 2
		}
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "screenshot: %v\n", err)
		return 1
	}

	ctx := context.Background()
	b, err := browser.Launch(ctx, browser.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "screenshot:", err)
		return 1
	}
	defer b.Close()
	for _, f := range fs.Args() {
		out := filepath.Join(*outDir, strings.TrimSuffix(filepath.Base(f), ".html")+".png")
		if err := shoot(ctx, b, f, out, *width, *timeout); err != nil {
			fmt.Fprintf(stderr, "screenshot: %s: %v\n", f, err)
			return 1
		}
		fmt.Fprintf(stdout, "screenshot: %s -> %s\n", f, out)
	}
	return 0
}

// shoot renders one file in a fresh page, once its images have loaded, and writes the PNG.
func shoot(ctx context.Context, b *browser.Browser, file, out string, width int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	p, err := b.NewPage(ctx, width, 900)
	if err != nil {
		return err
	}
	if err := p.Navigate(ctx, (&url.URL{Scheme: "file", Path: abs}).String()); err != nil {
		return err
	}
	if err := p.WaitFor(ctx, "Array.from(document.images).every(i => i.complete)", 100*time.Millisecond); err != nil {
		return err
	}
	png, err := p.Screenshot(ctx, true)
	if err != nil {
		return err
	}
	return os.WriteFile(out, png, 0o644)
}
