// Package nbrun executes GoNB notebooks headless through Jupyter's nbconvert and judges the
// executed outputs. It is shared by the `runnotebooks` program (make notebooks) and the
// notebook test in tests/.
//
// nbconvert exits non-zero only when a cell fails to compile: a panic, os.Exit(n) or a failing
// `!command` inside a cell is printed to stderr by GoNB while nbconvert still exits 0. So the
// verdict comes from scanning the executed notebook: error outputs, stderr lines that report a
// panic, an exit status or an error, cells that call Show without producing an image/png output,
// and (for the test) the presence of "CHECK" lines.
package nbrun
