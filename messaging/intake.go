package messaging

import (
	"context"
	"sync"

	"github.com/switchboard/switchboard/store"
)

// maxIntakeBatch bounds how many messages one transaction stores, so that
// none of the webhooks in it waits long for the others.
const maxIntakeBatch = 64

// intake stores the messages of webhooks that arrive together in one
// transaction (group commit). A transaction's commit costs about as much
// for one message as for many: on SQLite it writes every page the
// messages touched (the tables and their indexes) to the log, one write
// each, on PostgreSQL it waits for the log to be flushed. While one batch
// is being stored, the messages arriving meanwhile wait and are stored
// together in the next, by the first of them to arrive; a message that
// finds nothing being stored is stored at once, so a quiet channel waits
// for nobody. Each webhook is answered only after its own message is
// committed, as before.
type intake struct {
	mu      sync.Mutex
	busy    bool          // a batch is being stored
	pending []*intakeItem // waiting for the next batch
}

// intakeItem is one message waiting to be stored, and how that went.
type intakeItem struct {
	in   store.Inbound
	res  *store.InboundResult
	err  error
	turn chan bool // true: stored (res, err set); false: store the next batch
}

// receiveInbound stores one message, with the messages of other webhooks
// arriving at the same time.
func (s *Service) receiveInbound(ctx context.Context, in store.Inbound) (*store.InboundResult, error) {
	it := &intakeItem{in: in, turn: make(chan bool, 1)}
	q := &s.intake
	q.mu.Lock()
	q.pending = append(q.pending, it)
	lead := !q.busy
	q.busy = true
	q.mu.Unlock()
	// It waits without its context: the message may be in a batch being
	// stored, and the answer must say whether it was. The wait is one
	// transaction's at most.
	if !lead && <-it.turn {
		return it.res, it.err
	}
	// This webhook stores the next batch: the messages waiting, its own
	// first among them (it was the first waiting when it was told, or it
	// found nothing being stored). A webhook that goes away must not undo
	// the others' messages: the batch runs to its end.
	q.mu.Lock()
	n := min(len(q.pending), maxIntakeBatch)
	batch := q.pending[:n:n]
	q.pending = q.pending[n:]
	q.mu.Unlock()
	s.storeBatch(context.WithoutCancel(ctx), batch)
	for _, b := range batch[1:] {
		b.turn <- true
	}
	// The next batch is stored by the first message waiting, if any.
	q.mu.Lock()
	if len(q.pending) > 0 {
		q.pending[0].turn <- false
	} else {
		q.pending, q.busy = nil, false
	}
	q.mu.Unlock()
	return it.res, it.err
}

// storeBatch stores a batch's messages in one transaction and sets each
// one's result. When the transaction fails, each message is stored on its
// own, so that a message the store refuses fails only its own webhook.
func (s *Service) storeBatch(ctx context.Context, batch []*intakeItem) {
	if len(batch) > 1 {
		ins := make([]store.Inbound, len(batch))
		for i, b := range batch {
			ins[i] = b.in
		}
		res, err := s.store.ReceiveInbounds(ctx, ins)
		if err == nil {
			for i, b := range batch {
				b.res = res[i]
			}
			return
		}
	}
	for _, b := range batch {
		b.res, b.err = s.store.ReceiveInbound(ctx, b.in)
	}
}
