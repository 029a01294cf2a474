package memlimit

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestForKeepsTheFloorUntilTheLiveHeapNeedsMore(t *testing.T) {
	require.EqualValues(t, DefaultFloor, For(DefaultFloor, 0))
	require.EqualValues(t, DefaultFloor, For(DefaultFloor, 20<<20), "1.5 × 20 MiB + 8 MiB is under the floor")
	require.EqualValues(t, 158<<20, For(DefaultFloor, 100<<20), "1.5 × 100 MiB + 8 MiB")
	require.EqualValues(t, int64(math.MaxInt64), For(DefaultFloor, 1<<63), "past what a limit can say: no limit")
}

// restoreLimit puts back the limit the test process had.
func restoreLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
}

// A live heap far above the floor raises the limit above it, with room to
// allocate: the collector is not made to run back to back.
func TestAdjustFollowsTheLiveHeap(t *testing.T) {
	restoreLimit(t)
	big := make([]byte, 96<<20)
	for i := range big {
		big[i] = byte(i)
	}
	runtime.GC()
	l := Adjust(DefaultFloor)
	require.Equal(t, l, debug.SetMemoryLimit(-1))
	require.GreaterOrEqual(t, l, int64(96<<20)*3/2, "at least one and a half of the live heap")
	runtime.KeepAlive(big)
}

func TestFollowLeavesAnOperatorsLimitAlone(t *testing.T) {
	restoreLimit(t)
	debug.SetMemoryLimit(123 << 20)
	t.Setenv("GOMEMLIMIT", "123MiB")
	require.False(t, Follow(t.Context(), DefaultFloor, time.Hour))
	require.EqualValues(t, 123<<20, debug.SetMemoryLimit(-1))
}

func TestFollowSetsTheLimitAtOnce(t *testing.T) {
	restoreLimit(t)
	t.Setenv("GOMEMLIMIT", "")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	require.True(t, Follow(ctx, DefaultFloor, time.Hour))
	require.GreaterOrEqual(t, debug.SetMemoryLimit(-1), int64(DefaultFloor))
	require.Less(t, debug.SetMemoryLimit(-1), int64(math.MaxInt64))
}
