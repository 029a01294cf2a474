package integrations

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard/switchboard/store"
)

// slotHold is how long a replica keeps a shared request slot it leased
// before giving it back to the table: long enough that a busy replica
// sends many requests per lease (no statement per request), short enough
// that the other replicas get their turn within a second or so.
const slotHold = time.Second

// slotLeaser bounds an integration's requests in flight across replicas
// with the store's request slots, leased a while at a time: a request
// takes a slot this replica already holds when one is free, and leases
// one more from the table only when none is. A slot goes back to the table
// once it has been held slotHold (when the request using it ends, or when
// it lies idle), so that no replica keeps the integration's slots while
// others wait. When every slot is held, a request waits for this replica
// to free one, looking at the table now and then (with backoff) for
// slots the other replicas gave back. The per-process semaphore in front
// of it keeps the waiting to the requests this replica could send anyway.
type slotLeaser struct {
	st  store.SlotStore
	id  string
	n   int
	ttl time.Duration // a lease's life: longer than a request may take
	now func() time.Time
	log *slog.Logger

	mu      sync.Mutex
	free    []leasedSlot  // held by this replica, not in use
	freed   chan struct{} // closed (and replaced) when a slot comes free here
	sweeper *time.Timer   // gives idle slots back; nil when none is set
}

// leasedSlot is one slot of the table this replica holds.
type leasedSlot struct {
	owner string
	since time.Time
}

func newSlotLeaser(st store.SlotStore, id string, n int, ttl time.Duration, now func() time.Time, log *slog.Logger) *slotLeaser {
	return &slotLeaser{st: st, id: id, n: n, ttl: ttl, now: now, log: log, freed: make(chan struct{})}
}

// Acquire takes a slot and returns its release.
func (l *slotLeaser) Acquire(ctx context.Context) (func(), error) {
	wait := 5 * time.Millisecond
	for {
		l.mu.Lock()
		if n := len(l.free); n > 0 {
			s := l.free[n-1]
			l.free = l.free[:n-1]
			l.mu.Unlock()
			return func() { l.release(s) }, nil
		}
		freed := l.freed
		l.mu.Unlock()

		s := leasedSlot{owner: store.NewID("slot"), since: l.now()}
		ok, err := l.st.TryRequestSlot(ctx, l.id, l.n, s.owner, s.since, l.ttl)
		if err != nil {
			return nil, err
		}
		if ok {
			return func() { l.release(s) }, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-freed:
			t.Stop()
		case <-t.C:
			wait = min(wait*2, 200*time.Millisecond)
		}
	}
}

// release ends a request's use of a slot: the slot serves the next
// request of this replica, or goes back to the table once held slotHold.
func (l *slotLeaser) release(s leasedSlot) {
	if l.now().Sub(s.since) >= slotHold {
		l.giveBack(s)
		return
	}
	l.mu.Lock()
	l.free = append(l.free, s)
	close(l.freed)
	l.freed = make(chan struct{})
	if l.sweeper == nil {
		l.sweeper = time.AfterFunc(slotHold, l.sweep)
	}
	l.mu.Unlock()
}

// sweep gives back the idle slots held slotHold, and comes again while
// any stay.
func (l *slotLeaser) sweep() {
	now := l.now()
	l.mu.Lock()
	var done []leasedSlot
	kept := l.free[:0]
	for _, s := range l.free {
		if now.Sub(s.since) >= slotHold {
			done = append(done, s)
		} else {
			kept = append(kept, s)
		}
	}
	l.free = kept
	l.sweeper = nil
	if len(l.free) > 0 {
		l.sweeper = time.AfterFunc(slotHold, l.sweep)
	}
	l.mu.Unlock()
	for _, s := range done {
		l.giveBack(s)
	}
}

// giveBack returns a slot to the table; one not given back (the database
// is away) lapses when its lease ends.
func (l *slotLeaser) giveBack(s leasedSlot) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.st.ReleaseRequestSlot(ctx, l.id, s.owner); err != nil {
		l.log.Warn("giving back a request slot", slog.String("integration", l.id), slog.Any("err", err))
	}
}

// close gives back the idle slots now (the integration's limit changed or
// it was deleted); slots in use go back when their requests end.
func (l *slotLeaser) close() {
	l.mu.Lock()
	done := l.free
	l.free = nil
	if l.sweeper != nil {
		l.sweeper.Stop()
		l.sweeper = nil
	}
	l.mu.Unlock()
	for _, s := range done {
		l.giveBack(s)
	}
}
