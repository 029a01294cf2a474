package engine

import (
	"context"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// Slot is one of a client's request slots (its limiter, sized by the
// template's MaxConcurrentRequest) held across whole runs instead of taken
// by each attempt: see Client.Reserve.
type Slot struct {
	sem      *semaphore.Weighted
	released atomic.Bool
}

// Reserve waits for one of the client's request slots and holds it until
// Release. A run given the slot (RunOptions.Slot) sends its requests under
// it instead of taking a slot per attempt, so a caller that must bound its
// work by the integration's limit — a channel's sender marks only as many
// messages "sending" as can be on their way — does so with the one
// limiter every request to the integration goes through, rather than a
// second one of its own. (Taking a slot before a run that takes its own
// would deadlock: the run would wait for the slot its caller holds.)
//
// Only the slot of this process is held; the slots replicas share
// (ClientConfig.Shared) are still taken per attempt. The runs given one
// slot must run one after the other, never at the same time.
func (c *Client) Reserve(ctx context.Context) (*Slot, error) {
	sem := c.cfg.Limiter
	if err := acquireSlot(ctx, sem, c.cfg.Waiting); err != nil {
		return nil, err
	}
	return &Slot{sem: sem}, nil
}

// Release gives the slot back. Releasing it again does nothing.
func (s *Slot) Release() {
	if s != nil && !s.released.Swap(true) {
		s.sem.Release(1)
	}
}

// covers reports whether an attempt going through the limiter sem may go
// out under the slot: it is that limiter's, and still held.
func (s *Slot) covers(sem *semaphore.Weighted) bool {
	return s != nil && s.sem == sem && !s.released.Load()
}
