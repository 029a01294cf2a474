package calls

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// maxGroup bounds the events taken in one transaction, so that one
// commit's wait stays short for the first event of a group.
const maxGroup = 256

// sharedCommitters is how many groups of events are committed at once on
// a shared database (PostgreSQL): each group waits on round trips, so a
// few in flight keep the intake busy, and a few leave the pool's other
// connections to the jobs.
const sharedCommitters = 4

// intakeTimeout bounds one group's transaction. It is not the request's
// context: a group holds the events of many requests, and one caller
// giving up must not fail the others'.
const intakeTimeout = 30 * time.Second

// intake takes call events in groups (group commit): the events that
// arrive while a transaction is being committed wait, and go together in
// the next one. Each event is acknowledged only once the transaction
// holding it committed, and within it the event is recorded by its
// delivery key, merged into its call, and the work it makes due is stored
// as jobs: a few statements for a whole group instead of several
// transactions per event. There is no goroutine of its own: a caller that
// finds fewer than committers transactions running commits a group, and
// hands the next one to a new goroutine so that its own answer is not held
// up.
type intake struct {
	s *Service
	// committers is how many groups may be committed at once: one on
	// SQLite (one writer), a few on PostgreSQL, whose groups lock calls
	// in one order and so wait for each other rather than deadlock.
	committers int

	mu      sync.Mutex
	pending []*delivery
	running int
}

// delivery is one event waiting for its group's commit.
type delivery struct {
	event scenarios.CallEvent
	key   string

	dup      bool   // the key was taken before: a repeated delivery
	unrouted string // the extension no integration takes, to explain
	err      error
	done     chan struct{}
}

// take stores an event and reports whether it was a repeat.
func (in *intake) take(ctx context.Context, e scenarios.CallEvent, key string) (bool, error) {
	d := &delivery{event: e, key: key, done: make(chan struct{})}
	in.mu.Lock()
	in.pending = append(in.pending, d)
	lead := in.running < in.committers
	if lead {
		in.running++
	}
	in.mu.Unlock()
	if lead {
		in.commitNext(context.WithoutCancel(ctx))
	}
	select {
	case <-d.done:
		return d.dup, d.err
	case <-ctx.Done():
		// The event may still be stored; a repeated delivery is
		// recognised by its key.
		return false, ctx.Err()
	}
}

// commitNext commits the events pending now, then leaves the next group,
// if any, to a goroutine of its own.
func (in *intake) commitNext(ctx context.Context) {
	in.mu.Lock()
	n := min(len(in.pending), maxGroup)
	group := in.pending[:n:n]
	in.pending = in.pending[n:]
	in.mu.Unlock()

	in.commit(ctx, group)

	in.mu.Lock()
	more := len(in.pending) > 0
	if !more {
		in.running--
	}
	in.mu.Unlock()
	if more {
		go in.commitNext(ctx)
	}
}

// commit stores a group in one transaction. When that fails, each event
// is stored alone, so that one event that cannot be stored (a call whose
// stored data no longer decodes, say) does not fail the others.
func (in *intake) commit(ctx context.Context, group []*delivery) {
	ctx, cancel := context.WithTimeout(ctx, intakeTimeout)
	defer cancel()
	take := func(group []*delivery) error {
		return in.s.queue.Tx(ctx, func(tx store.QueueTx) error { return in.s.takeGroup(ctx, tx, group, true) })
	}
	err := take(group)
	if err != nil && len(group) > 1 {
		for _, d := range group {
			d.err = take([]*delivery{d})
		}
	} else {
		for _, d := range group {
			d.err = err
		}
	}
	// The events of unrouted calls are answered once their calls say why
	// (a page opened on the answer shows it); the others at once.
	for _, d := range group {
		if d.err != nil || d.unrouted == "" {
			close(d.done)
		}
	}
	in.s.explainUnrouted(ctx, group)
	for _, d := range group {
		if d.err == nil && d.unrouted != "" {
			close(d.done)
		}
	}
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
		c := &scenarios.Call{}
		if data := stored[id]; data != nil {
			if err := json.Unmarshal(data, c); err != nil {
				return fmt.Errorf("call %s as stored: %w", id, err)
			}
		}
		calls[id] = c
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
		if d.err != nil || d.unrouted == "" {
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
			var c scenarios.Call
			if err := json.Unmarshal(data, &c); err != nil {
				return fmt.Errorf("call %s as stored: %w", id, err)
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
