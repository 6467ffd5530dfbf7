package viz

import (
	"fmt"
	"html"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/janpfeifer/gonb/gonbui"
)

// Check states a claim a notebook makes: it prints "CHECK <claim>" when ok and panics with
// "CHECK FAILED: <claim>" otherwise, so a headless run (make notebooks) fails on a false claim.
// The claim should carry the measured numbers, e.g.
//
//	viz.Check(math.Abs(h-2) < 1e-12, "H(p, uniform) = %.3f bits", h)
func Check(ok bool, format string, args ...any) {
	claim := fmt.Sprintf(format, args...)
	if !ok {
		panic("CHECK FAILED: " + claim)
	}
	fmt.Println("CHECK " + claim)
}

// Table shows a table: as HTML inside a GoNB notebook, as aligned text on stdout elsewhere.
// Each row must have one cell per header.
func Table(headers []string, rows [][]string) error {
	if len(headers) == 0 {
		return fmt.Errorf("viz: Table needs at least one header")
	}
	for i, r := range rows {
		if len(r) != len(headers) {
			return fmt.Errorf("viz: Table row %d has %d cells for %d headers: one cell per header", i, len(r), len(headers))
		}
	}
	if gonbui.IsNotebook {
		gonbui.DisplayHTML(tableHTML(headers, rows))
		gonbui.Sync()
		return nil
	}
	return writeTable(os.Stdout, headers, rows)
}

func tableHTML(headers []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("<table><thead><tr>")
	for _, h := range headers {
		b.WriteString("<th>" + html.EscapeString(h) + "</th>")
	}
	b.WriteString("</tr></thead><tbody>")
	for _, r := range rows {
		b.WriteString("<tr>")
		for _, c := range r {
			b.WriteString("<td>" + html.EscapeString(c) + "</td>")
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	return b.String()
}

func writeTable(w io.Writer, headers []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(headers, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
