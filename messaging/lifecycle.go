package messaging

import (
	"context"
	"fmt"
	"sync"
)

// The service's background work follows River's startstop rules
// (rivershared/startstop): Start is safe to call twice, Stop is safe to
// call twice and without Start, and Stop returns only once every goroutine
// and timer the run started has ended.

// run is one Start of the service: what Stop ends and waits for.
type run struct {
	// stopWork ends the loops: no message starts going out after it.
	stopWork context.CancelFunc
	// stopSends also cuts off the requests in flight (Stop's deadline
	// passed); their messages stay "sending" and are sent again, with
	// the same Idempotency-Key, by the channel's next sender.
	stopSends context.CancelFunc
	workEnded <-chan struct{} // closed by stopWork
	done      chan struct{}   // closed when every goroutine of the run has returned
}

// Start begins, in the background, sending the messages of the channels
// whose sender lease this process takes. (Closing idle sessions and
// checking channels' connections are periodic jobs: see AddJobs.) ctx's values are kept but its end is
// not: only Stop ends the work. Start while running does nothing; after
// Stop it starts again.
func (s *Service) Start(ctx context.Context) {
	s.life <- struct{}{}
	defer func() { <-s.life }()
	if s.run != nil {
		return
	}
	sendCtx, stopSends := context.WithCancel(context.WithoutCancel(ctx))
	workCtx, stopWork := context.WithCancel(sendCtx)
	r := &run{stopWork: stopWork, stopSends: stopSends, workEnded: workCtx.Done(), done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Go(func() { s.manage(workCtx, sendCtx) })
	if n := s.cfg.Notifier; n != nil {
		wg.Go(func() {
			n.Listen(workCtx, outboxChannel, func() {}, func(payload []byte) { s.wakeLocal(string(payload)) })
		})
	}
	go func() {
		wg.Wait()
		close(r.done)
	}()
	s.run = r
}

// Stop ends the background work and waits for it: no message starts going
// out once Stop is called, and the ones already out are waited for, so
// their outcome is saved. When ctx ends first, those requests are cut off
// (their messages are sent again, with the same Idempotency-Key, by the
// channel's next sender), Stop waits for them to unwind and returns ctx's
// error. Stop without Start, or once stopped, does nothing.
func (s *Service) Stop(ctx context.Context) error {
	select {
	case s.life <- struct{}{}:
	default:
		// Another Stop (or a Start) is under way.
		select {
		case s.life <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("stopping the messaging service: %w", context.Cause(ctx))
		}
	}
	defer func() { <-s.life }()
	r := s.run
	if r == nil {
		return nil
	}
	s.run = nil
	r.stopWork()
	select {
	case <-r.done:
		r.stopSends() // releases the context
		return nil
	case <-ctx.Done():
	}
	r.stopSends()
	<-r.done
	return fmt.Errorf("stopping the messaging service: messages in flight were cut off and will be sent again: %w", context.Cause(ctx))
}
