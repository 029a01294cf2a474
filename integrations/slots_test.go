package integrations

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

// countingSlots is a real store's request slots, counting the statements
// the leaser sends and telling of each slot given back.
type countingSlots struct {
	store.SlotStore
	mu             sync.Mutex
	tries, leases  int
	givenBack      chan string
	refuseFromHere bool // every slot of the table is another replica's
}

func (c *countingSlots) TryRequestSlot(ctx context.Context, id string, n int, owner string, now time.Time, ttl time.Duration) (bool, error) {
	c.mu.Lock()
	c.tries++
	refuse := c.refuseFromHere
	c.mu.Unlock()
	if refuse {
		return false, nil
	}
	ok, err := c.SlotStore.TryRequestSlot(ctx, id, n, owner, now, ttl)
	if ok {
		c.mu.Lock()
		c.leases++
		c.mu.Unlock()
	}
	return ok, err
}

func (c *countingSlots) ReleaseRequestSlot(ctx context.Context, id, owner string) error {
	err := c.SlotStore.ReleaseRequestSlot(ctx, id, owner)
	c.givenBack <- owner
	return err
}

func newCountingSlots(t *testing.T) *countingSlots {
	st, err := store.OpenSQLite(t.Context(), t.TempDir(), testSealer(t))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return &countingSlots{SlotStore: st, givenBack: make(chan string, 100)}
}

func testSealer(t *testing.T) *store.Sealer {
	s, err := store.NewSealer([]byte("slots-test"))
	require.NoError(t, err)
	return s
}

// A replica sends many requests on one leased slot: one statement leases
// it, the next requests take it from the replica without a statement, and
// the slot goes back to the table once it lies idle.
func TestSlotLeaserReusesItsSlots(t *testing.T) {
	c := newCountingSlots(t)
	l := newSlotLeaser(c, "in1", 2, time.Minute, time.Now, slog.New(slog.DiscardHandler))
	for range 50 {
		release, err := l.Acquire(t.Context())
		require.NoError(t, err)
		release()
	}
	c.mu.Lock()
	require.Equal(t, 1, c.leases, "one lease served every request")
	require.Equal(t, 1, c.tries)
	c.mu.Unlock()
	select {
	case <-c.givenBack:
	case <-time.After(30 * time.Second):
		t.Fatal("the idle slot was not given back")
	}
	l.close()
}

// A slot held past slotHold goes back to the table when its request ends
// (the other replicas get their turn), and requests never hold more slots
// than the limit.
func TestSlotLeaserGivesBackAfterItsHold(t *testing.T) {
	c := newCountingSlots(t)
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	l := newSlotLeaser(c, "in1", 2, time.Minute, clock, slog.New(slog.DiscardHandler))
	r1, err := l.Acquire(t.Context())
	require.NoError(t, err)
	r2, err := l.Acquire(t.Context())
	require.NoError(t, err)
	ok, err := c.SlotStore.TryRequestSlot(t.Context(), "in1", 2, "other-replica", now, time.Minute)
	require.NoError(t, err)
	require.False(t, ok, "both slots are this replica's")

	mu.Lock()
	now = now.Add(slotHold)
	mu.Unlock()
	r1()
	select {
	case <-c.givenBack:
	default:
		t.Fatal("a slot held past its hold was kept")
	}
	ok, err = c.SlotStore.TryRequestSlot(t.Context(), "in1", 2, "other-replica", now, time.Minute)
	require.NoError(t, err)
	require.True(t, ok, "the other replica gets the slot given back")
	r2()
	l.close()
}

// When the table has no free slot, a request waits, and the end of one of
// this replica's requests hands it the slot at once.
func TestSlotLeaserWaitsForALocalRelease(t *testing.T) {
	c := newCountingSlots(t)
	l := newSlotLeaser(c, "in1", 1, time.Minute, time.Now, slog.New(slog.DiscardHandler))
	r1, err := l.Acquire(t.Context())
	require.NoError(t, err)
	c.mu.Lock()
	c.refuseFromHere = true
	c.mu.Unlock()

	got := make(chan func(), 1)
	go func() {
		r, err := l.Acquire(context.Background())
		if err == nil {
			got <- r
		}
	}()
	r1()
	select {
	case r2 := <-got:
		r2()
	case <-time.After(30 * time.Second):
		t.Fatal("the waiting request did not get the slot released")
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = l.Acquire(ctx)
	require.NoError(t, err, "a free slot of the replica needs no wait")
	l.close()
}
