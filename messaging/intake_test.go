package messaging

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

// batchStore records how the intake stores messages: each call, with the
// provider ids it was given. The first writers calls (one per writer) wait
// until release is closed, so that the test can gather webhooks behind
// them.
type batchStore struct {
	store.Store // nil: only the methods below are called

	writers int
	entered chan struct{} // closed when the first writers calls began
	release chan struct{}
	// batchFails fails ReceiveInbounds; refused fails ReceiveInbound for
	// that provider id.
	batchFails bool
	refused    string

	mu    sync.Mutex
	calls [][]string
}

func newBatchStore(writers int) *batchStore {
	return &batchStore{writers: writers, entered: make(chan struct{}), release: make(chan struct{})}
}

func (b *batchStore) record(ins []store.Inbound) {
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.ProviderID
	}
	b.mu.Lock()
	b.calls = append(b.calls, ids)
	n := len(b.calls)
	b.mu.Unlock()
	if n == b.writers {
		close(b.entered)
	}
	if n <= b.writers {
		<-b.release
	}
}

func (b *batchStore) ReceiveInbounds(_ context.Context, ins []store.Inbound) ([]*store.InboundResult, error) {
	b.record(ins)
	if b.batchFails {
		return nil, errors.New("the batch failed")
	}
	out := make([]*store.InboundResult, len(ins))
	for i, in := range ins {
		out[i] = &store.InboundResult{Message: &store.Message{ProviderID: in.ProviderID}}
	}
	return out, nil
}

func (b *batchStore) ReceiveInbound(_ context.Context, in store.Inbound) (*store.InboundResult, error) {
	b.record([]store.Inbound{in})
	if in.ProviderID == b.refused {
		return nil, fmt.Errorf("%s refused", in.ProviderID)
	}
	return &store.InboundResult{Message: &store.Message{ProviderID: in.ProviderID}}, nil
}

func (b *batchStore) InboundWriters() int { return b.writers }

func (b *batchStore) callsMade() [][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.calls)
}

// intakeResult is what one webhook's receiveInbound answered.
type intakeResult struct {
	id  string
	got string // the provider id of the message it was answered with
	err error
}

// gatherBehindFirst has p-0 … p-(w-1) stored first, one per writer, held
// in the store, while p-w … p-(w+n-1) arrive and wait; once all wait, the
// store lets the first ones go. It returns each webhook's answer.
func gatherBehindFirst(t *testing.T, s *Service, b *batchStore, n int) map[string]intakeResult {
	t.Helper()
	w := b.writers
	results := make(chan intakeResult, w+n)
	receive := func(id string) {
		res, err := s.receiveInbound(context.Background(), store.Inbound{ProviderID: id})
		r := intakeResult{id: id, err: err}
		if err == nil {
			r.got = res.Message.ProviderID
		}
		results <- r
	}
	for i := range w {
		go receive(fmt.Sprintf("p-%d", i))
	}
	<-b.entered
	for i := w; i < w+n; i++ {
		go receive(fmt.Sprintf("p-%d", i))
	}
	for {
		if s.intake.Pending() == n {
			break
		}
		runtime.Gosched()
	}
	close(b.release)
	out := map[string]intakeResult{}
	for range w + n {
		r := <-results
		out[r.id] = r
	}
	return out
}

// Webhooks arriving while a message is being stored wait, and are stored
// together in one batch once it is; each is answered with its own
// message.
func TestIntakeStoresWebhooksArrivingTogetherInOneBatch(t *testing.T) {
	b := newBatchStore(1)
	s := &Service{store: b, intake: newIntake(b)}
	results := gatherBehindFirst(t, s, b, 5)
	for id, r := range results {
		require.NoError(t, r.err)
		require.Equal(t, id, r.got)
	}
	calls := b.callsMade()
	require.Len(t, calls, 2)
	require.Equal(t, []string{"p-0"}, calls[0], "the first is stored at once, alone")
	require.ElementsMatch(t, []string{"p-1", "p-2", "p-3", "p-4", "p-5"}, calls[1], "the others together")
	require.Zero(t, s.intake.Pending(), "nothing left to store")
}

// With two writers (PostgreSQL), two messages are stored side by side,
// and the messages arriving meanwhile go as one batch on the writer that
// frees first.
func TestIntakeStoresOnAsManyWritersAsTheStoreHas(t *testing.T) {
	b := newBatchStore(2)
	s := &Service{store: b, intake: newIntake(b)}
	results := gatherBehindFirst(t, s, b, 3)
	for id, r := range results {
		require.NoError(t, r.err)
		require.Equal(t, id, r.got)
	}
	calls := b.callsMade()
	require.Len(t, calls, 3)
	require.ElementsMatch(t, [][]string{{"p-0"}, {"p-1"}}, calls[:2], "stored side by side, alone")
	require.ElementsMatch(t, []string{"p-2", "p-3", "p-4"}, calls[2], "the others together")
	require.Zero(t, s.intake.Pending(), "nothing left to store")
}

// When a batch fails, each of its messages is stored on its own: a
// message the store refuses fails its own webhook only.
func TestIntakeStoresOneByOneWhenABatchFails(t *testing.T) {
	b := newBatchStore(1)
	b.batchFails, b.refused = true, "p-2"
	s := &Service{store: b, intake: newIntake(b)}
	results := gatherBehindFirst(t, s, b, 3)
	for id, r := range results {
		if id == "p-2" {
			require.EqualError(t, r.err, "p-2 refused")
			continue
		}
		require.NoError(t, r.err)
		require.Equal(t, id, r.got)
	}
	calls := b.callsMade()
	require.Len(t, calls, 5, "p-0, the batch, then p-1 … p-3 one by one")
	require.ElementsMatch(t, []string{"p-1", "p-2", "p-3"}, calls[1])
	require.ElementsMatch(t, [][]string{{"p-1"}, {"p-2"}, {"p-3"}}, calls[2:])
}

// Callers asking for a read while one runs do not get that read's
// answer, which may predate them: they share the next read, done once
// for them all.
func TestSharedReadsAreReadAfterTheCallersAsked(t *testing.T) {
	var r sharedReads[int]
	var reads int
	release := make(chan struct{})
	entered := make(chan struct{})
	read := func(context.Context) (int, error) {
		reads++ // one read at a time: sharedReads runs them one after the other
		if reads == 1 {
			close(entered)
			<-release
		}
		return reads, nil
	}
	first := make(chan int, 1)
	go func() {
		v, _ := r.get(context.Background(), "k", read)
		first <- v
	}()
	<-entered
	later := make(chan int, 3)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			v, err := r.get(context.Background(), "k", read)
			require.NoError(t, err)
			later <- v
		})
	}
	for {
		r.mu.Lock()
		next := r.keys["k"].next
		waiting := 0
		if next != nil {
			waiting = next.callers
		}
		r.mu.Unlock()
		if waiting == 3 {
			break
		}
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	require.Equal(t, 1, <-first)
	for range 3 {
		require.Equal(t, 2, <-later, "the read after the one running when they asked")
	}
	require.Equal(t, 2, reads, "one read for the three")
	require.Empty(t, r.keys, "nothing runs")
}
