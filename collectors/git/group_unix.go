//go:build unix

package git

import (
	"os/exec"
	"syscall"
)

// killGroup runs cmd in a process group of its own and makes its
// cancellation end the whole group: `git fetch` runs a remote helper or ssh,
// which would otherwise outlive it and keep its output open.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
