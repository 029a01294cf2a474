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
// each, on PostgreSQL it waits for the log to be flushed. As many batches
// are stored at once as the store says are worth it
// (store.InboundWriters: one on SQLite, whose one connection runs them one
// after the other anyway); the messages arriving while all are busy wait,
// and the first batch to end hands them on as the next batch, which the
// first of them stores. A message that finds a writer free is stored at
// once, so a quiet channel waits for nobody. Each webhook is answered
// only after its own message is committed, as before.
type intake struct {
	mu      sync.Mutex
	running int           // batches being stored
	pending []*intakeItem // waiting for a batch; only while every writer is busy
}

// intakeItem is one message waiting to be stored, and how that went.
type intakeItem struct {
	in    store.Inbound
	res   *store.InboundResult
	err   error
	batch []*intakeItem // the batch it was told to store, itself first
	turn  chan bool     // true: stored (res, err set); false: store batch
}

// receiveInbound stores one message, with the messages of other webhooks
// arriving at the same time.
func (s *Service) receiveInbound(ctx context.Context, in store.Inbound) (*store.InboundResult, error) {
	it := &intakeItem{in: in, turn: make(chan bool, 1)}
	q := &s.intake
	q.mu.Lock()
	if q.running < max(s.store.InboundWriters(), 1) {
		q.running++
		it.batch = []*intakeItem{it}
		q.mu.Unlock()
	} else {
		q.pending = append(q.pending, it)
		q.mu.Unlock()
		// It waits without its context: the message may be in a batch
		// being stored, and the answer must say whether it was. The wait
		// is a transaction's or two.
		if <-it.turn {
			return it.res, it.err
		}
	}
	// A webhook that goes away must not undo the others' messages: the
	// batch runs to its end.
	s.storeBatch(context.WithoutCancel(ctx), it.batch)
	for _, b := range it.batch[1:] {
		b.turn <- true
	}
	// The messages waiting meanwhile are the next batch, stored by the
	// first of them on this writer.
	q.mu.Lock()
	if n := min(len(q.pending), maxIntakeBatch); n > 0 {
		next := q.pending[:n:n]
		q.pending = q.pending[n:]
		next[0].batch = next
		next[0].turn <- false
	} else {
		q.pending = nil
		q.running--
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
