package messaging

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock drives a pacer: the test sees each timer it asks for and
// decides when it fires and what time it is then.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers chan fakeTimer
}

type fakeTimer struct {
	d    time.Duration
	fire chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), timers: make(chan fakeTimer, 1)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *fakeClock) timer(d time.Duration) (<-chan time.Time, func() bool) {
	t := fakeTimer{d: d, fire: make(chan time.Time, 1)}
	c.timers <- t
	return t.fire, func() bool { return true }
}

func (c *fakeClock) nextTimer(t *testing.T) fakeTimer {
	t.Helper()
	select {
	case tm := <-c.timers:
		return tm
	case <-time.After(10 * time.Second):
		t.Fatal("the pacer set no timer")
		return fakeTimer{}
	}
}

// waitErr is p.wait's error alone.
func waitErr(p *pacer, ctx, sender context.Context, ticket uint64) error {
	_, _, err := p.wait(ctx, sender, ticket)
	return err
}

func pacedBy(c *fakeClock, interval time.Duration) *pacer {
	p := newPacer(interval)
	p.now, p.timer = c.Now, c.timer
	return p
}

// A request that goes out late pushes the next one back: the spacing is
// counted from when it went out (less catchUp), not from when it was due,
// so lateness cannot bunch requests up (a token bucket lets the next ones
// catch up on its ideal timeline).
func TestPacerCountsFromWhenRequestsWentOut(t *testing.T) {
	c := newFakeClock()
	p := pacedBy(c, 100*time.Millisecond)
	bg := context.Background()
	t0 := c.Now()
	require.NoError(t, waitErr(p, bg, bg, p.take()), "the first request goes at once")

	second := make(chan time.Time, 1)
	ticket := p.take()
	go func() {
		_, at, err := p.wait(bg, bg, ticket)
		assert.NoError(t, err)
		second <- at
	}()
	tm := c.nextTimer(t)
	require.Equal(t, 100*time.Millisecond, tm.d)
	late := t0.Add(180 * time.Millisecond) // its goroutine ran 80 ms late
	c.set(late)
	tm.fire <- late
	require.Equal(t, late, <-second, "it went out, and counts, when it went")

	third := make(chan error, 1)
	ticket = p.take()
	go func() { third <- waitErr(p, bg, bg, ticket) }()
	tm = c.nextTimer(t)
	require.Equal(t, 98*time.Millisecond, tm.d, "an interval after the late one less catchUp (2 ms), not 20 ms")
	c.set(late.Add(98 * time.Millisecond))
	tm.fire <- c.Now()
	require.NoError(t, <-third)
}

// A timer that fires a little late (Go's timers wake on the millisecond)
// does not slow the channel down: a request at most catchUp late keeps
// the schedule, and the next is due an interval after it was due, not
// after it went.
func TestPacerKeepsTheScheduleWhenATimerFiresALittleLate(t *testing.T) {
	c := newFakeClock()
	p := pacedBy(c, 10*time.Millisecond)
	bg := context.Background()
	t0 := c.Now()
	require.NoError(t, waitErr(p, bg, bg, p.take()))
	for i := 1; i <= 3; i++ {
		done := make(chan [2]time.Time, 1)
		ticket := p.take()
		go func() {
			due, at, err := p.wait(bg, bg, ticket)
			assert.NoError(t, err)
			done <- [2]time.Time{due, at}
		}()
		tm := c.nextTimer(t)
		want := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		require.Equal(t, want.Sub(c.Now()), tm.d, "request %d is due on the schedule", i)
		c.set(want.Add(2 * time.Millisecond)) // the timer fires 2 ms late
		tm.fire <- c.Now()
		got := <-done
		require.Equal(t, want, got[0], "due")
		require.Equal(t, want.Add(2*time.Millisecond), got[1], "went out")
	}
}

// A request that comes to the gate after its time goes at once, and the
// schedule starts again from it.
func TestPacerLetsARequestGoAtOnceWhenItComesAfterItsTime(t *testing.T) {
	c := newFakeClock()
	p := pacedBy(c, 100*time.Millisecond)
	bg := context.Background()
	require.NoError(t, waitErr(p, bg, bg, p.take()))
	c.set(c.Now().Add(time.Second)) // the channel had nothing to send
	came := c.Now()
	due, at, err := p.wait(bg, bg, p.take())
	require.NoError(t, err)
	require.Equal(t, came, due)
	require.Equal(t, came, at)
}

// Messages go out in the order of their tickets, whichever is ready
// first; a ticket finished without its turn holds nobody up, and a later
// attempt of a message already out (a retry) keeps only the spacing.
func TestPacerKeepsTicketOrder(t *testing.T) {
	c := newFakeClock()
	p := pacedBy(c, 100*time.Millisecond)
	bg := context.Background()
	t0, t1, t2, t3, t4 := p.take(), p.take(), p.take(), p.take(), p.take()

	var mu sync.Mutex
	var order []uint64
	goes := func(ticket uint64) chan error {
		done := make(chan error, 1)
		go func() {
			err := waitErr(p, bg, bg, ticket)
			mu.Lock()
			order = append(order, ticket)
			mu.Unlock()
			done <- err
		}()
		return done
	}
	fire := func() {
		tm := c.nextTimer(t)
		c.set(c.Now().Add(tm.d))
		tm.fire <- c.Now()
	}
	last := goes(t4) // ready first, goes last
	second := goes(t2)
	first := goes(t1)
	require.NoError(t, waitErr(p, bg, bg, t0))
	fire()
	require.NoError(t, <-first)
	fire()
	require.NoError(t, <-second)
	p.done(t3) // its message failed before its request was ready
	fire()
	require.NoError(t, <-last)
	require.Equal(t, []uint64{t1, t2, t4}, order)

	retry := goes(t1)
	fire()
	require.NoError(t, <-retry)
}

// A timer firing early (or the interval growing meanwhile) makes the
// request wait again rather than go out before its time.
func TestPacerWaitsOutTheWholeInterval(t *testing.T) {
	c := newFakeClock()
	p := pacedBy(c, 100*time.Millisecond)
	bg := context.Background()
	require.NoError(t, waitErr(p, bg, bg, p.take()))
	done := make(chan error, 1)
	ticket := p.take()
	go func() { done <- waitErr(p, bg, bg, ticket) }()
	tm := c.nextTimer(t)
	p.setInterval(250 * time.Millisecond) // the channel's rate was lowered
	c.set(c.Now().Add(100 * time.Millisecond))
	tm.fire <- c.Now()
	tm = c.nextTimer(t)
	require.Equal(t, 150*time.Millisecond, tm.d)
	c.set(c.Now().Add(150 * time.Millisecond))
	tm.fire <- c.Now()
	require.NoError(t, <-done)
}

// A request waiting for its time gives up when the sender stops or its
// own context ends, and does not count as gone out; once their messages
// are done, the next ticket goes an interval after the last request that
// did go out.
func TestPacerGivesUpWhenStopped(t *testing.T) {
	c := newFakeClock()
	p := pacedBy(c, 100*time.Millisecond)
	bg := context.Background()
	start := c.Now()
	require.NoError(t, waitErr(p, bg, bg, p.take()))

	sender, stop := context.WithCancel(bg)
	t1, t2, t3 := p.take(), p.take(), p.take()
	first := make(chan error, 1)
	go func() { first <- waitErr(p, bg, sender, t1) }()
	c.nextTimer(t) // the first holds the gate

	reqCtx, cancelReq := context.WithCancel(bg)
	queued := make(chan error, 1)
	go func() { queued <- waitErr(p, reqCtx, bg, t2) }() // waits for its turn
	cancelReq()
	require.True(t, errors.Is(<-queued, context.Canceled))

	stop()
	require.True(t, errors.Is(<-first, context.Canceled))
	p.done(t1)
	p.done(t2)

	next := make(chan error, 1)
	go func() { next <- waitErr(p, bg, bg, t3) }()
	tm := c.nextTimer(t)
	require.Equal(t, 100*time.Millisecond, tm.d)
	c.set(start.Add(100 * time.Millisecond))
	tm.fire <- c.Now()
	require.NoError(t, <-next)
}
