package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/store"
)

type echoArgs struct {
	Key string `json:"key"`
}

func (echoArgs) Kind() string { return "test_echo" }

type echoWorker struct {
	river.WorkerDefaults[echoArgs]
	mu    sync.Mutex
	seen  map[string]int
	fails atomic.Int32 // fail this many times first
	done  chan string
}

func (w *echoWorker) Work(_ context.Context, job *river.Job[echoArgs]) error {
	if w.fails.Add(-1) >= 0 {
		return errors.New("transient")
	}
	w.mu.Lock()
	w.seen[job.Args.Key]++
	w.mu.Unlock()
	w.done <- job.Args.Key
	return nil
}

type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

func queueSuite(t *testing.T, st store.Store) {
	ctx := context.Background()
	w := &echoWorker{seen: map[string]int{}, done: make(chan string, 10)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	q, err := store.OpenQueue(ctx, st, store.QueueConfig{Workers: workers, PollInterval: 20 * time.Millisecond, RetryPolicy: fastRetry{}})
	require.NoError(t, err)

	unique := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
	id1, dup, err := q.Enqueue(ctx, echoArgs{Key: "a"}, unique)
	require.NoError(t, err)
	require.False(t, dup)
	id2, dup, err := q.Enqueue(ctx, echoArgs{Key: "a"}, unique)
	require.NoError(t, err)
	require.True(t, dup, "the same job twice is stored once")
	require.Equal(t, id1, id2)
	// Waiting: the job stored once, and one scheduled for tomorrow.
	_, _, err = q.Enqueue(ctx, echoArgs{Key: "tomorrow"}, &river.InsertOpts{ScheduledAt: time.Now().Add(24 * time.Hour)})
	require.NoError(t, err)
	waiting, err := q.Waiting(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, waiting)

	w.fails.Store(1) // the first attempt fails, the retry succeeds
	require.NoError(t, q.Start(ctx))
	defer q.Stop(ctx)
	select {
	case k := <-w.done:
		require.Equal(t, "a", k)
	case <-time.After(15 * time.Second):
		t.Fatal("the job was not worked")
	}
	require.Eventually(t, func() bool {
		j, err := q.Job(ctx, id1)
		return err == nil && j.State == "completed"
	}, 10*time.Second, 20*time.Millisecond)
	j, err := q.Job(ctx, id1)
	require.NoError(t, err)
	require.Equal(t, 2, j.Attempt)
	waiting, err = q.Waiting(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, waiting, "a completed job no longer waits; tomorrow's does")

	// A completed unique job is not stored again; Retry runs it again.
	_, dup, err = q.Enqueue(ctx, echoArgs{Key: "a"}, unique)
	require.NoError(t, err)
	require.True(t, dup)
	require.NoError(t, q.Retry(ctx, id1))
	select {
	case <-w.done:
	case <-time.After(15 * time.Second):
		t.Fatal("the retried job was not worked")
	}
	require.ErrorIs(t, q.Retry(ctx, 999999), store.ErrNotFound)
}

func TestQueueSQLite(t *testing.T) {
	s, err := store.OpenSQLite(context.Background(), t.TempDir(), sealer(t))
	require.NoError(t, err)
	defer s.Close()
	queueSuite(t, s)
}

func TestQueuePostgres(t *testing.T) {
	s, err := store.OpenPostgres(context.Background(), testpeers.PostgresSchema(t), sealer(t))
	require.NoError(t, err)
	defer s.Close()
	queueSuite(t, s)
}

// A queue transaction stores call events' deliveries, their calls and
// their jobs together: repeated keys are recognised (also twice in one
// group), calls are locked and written, and a failing function leaves
// nothing behind, jobs included.
func queueTxSuite(t *testing.T, st store.Store) {
	ctx := context.Background()
	q, err := store.OpenQueue(ctx, st, store.QueueConfig{})
	require.NoError(t, err)
	put := func(tx store.QueueTx, id, data string) {
		stored, err := tx.LockCalls(ctx, []string{id, id})
		require.NoError(t, err)
		require.Contains(t, stored, id)
		require.NoError(t, tx.PutCall(ctx, id, []byte(data)))
	}
	err = q.Tx(ctx, func(tx store.QueueTx) error {
		fresh, err := tx.ClaimDeliveries(ctx, []store.Delivery{{Key: "k1", CallID: "c1"}, {Key: "k2", CallID: "c2"}, {Key: "k1", CallID: "c1"}})
		require.NoError(t, err)
		require.Equal(t, []bool{true, true, false}, fresh)
		stored, err := tx.LockCalls(ctx, []string{"c2", "c1"})
		require.NoError(t, err)
		require.Equal(t, map[string][]byte{"c1": nil, "c2": nil}, stored, "new calls have no data yet")
		require.NoError(t, tx.PutCall(ctx, "c1", []byte(`{"id":"c1","extension":"1001","state":"ringing","external":{"number":"+1 415"}}`)))
		put(tx, "c2", `{"id":"c2"}`)
		tx.Enqueue(echoArgs{Key: "tx-1"}, nil)
		return nil
	})
	require.NoError(t, err)
	data, err := st.GetCall(ctx, "c1")
	require.NoError(t, err)
	require.Contains(t, string(data), `"ringing"`)
	listed, err := st.ListCalls(ctx, store.CallFilter{Extension: "1001", Number: "415"})
	require.NoError(t, err)
	require.Len(t, listed, 1, "the indexed columns are written too")
	waiting, err := q.Waiting(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, waiting)

	boom := errors.New("boom")
	err = q.Tx(ctx, func(tx store.QueueTx) error {
		fresh, err := tx.ClaimDeliveries(ctx, []store.Delivery{{Key: "k1", CallID: "c1"}, {Key: "k3", CallID: "c3"}})
		require.NoError(t, err)
		require.Equal(t, []bool{false, true}, fresh)
		stored, err := tx.LockCalls(ctx, []string{"c1"})
		require.NoError(t, err)
		require.Contains(t, string(stored["c1"]), `"ringing"`)
		put(tx, "c1", `{"id":"c1","state":"hangup"}`)
		tx.Enqueue(echoArgs{Key: "tx-2"}, nil)
		return boom
	})
	require.ErrorIs(t, err, boom)
	data, err = st.GetCall(ctx, "c1")
	require.NoError(t, err)
	require.Contains(t, string(data), `"ringing"`, "rolled back")
	waiting, err = q.Waiting(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, waiting, "the job of the failed transaction is not stored")
	require.NoError(t, q.Tx(ctx, func(tx store.QueueTx) error {
		fresh, err := tx.ClaimDeliveries(ctx, []store.Delivery{{Key: "k3", CallID: "c3"}})
		require.NoError(t, err)
		require.Equal(t, []bool{true}, fresh, "the key of the failed transaction is free")
		return nil
	}))
}

func TestQueueTxSQLite(t *testing.T) {
	s, err := store.OpenSQLite(context.Background(), t.TempDir(), sealer(t))
	require.NoError(t, err)
	defer s.Close()
	queueTxSuite(t, s)
}

func TestQueueTxPostgres(t *testing.T) {
	s, err := store.OpenPostgres(context.Background(), testpeers.PostgresSchema(t), sealer(t))
	require.NoError(t, err)
	defer s.Close()
	queueTxSuite(t, s)
}
