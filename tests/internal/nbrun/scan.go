package nbrun

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Report is what the executed notebook's outputs say.
type Report struct {
	// Problems are failures: error outputs, stderr lines reporting a panic, an exit status or an
	// error, plotting cells without an image.
	Problems []string
	// Checks are the stdout lines that start with "CHECK".
	Checks []string
	// Images is the number of image/png outputs.
	Images int
	// StderrLines are the other stderr lines (warnings, logs): reported, not failures.
	StderrLines []string
}

// notebook is the part of the .ipynb format that the scan reads.
type notebook struct {
	Cells []struct {
		CellType string          `json:"cell_type"`
		Source   json.RawMessage `json:"source"`
		Outputs  []struct {
			OutputType string                     `json:"output_type"`
			Name       string                     `json:"name"`
			Text       json.RawMessage            `json:"text"`
			Data       map[string]json.RawMessage `json:"data"`
			EName      string                     `json:"ename"`
			EValue     string                     `json:"evalue"`
		} `json:"outputs"`
	} `json:"cells"`
}

// multiline decodes nbformat's "string or list of strings".
func multiline(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []string
	if json.Unmarshal(raw, &parts) == nil {
		return strings.Join(parts, "")
	}
	return string(raw)
}

// failureLine matches the stderr lines GoNB writes when a cell's program or command fails.
var failureLine = regexp.MustCompile(`^panic: |^fatal error: |^exit status [0-9]+|^\s*goroutine [0-9]+ \[|(?i)\berror\b|\bfailed\b`)

// showCall matches a cell that displays a figure (viz's Show/MustShow, or gonbui directly).
var showCall = regexp.MustCompile(`\.(Must)?Show\(|gonbui\.Display(PNG|Png|Image)\(`)

// ScanFile reads an executed notebook and reports its outputs.
func ScanFile(path string) (Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Report{}, err
	}
	return Scan(b)
}

// Scan reports on the outputs of an executed notebook given as .ipynb JSON.
func Scan(ipynb []byte) (Report, error) {
	var nb notebook
	if err := json.Unmarshal(ipynb, &nb); err != nil {
		return Report{}, fmt.Errorf("nbrun: not a notebook: %w", err)
	}
	var r Report
	codeCell := 0
	for _, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		codeCell++
		src := multiline(c.Source)
		images := 0
		for _, o := range c.Outputs {
			switch o.OutputType {
			case "error":
				r.Problems = append(r.Problems, fmt.Sprintf("code cell %d: error output %s: %s", codeCell, o.EName, firstLine(o.EValue)))
			case "stream":
				text := multiline(o.Text)
				for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
					switch {
					case o.Name == "stdout" && strings.HasPrefix(line, "CHECK"):
						r.Checks = append(r.Checks, line)
					case o.Name == "stderr" && failureLine.MatchString(line):
						r.Problems = append(r.Problems, fmt.Sprintf("code cell %d: stderr: %s", codeCell, line))
					case o.Name == "stderr" && strings.TrimSpace(line) != "":
						r.StderrLines = append(r.StderrLines, line)
					}
				}
			case "display_data", "execute_result":
				if _, ok := o.Data["image/png"]; ok {
					images++
				}
			}
		}
		r.Images += images
		if showCall.MatchString(src) && images == 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("code cell %d calls Show but has no image/png output", codeCell))
		}
	}
	if codeCell == 0 {
		r.Problems = append(r.Problems, "the notebook has no code cells")
	}
	return r, nil
}

// firstLine returns the first informative line of an error value (Go's compiler output starts
// with a "# package" line).
func firstLine(s string) string {
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if !strings.HasPrefix(line, "# ") && strings.TrimSpace(line) != "" {
			return line
		}
	}
	return strings.TrimSpace(s)
}
