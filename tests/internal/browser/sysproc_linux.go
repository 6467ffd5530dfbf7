package browser

import (
	"os"
	"syscall"
)

// sysProcAttr puts Chromium in its own process group, so that Close can end all its helper
// processes at once, and kills it if the test binary dies without calling Close.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills the process group led by p. Errors mean the group is already gone.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}
