// Package memlimit owns the service's soft memory limit (the Go runtime's,
// as GOMEMLIMIT sets it) when the operator sets none: a floor that keeps a
// small installation small, raised as the live heap grows so that a large
// one never collects garbage without pause.
//
// Why: without a limit, the runtime lets the heap grow to twice what is
// live before collecting, and gives freed memory back to the system
// slowly; under load that was a third of the service's resident memory
// (callbench: 66–68 MiB peak without a limit, 56–58 MiB with 40 MiB, at
// the same CPU per call). A fixed limit below a large installation's live
// heap would make the collector run back to back, so the limit follows it.
//
// It must not change GOGC or anything else of the runtime, and does
// nothing when GOMEMLIMIT is set: the operator's word is final.
package memlimit

import (
	"context"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// DefaultFloor is the limit while the live heap is small.
const DefaultFloor = 40 << 20

// headroom is what the limit keeps above one and a half live heaps: room
// for the runtime's own memory (stacks, metadata) besides the heap.
const headroom = 8 << 20

// For returns the limit for a live heap of live bytes: the floor, or one
// and a half live heaps and some headroom when that is more. Half a live
// heap of room to allocate between collections makes them at most about
// twice as frequent as the runtime's default (a whole live heap), never
// back to back.
func For(floor, live uint64) int64 {
	l := live + live/2 + headroom
	if l < floor {
		l = floor
	}
	if l > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(l)
}

// Follow sets the limit for the current live heap and adjusts it every
// interval until ctx ends; it reports false, doing nothing, when
// GOMEMLIMIT is set.
func Follow(ctx context.Context, floor uint64, every time.Duration) bool {
	if os.Getenv("GOMEMLIMIT") != "" {
		return false
	}
	Adjust(floor)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				Adjust(floor)
			}
		}
	}()
	return true
}

// Adjust sets the limit for the live heap as the last collection found it.
func Adjust(floor uint64) int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	var live uint64
	if s[0].Value.Kind() == metrics.KindUint64 {
		live = s[0].Value.Uint64()
	}
	l := For(floor, live)
	debug.SetMemoryLimit(l)
	return l
}
