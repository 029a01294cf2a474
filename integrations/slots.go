package integrations

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/store"
)

// slotLimiter bounds an integration's requests in flight across replicas
// with the store's request slots. It polls for a free slot; the per-process
// semaphore in front of it keeps the polling to the requests this replica
// could send anyway.
type slotLimiter struct {
	st  store.Store
	id  string
	n   int
	ttl time.Duration
	now func() time.Time
}

func (l *slotLimiter) Acquire(ctx context.Context) (func(), error) {
	owner := store.NewID("slot")
	wait := 2 * time.Millisecond
	for {
		ok, err := l.st.TryRequestSlot(ctx, l.id, l.n, owner, l.now(), l.ttl)
		if err != nil {
			return nil, err
		}
		if ok {
			return func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = l.st.ReleaseRequestSlot(ctx, l.id, owner) // a slot not given back expires with its lease
			}, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, 100*time.Millisecond)
	}
}
