package messaging

import (
	"context"

	"github.com/switchboard/switchboard/store"
)

// Activity is what the channels did in a period, and what waits now.
type Activity struct {
	Period store.Hours
	// Total counts the period's messages of every direction; ByHour, in
	// each of its hours.
	Total  int
	ByHour []int
	// Of the period's messages: from customers (Received); agents' and
	// automatic answers tried (Sent), of which Succeeded went out (sent,
	// delivered or read) and Failed did not. Those still to send count
	// in Outbound. (As the channels' statistics count them.)
	Received, Sent, Succeeded, Failed int
	// Outbound counts the messages waiting to be sent now; Offers the
	// sessions waiting in a queue for an agent to take them over.
	Outbound, Offers int
}

// Activity counts the period's messages of every channel, and the
// messages and offers waiting now, for an overview.
func (s *Service) Activity(ctx context.Context, p store.Hours) (Activity, error) {
	c, err := s.store.MessageCounts(ctx, p)
	if err != nil {
		return Activity{}, err
	}
	a := Activity{Period: p, ByHour: c.ByHour, Received: c.Received, Sent: c.Succeeded + c.Failed, Succeeded: c.Succeeded, Failed: c.Failed, Outbound: c.Outbound, Offers: c.Offers}
	for _, n := range c.ByHour {
		a.Total += n
	}
	return a, nil
}
