//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// report collects the figures, printed as they come and written to report.md at the end.
type report struct{ lines []string }

func (r *report) line(s string) {
	fmt.Println("imagetest:", s)
	r.lines = append(r.lines, s)
}

func (r *report) add(what string, d time.Duration) {
	r.line(fmt.Sprintf("| %s | %.1f s |", what, d.Seconds()))
}

func (r *report) write(c config) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Course image test, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Image %s, engine `%s`, written by tests/cmd/imagetest (make image-test).\n\n", c.image, strings.Join(c.engine, " "))
	b.WriteString("| what | measured |\n|---|---|\n")
	for _, l := range r.lines {
		b.WriteString(l + "\n")
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.out, "report.md"), []byte(b.String()), 0o644)
}
