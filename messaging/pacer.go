package messaging

import (
	"context"
	"sync"
	"time"
)

// pacer spaces one channel's requests to its provider and keeps its
// messages in order: each message takes a ticket when it is dispatched,
// its first request goes out only after the requests of every earlier
// ticket, and each request is due an interval after the one before it.
//
// The gate sits right before the request goes out (engine.RunOptions.Pace),
// after its request slots are taken: a slot across replicas is a database
// round trip or more, and a pace kept before it let requests that got
// their slot late bunch up with the next ones. Messages are prepared
// (marked sending, rendered, given slots) while the ones before them wait
// for their time, so the work before the gate costs no rate.
//
// When a request is due depends on how late the one before it went out.
// A timer fires late by up to a millisecond or so (Go's timers wake on
// the millisecond); counted from when the request actually left, every
// interval would grow by that much — 10 ms become 11, and a channel
// meant to send 100 messages a second sends 91. So the schedule is kept:
// the next request is due an interval after the one before was due —
// unless that one went out more than catchUp late (the sender fell
// behind, the machine stalled), and then an interval after it went out,
// less catchUp. A token bucket (x/time/rate) would keep its ideal
// timeline whatever happened, so that after a stall the next requests
// catch up and go out as close together as they can; here no two
// requests go out less than interval − catchUp apart, and any n+1 of
// them span at least n intervals − catchUp.
//
// It runs on the real clock, never on the service's Now, which tests move
// by hours.
type pacer struct {
	now   func() time.Time
	timer func(d time.Duration) (<-chan time.Time, func() bool)

	mu       sync.Mutex
	interval time.Duration
	last     time.Time       // when the last request went out; zero: none yet
	lastDue  time.Time       // when it was due
	issued   uint64          // tickets handed out
	next     uint64          // the ticket whose first request goes out next
	dropped  map[uint64]bool // tickets finished before their turn
	busy     bool            // a request holds the gate, waiting out its interval
	moved    chan struct{}   // closed (and replaced) when next moves or the gate frees
}

// catchUp is how much of a request's lateness the next ones may make up:
// a quarter of the interval at most, so that requests never bunch up.
func catchUp(interval time.Duration) time.Duration {
	return min(2*time.Millisecond, interval/4)
}

func newPacer(interval time.Duration) *pacer {
	return &pacer{interval: interval, dropped: map[uint64]bool{}, moved: make(chan struct{}), now: time.Now,
		timer: func(d time.Duration) (<-chan time.Time, func() bool) {
			t := time.NewTimer(d)
			return t.C, t.Stop
		}}
}

// setInterval changes the spacing (the channel's rate was changed).
func (p *pacer) setInterval(d time.Duration) {
	p.mu.Lock()
	p.interval = d
	p.mu.Unlock()
}

// take hands out the next ticket; the sender takes them in its messages'
// order.
func (p *pacer) take() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.issued
	p.issued++
	return t
}

// done says the ticket's message is finished with, whether its request
// went out or not: a ticket that never had its turn no longer holds up
// the ones after it.
func (p *pacer) done(ticket uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ticket < p.next {
		return
	}
	p.dropped[ticket] = true
	p.advance()
}

// advance moves next past dropped tickets and wakes the waiters. p.mu is
// held.
func (p *pacer) advance() {
	for p.dropped[p.next] {
		delete(p.dropped, p.next)
		p.next++
	}
	close(p.moved)
	p.moved = make(chan struct{})
}

// wait returns when a request of the ticket's message may go out, and
// counts it as gone out then, at. due is when it was due: an interval
// after the request before it (see pacer), or when it came to the gate if
// that was later; at minus due is how late the pacer let it out. A later
// attempt of a message already out (a retry) keeps only the spacing. It
// gives up when either context ends: the request's own, or the sender's
// (a request not yet out when the sender stops stays unsent).
func (p *pacer) wait(ctx, sender context.Context, ticket uint64) (due, at time.Time, err error) {
	for {
		p.mu.Lock()
		if ticket <= p.next && !p.busy {
			p.busy = true
			p.mu.Unlock()
			break
		}
		moved := p.moved
		p.mu.Unlock()
		select {
		case <-moved:
		case <-ctx.Done():
			return time.Time{}, time.Time{}, context.Cause(ctx)
		case <-sender.Done():
			return time.Time{}, time.Time{}, context.Cause(sender)
		}
	}
	defer func() {
		p.mu.Lock()
		p.busy = false
		if err == nil {
			p.last, p.lastDue = at, due
			if ticket == p.next {
				p.next++
			}
		}
		p.advance()
		p.mu.Unlock()
	}()
	took := p.now()
	for {
		p.mu.Lock()
		last, lastDue, interval := p.last, p.lastDue, p.interval
		p.mu.Unlock()
		now := p.now()
		due = lastDue
		if from := last.Add(-catchUp(interval)); from.After(due) {
			due = from // it went out more than catchUp late
		}
		due = due.Add(interval)
		if last.IsZero() || due.Before(took) {
			due = took
		}
		if !now.Before(due) {
			return due, now, nil
		}
		fired, stop := p.timer(due.Sub(now))
		select {
		case <-fired:
		case <-ctx.Done():
			stop()
			return time.Time{}, time.Time{}, context.Cause(ctx)
		case <-sender.Done():
			stop()
			return time.Time{}, time.Time{}, context.Cause(sender)
		}
	}
}
