//go:build !unix

package main

import "github.com/rs/zerolog"

// checkFileLimit has no open-files limit to check on this platform.
func (c *limitsConfig) checkFileLimit(zerolog.Logger) {}
