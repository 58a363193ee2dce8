//go:build !unix

package git

import "os/exec"

// killGroup leaves cmd as it is where there are no process groups: its
// cancellation kills git alone, and WaitDelay bounds the wait for the rest.
func killGroup(*exec.Cmd) {}
