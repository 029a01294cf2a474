package messaging

import (
	"context"

	"github.com/switchboard/switchboard/internal/groupcommit"
	"github.com/switchboard/switchboard/store"
)

// maxIntakeBatch bounds how many messages one transaction stores, so that
// none of the webhooks in it waits long for the others.
const maxIntakeBatch = 64

// inboundItem is one message waiting to be stored, and its result.
type inboundItem struct {
	in  store.Inbound
	res *store.InboundResult
}

// newIntake stores the messages of webhooks that arrive together in one
// transaction (group commit). A transaction's commit costs about as much
// for one message as for many: on SQLite it writes every page the
// messages touched (the tables and their indexes) to the log, one write
// each, on PostgreSQL it waits for the log to be flushed. As many batches
// are stored at once as the store says are worth it
// (store.InboundWriters: one on SQLite, whose one connection runs them one
// after the other anyway). A message that finds a writer free is stored at
// once, so a quiet channel waits for nobody; each webhook is answered only
// after its own message is committed, and a message the store refuses
// fails only its own webhook (the batch is then stored message by message).
func newIntake(st store.Store) *groupcommit.Committer[*inboundItem] {
	return groupcommit.New(groupcommit.Config[*inboundItem]{
		MaxGroup: maxIntakeBatch,
		Parallel: max(st.InboundWriters(), 1),
		Commit: func(ctx context.Context, batch []*inboundItem) error {
			if len(batch) == 1 {
				var err error
				batch[0].res, err = st.ReceiveInbound(ctx, batch[0].in)
				return err
			}
			ins := make([]store.Inbound, len(batch))
			for i, b := range batch {
				ins[i] = b.in
			}
			res, err := st.ReceiveInbounds(ctx, ins)
			if err != nil {
				return err
			}
			for i, b := range batch {
				b.res = res[i]
			}
			return nil
		},
	})
}

// receiveInbound stores one message, with the messages of other webhooks
// arriving at the same time. A webhook that goes away does not undo the
// others' messages: the batch runs to its end.
func (s *Service) receiveInbound(ctx context.Context, in store.Inbound) (*store.InboundResult, error) {
	it := &inboundItem{in: in}
	if err := s.intake.Do(ctx, it); err != nil {
		return nil, err
	}
	return it.res, nil
}
