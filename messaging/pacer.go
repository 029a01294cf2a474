package messaging

import (
	"context"
	"sync"
	"time"
)

// pacer spaces one channel's requests to its provider and keeps its
// messages in order: each message takes a ticket when it is dispatched,
// its first request goes out only after the requests of every earlier
// ticket, and every request goes out at least interval after the one
// before it went out.
//
// The gate sits right before the request goes out (engine.RunOptions.Pace),
// after its request slots are taken: a slot across replicas is a database
// round trip or more, and a pace kept before it let requests that got
// their slot late bunch up with the next ones. It measures from the
// moment a request actually left, not from when it was due: a token
// bucket (x/time/rate) keeps an ideal timeline, so a request that leaves
// late lets the next ones catch up and go out closer together than the
// rate allows. Here lateness only ever widens the gaps. Messages are
// prepared (marked sending, rendered, given slots) while the ones before
// them wait for their time, so the work before the gate costs no rate.
//
// It runs on the real clock, never on the service's Now, which tests move
// by hours.
type pacer struct {
	now   func() time.Time
	timer func(d time.Duration) (<-chan time.Time, func() bool)

	mu       sync.Mutex
	interval time.Duration
	last     time.Time       // when the last request went out; zero: none yet
	issued   uint64          // tickets handed out
	next     uint64          // the ticket whose first request goes out next
	dropped  map[uint64]bool // tickets finished before their turn
	busy     bool            // a request holds the gate, waiting out its interval
	moved    chan struct{}   // closed (and replaced) when next moves or the gate frees
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
// counts it as gone out then: at is that moment, from which the next
// request is spaced. due is when the pace would have let it go: an
// interval after the request before it, or when it took the gate if that
// was later (at minus due is how late the pacer itself let it out). A
// later attempt of a message already out (a retry) keeps only the
// spacing. It gives up when either context ends: the request's own, or
// the sender's (a request not yet out when the sender stops stays
// unsent).
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
			p.last = at
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
		last, interval := p.last, p.interval
		p.mu.Unlock()
		now := p.now()
		due = last.Add(interval)
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
