package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

// callCounts: the period's calls hour by hour, its failed runs, and the
// runs waiting now whenever they began.
func callCounts(t *testing.T, s store.Store) {
	got, err := s.CallCounts(ctx, store.Hours{From: now().Add(-time.Hour), Count: 3})
	require.NoError(t, err)
	require.Equal(t, store.CallCounts{ByHour: []int{0, 0, 0}}, got, "nothing yet")

	for _, id := range []string{"c1", "c2"} {
		_, err := s.UpdateCall(ctx, id, func([]byte) ([]byte, error) { return []byte(`{"id":"` + id + `"}`), nil })
		require.NoError(t, err)
	}
	// The calls were stored just now: 90 minutes into a period that
	// began 90 minutes ago, in its second hour.
	began := now().Add(-90 * time.Minute)
	old := began.Add(-time.Hour)
	for _, r := range []struct {
		id, status string
		at         time.Time
	}{
		{"r1", store.RunFailed, began.Add(10 * time.Minute)},
		{"r2", store.RunFailed, began.Add(70 * time.Minute)},
		{"r3", store.RunFailed, old}, // before the period
		{"r4", store.RunPending, old},
		{"r5", store.RunRunning, began},
		{"r6", store.RunSucceeded, began},
		{"r7", store.RunSkipped, began},
	} {
		require.NoError(t, s.SaveRun(ctx, &store.Run{ID: r.id, CallID: "c1", IntegrationID: "i1", Step: "step-" + r.id, Scenario: "S",
			Status: r.status, CreatedAt: r.at, UpdatedAt: r.at}))
	}
	got, err = s.CallCounts(ctx, store.Hours{From: began, Count: 2})
	require.NoError(t, err)
	require.Equal(t, store.CallCounts{ByHour: []int{0, 2}, FailedRuns: 2, PendingRuns: 2}, got)

	// A period that ended before the calls counts none of them; the runs
	// waiting now are waiting whatever the period.
	got, err = s.CallCounts(ctx, store.Hours{From: old.Add(-time.Hour), Count: 2})
	require.NoError(t, err)
	require.Equal(t, store.CallCounts{ByHour: []int{0, 0}, FailedRuns: 1, PendingRuns: 2}, got)

	got, err = s.CallCounts(ctx, store.Hours{From: began})
	require.NoError(t, err)
	require.Empty(t, got.ByHour)
	require.Zero(t, got.FailedRuns)
}

// messageCounts: the period's messages of every channel hour by hour and
// by outcome, the messages still to send, and the offers waiting now.
func messageCounts(t *testing.T, s store.Store) {
	channel(t, s, "cv")
	from := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return from.Add(time.Duration(min) * time.Minute) }

	// 10:05 a customer writes to the queue's number (an offer), 11:10
	// another to the extension's number, and 09:50 (before the period) a
	// third.
	offer, err := s.ReceiveInbound(ctx, inboundMsg("cv", "+14155550199", "+15550001", "p1", "Hello", at(5)))
	require.NoError(t, err)
	mine, err := s.ReceiveInbound(ctx, inboundMsg("cv", "+14155550100", "+15550002", "p2", "Hi", at(70)))
	require.NoError(t, err)
	_, err = s.ReceiveInbound(ctx, inboundMsg("cv", "+14155550100", "+15550003", "p3", "Earlier", at(-10)))
	require.NoError(t, err)

	// Answers in the extension's session: one sent and reported read, one
	// failed, one automatic (sent), one still queued, one queued before
	// the period (still to send, not one of the period's).
	out := func(status, direction string, min int) {
		m := &store.Message{ID: store.NewID("msg"), SessionID: mine.Session.ID, ChannelID: "cv", Number: "+14155550100", Customer: "+15550002",
			Direction: direction, Author: "1001", Text: "answer", Status: store.MessageQueued, CreatedAt: at(min)}
		require.NoError(t, s.QueueOutbound(ctx, m))
		if status != store.MessageQueued {
			m.Status, m.UpdatedAt = status, at(min+1)
			require.NoError(t, s.UpdateDelivery(ctx, m))
		}
	}
	out(store.MessageRead, store.DirectionOut, 72)
	out(store.MessageFailed, store.DirectionOut, 73)
	out(store.MessageSent, store.DirectionSystem, 74)
	out(store.MessageQueued, store.DirectionOut, 130)
	out(store.MessageQueued, store.DirectionOut, -30)

	got, err := s.MessageCounts(ctx, store.Hours{From: from, Count: 4})
	require.NoError(t, err)
	require.Equal(t, store.MessageCounts{ByHour: []int{1, 4, 1, 0}, Received: 2, Succeeded: 2, Failed: 1, Outbound: 2, Offers: 1}, got)

	// Taken over, the offer is no longer waiting.
	taker := "1002"
	_, err = s.ChangeSession(ctx, store.SessionChange{ID: offer.Session.ID, Assignee: &taker, UnassignedOnly: true, Now: at(80)})
	require.NoError(t, err)
	got, err = s.MessageCounts(ctx, store.Hours{From: from.Add(-time.Hour), Count: 1})
	require.NoError(t, err)
	require.Equal(t, store.MessageCounts{ByHour: []int{2}, Received: 1, Outbound: 2}, got)
}
