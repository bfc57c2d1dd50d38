package pattern

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestHostile covers the pattern rows of the hostile-input table
// (RELIABILITY.md): each must be decided quickly.
func TestHostile(t *testing.T) {
	deepParens := strings.Repeat("(", 10000) + "[file:a = 1]" + strings.Repeat(")", 10000)
	deepCmp := "[" + strings.Repeat("(", 10000) + "file:a = 1" + strings.Repeat(")", 10000) + "]"
	megabyte := "[file:a = '" + strings.Repeat("x", 1<<20) + "']"
	longChain := "[file:a = 1" + strings.Repeat(" OR file:a = 1", 4000) + "]"
	// Counted repetitions expand when compiled: 64 KiB of them would cost
	// a regexp.Compile per clause; validation must not.
	heavyRegex := "[file:a MATCHES '.{1000}.{1000}'" + strings.Repeat(" OR file:a MATCHES '.{1000}.{1000}'", 1800) + "]"
	tests := []struct {
		name    string
		in      string
		lim     Limits
		wantErr error // nil: must parse
	}{
		{"10 000 nested parentheses", deepParens, Limits{}, ErrTooDeep},
		{"10 000 nested comparison parentheses", deepCmp, Limits{}, ErrTooDeep},
		{"1 MB pattern", megabyte, Limits{}, ErrTooLong},
		{"catastrophic-backtracking regex is linear under RE2", "[file:name MATCHES '(a+)+$']", Limits{}, nil},
		{"long flat chain", longChain, Limits{}, nil},
		{"many expensive-to-compile regexes", heavyRegex, Limits{}, nil},
		{"depth at the limit", strings.Repeat("(", 63) + "[file:a = 1]" + strings.Repeat(")", 63), Limits{}, nil},
		{"depth over the limit", strings.Repeat("(", 64) + "[file:a = 1]" + strings.Repeat(")", 64), Limits{}, ErrTooDeep},
		{"raised depth limit", deepParens, Limits{MaxDepth: 10001}, nil},
		{"raised length limit", megabyte, Limits{MaxLength: 2 << 20}, nil},
		{"length at the limit", "[file:a = '" + strings.Repeat("x", 64<<10-13) + "']", Limits{}, nil},
		{"length over the limit", "[file:a = '" + strings.Repeat("x", 64<<10-12) + "']", Limits{}, ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := ParseWithLimits(tt.in, tt.lim)
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("took %v", elapsed)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("error %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("error %T, want *Error", err)
			}
		})
	}
}

// TestDepthErrorPosition checks that the depth error points at the first
// bracket over the limit.
func TestDepthErrorPosition(t *testing.T) {
	_, err := ParseWithLimits("(([[file:a = 1]]))", Limits{MaxDepth: 2})
	var perr *Error
	if !errors.As(err, &perr) || !errors.Is(err, ErrTooDeep) {
		t.Fatalf("error %v, want *Error wrapping ErrTooDeep", err)
	}
	if perr.Column != 3 || perr.Offset != 2 {
		t.Errorf("error at column %d offset %d, want column 3 offset 2", perr.Column, perr.Offset)
	}
}
