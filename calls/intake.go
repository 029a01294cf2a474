package calls

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"

	"github.com/switchboard/switchboard/internal/groupcommit"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// sharedCommitters is how many groups of events are committed at once on
// a shared database (PostgreSQL): each group waits on round trips, so a
// few in flight keep the intake busy, and a few leave the pool's other
// connections to the jobs. One per processor, and at least two: on two
// cores, four made smaller groups, and the job queue's insert costs about
// the same for a group of three as for one of six (calls/s +2–17% with
// two, callbench on PostgreSQL).
var sharedCommitters = max(2, runtime.GOMAXPROCS(0))

// newIntake takes call events in groups (group commit): the events that
// arrive while a transaction is being committed wait, and go together in
// the next one. Each event is acknowledged only once the transaction
// holding it committed, and within it the event is recorded by its
// delivery key, merged into its call, and the work it makes due is stored
// as jobs: a few statements for a whole group instead of several
// transactions per event. One group is committed at a time on SQLite (one
// writer); a few on PostgreSQL, whose groups lock calls in one order and
// so wait for each other rather than deadlock.
func (s *Service) newIntake(shared bool) *groupcommit.Committer[*delivery] {
	parallel := 1
	if shared {
		parallel = sharedCommitters
	}
	return groupcommit.New(groupcommit.Config[*delivery]{
		Parallel: parallel,
		Commit: func(ctx context.Context, group []*delivery) error {
			return s.queue.Tx(ctx, func(tx store.QueueTx) error { return s.takeGroup(ctx, tx, group, true) })
		},
		// The events of unrouted calls are answered once their calls say
		// why (a page opened on the answer shows it).
		Settled: s.explainUnrouted,
	})
}

// delivery is one delivery of an event, and what taking it found.
type delivery struct {
	event scenarios.CallEvent
	key   string

	dup      bool   // the key was taken before: a repeated delivery
	unrouted string // the extension no integration takes, to explain
}

// takeGroup applies a group's events in a transaction: it records their
// deliveries (when claim is set: events stored as jobs by an earlier
// version were recorded then), merges each new event into its call, in
// the order they came, and for each call that says who is calling whom
// stores the work of every integration taking the extension's calls as a
// job. A call no integration takes is marked on its last event, whose
// extension is explained after the transaction: that reads much and is
// only for people.
func (s *Service) takeGroup(ctx context.Context, tx store.QueueTx, group []*delivery, claim bool) error {
	for _, d := range group {
		d.dup, d.unrouted = false, ""
	}
	if claim {
		ds := make([]store.Delivery, len(group))
		for i, d := range group {
			ds[i] = store.Delivery{Key: d.key, CallID: d.event.CallID}
		}
		fresh, err := tx.ClaimDeliveries(ctx, ds)
		if err != nil {
			return err
		}
		for i, d := range group {
			d.dup = !fresh[i]
		}
	}
	var ids []string
	last := map[string]*delivery{}
	for _, d := range group {
		if !d.dup {
			if last[d.event.CallID] == nil {
				ids = append(ids, d.event.CallID)
			}
			last[d.event.CallID] = d
		}
	}
	if len(ids) == 0 {
		return nil
	}
	stored, err := tx.LockCalls(ctx, ids)
	if err != nil {
		return err
	}
	calls := make(map[string]*scenarios.Call, len(ids))
	for _, id := range ids {
		if calls[id], err = storedCall(id, stored[id]); err != nil {
			return err
		}
	}
	for _, d := range group {
		if !d.dup {
			calls[d.event.CallID].Apply(d.event)
		}
	}
	bindings := map[string][]store.CallBinding{} // by extension
	for _, id := range ids {
		c := calls[id]
		if routable(c) {
			bound, ok := bindings[c.Extension]
			if !ok {
				if bound, err = tx.CallBindings(ctx, c.Extension); err != nil {
					return err
				}
				bindings[c.Extension] = bound
			}
			if len(bound) == 0 {
				last[id].unrouted = c.Extension
			} else {
				c.Unrouted = ""
			}
			for _, b := range bound {
				tx.Enqueue(workArgs{CallID: id, IntegrationID: b.IntegrationID, State: c.State, CrmID: b.UserID}, uniqueByArgs)
			}
		} // else a partial Yeastar event: wait for one that says who is calling
		data, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if err := tx.PutCall(ctx, id, data); err != nil {
			return err
		}
	}
	return nil
}

// storedCall decodes a call's stored JSON; nil data is a new call.
func storedCall(id string, data []byte) (*scenarios.Call, error) {
	c := &scenarios.Call{}
	if data == nil {
		return c, nil
	}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("call %s as stored: %w", id, err)
	}
	return c, nil
}

// routable reports whether a call says who calls whom.
func routable(c *scenarios.Call) bool {
	return c.Direction != "" && c.External.Number != "" && c.Extension != ""
}

// explainUnrouted writes to each call of a group that no integration
// takes why none does, reading the reasons once per extension and writing
// the calls in one transaction. It is only for people, so a failure is
// logged, not returned: the events are stored already.
func (s *Service) explainUnrouted(ctx context.Context, group []*delivery) {
	why := map[string]string{} // by call
	byExtension := map[string]string{}
	for _, d := range group {
		if d.unrouted == "" {
			continue
		}
		reason, ok := byExtension[d.unrouted]
		if !ok {
			bound, err := s.store.CallBindings(ctx, d.unrouted)
			if err == nil && len(bound) == 0 {
				reason, err = s.whyUnrouted(ctx, d.unrouted)
			} // else bound since: the call's work is the next event's
			if err != nil {
				s.log.Warn("explaining an unrouted call", slog.String("call", d.event.CallID), slog.Any("err", err))
			}
			byExtension[d.unrouted] = reason
		}
		if reason != "" {
			why[d.event.CallID] = reason
		}
	}
	if len(why) == 0 {
		return
	}
	err := s.queue.Tx(ctx, func(tx store.QueueTx) error {
		stored, err := tx.LockCalls(ctx, slices.Collect(maps.Keys(why)))
		if err != nil {
			return err
		}
		for id, data := range stored {
			if data == nil {
				continue // not stored: nothing to explain
			}
			c, err := storedCall(id, data)
			if err != nil {
				return err
			}
			c.Unrouted = why[id]
			out, err := json.Marshal(c)
			if err != nil {
				return err
			}
			if err := tx.PutCall(ctx, id, out); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.log.Warn("explaining unrouted calls", slog.Int("calls", len(why)), slog.Any("err", err))
	}
}
