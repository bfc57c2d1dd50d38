//go:build unix

package main

import (
	"syscall"

	"github.com/rs/zerolog"
)

// checkFileLimit warns when the process may not open --max-conns
// connections: beyond its file limit, accepting fails and the kernel's
// backlog, not the 503 answer, turns clients away.
func (c *limitsConfig) checkFileLimit(log zerolog.Logger) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return
	}
	if need := uint64(c.conns.Total) + 256; rl.Cur < need {
		log.Warn().Uint64("open_files_limit", rl.Cur).Int("max_conns", c.conns.Total).
			Msg("the open-files limit is below --max-conns plus the database pool: lower --max-conns or raise the limit")
	}
}
