package groupcommit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/switchboard/switchboard/internal/groupcommit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A log of committed groups: each commit is one "transaction".
type log struct {
	mu     sync.Mutex
	groups [][]int
	gate   chan struct{} // when set, the first commit waits for it
	once   sync.Once
	inside chan struct{}
}

func (l *log) commit(_ context.Context, items []int) error {
	if l.gate != nil {
		first := false
		l.once.Do(func() { first = true })
		if first {
			close(l.inside)
			<-l.gate
		}
	}
	for _, it := range items {
		if it < 0 {
			return fmt.Errorf("item %d cannot be written", it)
		}
	}
	l.mu.Lock()
	l.groups = append(l.groups, append([]int(nil), items...))
	l.mu.Unlock()
	return nil
}

// Items arriving while a group commits go together in the next one, and
// every caller returns after its own item was committed.
func TestItemsWaitingGoInOneGroup(t *testing.T) {
	l := &log{gate: make(chan struct{}), inside: make(chan struct{})}
	c := groupcommit.New(groupcommit.Config[int]{Commit: l.commit})
	var wg sync.WaitGroup
	wg.Go(func() { require.NoError(t, c.Do(context.Background(), 0)) })
	<-l.inside // the first group is being committed
	const n = 50
	for i := 1; i <= n; i++ {
		wg.Go(func() { require.NoError(t, c.Do(context.Background(), i)) })
	}
	require.Eventually(t, func() bool { return c.Pending() == n }, 30*time.Second, time.Millisecond, "all wait behind the first group")
	close(l.gate)
	wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	total := 0
	for _, g := range l.groups {
		total += len(g)
	}
	require.Equal(t, n+1, total, "every item committed once")
	require.Len(t, l.groups, 2, "the items that waited went in one group: %v", l.groups)
}

// A group that fails is committed item by item: the item that cannot be
// written gets its error, the others are written.
func TestAFailingItemFailsAlone(t *testing.T) {
	l := &log{gate: make(chan struct{}), inside: make(chan struct{})}
	var settled []int
	var mu sync.Mutex
	c := groupcommit.New(groupcommit.Config[int]{Commit: l.commit, Settled: func(_ context.Context, items []int) {
		mu.Lock()
		settled = append(settled, items...)
		mu.Unlock()
	}})
	var wg sync.WaitGroup
	wg.Go(func() { require.NoError(t, c.Do(context.Background(), 100)) })
	<-l.inside
	errs := make(chan error, 3)
	for _, it := range []int{1, -1, 2} {
		wg.Go(func() { errs <- c.Do(context.Background(), it) })
	}
	require.Eventually(t, func() bool { return c.Pending() == 3 }, 30*time.Second, time.Millisecond)
	close(l.gate)
	wg.Wait()
	close(errs)
	var failed []error
	for err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	require.Len(t, failed, 1)
	require.ErrorContains(t, failed[0], "item -1 cannot be written")
	mu.Lock()
	require.ElementsMatch(t, []int{100, 1, 2}, settled, "only committed items are settled")
	mu.Unlock()
}

// A caller that gives up returns at once; the others are not failed.
func TestACallerGivingUpFailsOnlyItself(t *testing.T) {
	l := &log{gate: make(chan struct{}), inside: make(chan struct{})}
	c := groupcommit.New(groupcommit.Config[int]{Commit: l.commit})
	var wg sync.WaitGroup
	wg.Go(func() { require.NoError(t, c.Do(context.Background(), 1)) })
	<-l.inside
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.True(t, errors.Is(c.Do(ctx, 2), context.Canceled))
	close(l.gate)
	wg.Wait()
}

// Committers running side by side never commit an empty group, whatever
// order they finish in (two finishing together used to both start one).
func TestParallelCommittersNeverCommitNothing(t *testing.T) {
	var mu sync.Mutex
	empty := 0
	c := groupcommit.New(groupcommit.Config[int]{Parallel: 4, Commit: func(_ context.Context, items []int) error {
		if len(items) == 0 {
			mu.Lock()
			empty++
			mu.Unlock()
			return errors.New("empty group")
		}
		return nil
	}})
	var wg sync.WaitGroup
	for i := range 2000 {
		wg.Go(func() { require.NoError(t, c.Do(context.Background(), i)) })
	}
	wg.Wait()
	require.Zero(t, empty)
	require.Zero(t, c.Pending())
}
