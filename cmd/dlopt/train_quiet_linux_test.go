package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"github.com/dlopt/course/dlopt/experiment"
)

// openPTY opens a pseudo-terminal pair (Linux's /dev/ptmx): what the command writes to the
// terminal end arrives at the controlling end.
func openPTY(t *testing.T) (control, term *os.File) {
	t.Helper()
	control, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, control.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		t.Skipf("unlocking the pseudo-terminal: %v", errno)
	}
	var n uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, control.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); errno != 0 {
		t.Skipf("numbering the pseudo-terminal: %v", errno)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	return control, term
}

// trainOnTerminal runs the flag tests' training with stderr on a terminal and returns what the
// terminal received.
func trainOnTerminal(t *testing.T, extra ...string) string {
	t.Helper()
	control, term := openPTY(t)
	defer control.Close()
	var got bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // drain the terminal so that a long bar cannot block the run
		defer wg.Done()
		_, _ = io.Copy(&got, control)
	}()
	trainCLI(t, term, extra...)
	term.Close()
	control.Close() // ends io.Copy
	wg.Wait()
	return got.String()
}

// TestTrainFlagQuiet checks --quiet where it matters, on a terminal: without it the progress
// bar is drawn ("epoch 1/1 [" and the batch loss) and erased before the epoch line; with it the
// terminal receives nothing.
func TestTrainFlagQuiet(t *testing.T) {
	if _, err := experiment.LoadFashionMNIST(); err != nil {
		t.Skipf("no Fashion-MNIST (make setup): %v", err)
	}
	bar := trainOnTerminal(t)
	if !strings.Contains(bar, "epoch 1/1 [") || !strings.Contains(bar, "batch loss") || !strings.HasSuffix(bar, "\r\033[K") {
		t.Errorf("without --quiet, the terminal got %q; want a progress bar, erased at the end", bar)
	}
	if quiet := trainOnTerminal(t, "--quiet"); quiet != "" {
		t.Errorf("with --quiet, the terminal got %q; want nothing", quiet)
	}
}
