package git

import (
	"os"

	"golang.org/x/sys/unix"
)

// growPipe asks for a 1 MiB pipe (Linux gives 64 KiB), so git can run ahead
// while DuckDB parses a buffer, instead of each waiting on the other. It is
// best effort: a smaller pipe is only slower.
func growPipe(w *os.File) {
	if raw, err := w.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) { unix.FcntlInt(fd, unix.F_SETPIPE_SZ, 1<<20) })
	}
}
