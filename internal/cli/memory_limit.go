package cli

import (
	"context"
	"runtime/debug"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/switchboard/switchboard/internal/memlimit"
)

// setMemoryLimit applies serve's --memory-limit: auto follows the live
// heap from a small floor (unless GOMEMLIMIT is set), off leaves the
// runtime's default, and a size is a fixed limit.
func setMemoryLimit(ctx context.Context, v string) error {
	switch v {
	case "auto":
		memlimit.Follow(ctx, memlimit.DefaultFloor, 2*time.Second)
	case "off":
	default:
		n, err := humanize.ParseBytes(v)
		if err != nil || n < 1<<20 {
			return usageErr("--memory-limit %q: give auto, off, or a size of at least 1MiB such as 256MiB", v)
		}
		debug.SetMemoryLimit(int64(min(n, 1<<62)))
	}
	return nil
}
