package messaging_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// Times a session or message does not have yet are left out of the JSON.
func TestViewsLeaveOutTimesNotYetThere(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	b, err := json.Marshal(messaging.ViewSession(&store.Session{ID: "s", State: store.SessionOpen, CreatedAt: at, UpdatedAt: at, LastMessageAt: at}))
	require.NoError(t, err)
	require.NotContains(t, string(b), "closedAt")
	require.NotContains(t, string(b), "lastInboundAt")
	b, err = json.Marshal(messaging.ViewSession(&store.Session{ID: "s", State: store.SessionClosed, ClosedAt: at, LastInboundAt: at}))
	require.NoError(t, err)
	require.Contains(t, string(b), `"closedAt":"2026-11-22T10:00:00Z"`)
	require.Contains(t, string(b), `"lastInboundAt":"2026-11-22T10:00:00Z"`)
	b, err = json.Marshal(messaging.ViewMessage(&store.Message{ID: "m", CreatedAt: at}))
	require.NoError(t, err)
	require.NotContains(t, string(b), "sentAt")
}
