package messaging_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// A queue's agents are extensions, each once; every problem is listed. A
// queue a number routes to cannot be deleted.
func TestQueueRules(t *testing.T) {
	d := newDesk(t)
	_, err := d.svc.CreateQueue(d.ctx, messaging.QueueSpec{Name: "  ", Agents: []string{"1001", "1001", "9999"}})
	p := problemOf(t, err, messaging.KindInvalid)
	require.Equal(t, []string{"name is required", "agents: extension 1001 is given twice",
		`agents: no extension "9999" (add it with PUT /api/v1/extensions/{number})`}, p.Details)

	q, err := d.svc.CreateQueue(d.ctx, messaging.QueueSpec{Name: " Support "})
	require.NoError(t, err)
	require.Equal(t, "Support", q.Name)
	require.Equal(t, []string{}, q.Agents)
	q, err = d.svc.UpdateQueue(d.ctx, q.ID, messaging.QueueSpec{Name: "Support", Agents: []string{"1001", "1002"}})
	require.NoError(t, err)
	got, err := d.svc.Queue(d.ctx, q.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"1001", "1002"}, got.Agents)

	spec := d.smsSpec()
	spec.Numbers[0].Destination = messaging.Target{Type: store.DestQueue, ID: q.ID}
	_, err = d.svc.CreateChannel(d.ctx, spec)
	require.NoError(t, err)
	problemOf(t, d.svc.DeleteQueue(d.ctx, q.ID), messaging.KindQueueInUse)
	problemOf(t, d.svc.DeleteQueue(d.ctx, "que_none"), messaging.KindNotFound)
	_, err = d.svc.UpdateQueue(d.ctx, "que_none", messaging.QueueSpec{Name: "x"})
	problemOf(t, err, messaging.KindNotFound)
}
