package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/store"
)

// Two installations sharing a PostgreSQL database in different schemas do
// not hear each other's notifications (LISTEN/NOTIFY is database-wide):
// one's screen pops must not reach the other's agents.
func TestNotificationsStayInTheirSchema(t *testing.T) {
	open := func() store.Store {
		s, err := store.OpenPostgres(context.Background(), testpeers.PostgresSchema(t), sealer(t))
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	got := make(chan string, 4)
	go a.Notifier().Listen(ctx, "events", func() { close(ready) }, func(p []byte) { got <- string(p) })
	<-ready
	require.NoError(t, b.Notifier().Notify(ctx, "events", []byte("from b")))
	require.NoError(t, a.Notifier().Notify(ctx, "events", []byte("from a")))
	select {
	case p := <-got:
		require.Equal(t, "from a", p, "notifications arrive in order: b's would have come first")
	case <-time.After(10 * time.Second):
		t.Fatal("a did not hear itself")
	}
}
