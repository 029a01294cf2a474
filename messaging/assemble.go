package messaging

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// Some providers deliver one message in parts that come apart: VoiceMeUp
// posts an MMS as two webhooks (the text, then the media), an SMSC a long
// message as one deliver_sm per part. The assembler holds the parts of one
// message until all have come, or until a window has passed, and keeps
// them as one message. Each part's webhook or deliver_sm is answered only
// once the joined message is stored, so no part is acknowledged that could
// be lost, and a provider that gets an error sends its part again.
//
// Parts are joined in the process that receives them: parts that reach two
// replicas behind a load balancer are kept as two messages.

// assembler holds the parts of messages waiting for the rest.
type assembler struct {
	mu     sync.Mutex
	groups map[string]*heldMessage
}

// heldMessage is one message's parts so far.
type heldMessage struct {
	want   int // parts that make the message whole
	parts  []heldPart
	full   chan struct{} // closed when the last part came
	done   chan struct{} // closed when the message is kept
	err    error         // how keeping it went
	closed bool
}

type heldPart struct {
	n  int // the part's place in the message (1, 2, …)
	in Inbound
}

// pending reports whether parts with the key wait for more.
func (a *assembler) pending(key string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.groups[key] != nil
}

// part says where a part belongs and what becomes of its message.
type part struct {
	key    string        // the message's, among every message held
	n      int           // the part's place in the message (1, 2, …)
	want   int           // parts that make the message whole
	window time.Duration // the longest the first part waits for the rest
	merge  func([]Inbound) Inbound
	keep   func(context.Context, Inbound) error // stores the whole message
	held   func()                               // told when the part waits, for the metrics
}

// join adds a part and returns once its message is kept: by p.keep, with
// the parts merged in order, as soon as the last part came or when the
// window has passed since the first did. Every part's join returns keep's
// error.
func (a *assembler) join(ctx context.Context, in Inbound, p part) error {
	a.mu.Lock()
	if a.groups == nil {
		a.groups = map[string]*heldMessage{}
	}
	g := a.groups[p.key]
	first := g == nil
	if first {
		g = &heldMessage{want: p.want, full: make(chan struct{}), done: make(chan struct{})}
		a.groups[p.key] = g
	}
	g.parts = append(g.parts, heldPart{n: p.n, in: in})
	whole := len(g.parts) >= g.want
	if whole && !g.closed {
		g.closed = true
		close(g.full)
	}
	a.mu.Unlock()
	if !whole && p.held != nil {
		p.held()
	}

	if !first {
		select {
		case <-g.done:
			return g.err
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	// The first part's caller keeps the message: when it is whole, or
	// with what came within the window.
	timer := time.NewTimer(p.window)
	defer timer.Stop()
	select {
	case <-g.full:
	case <-timer.C:
	case <-ctx.Done():
	}
	a.mu.Lock()
	delete(a.groups, p.key) // a part coming later starts a message of its own
	parts := slices.Clone(g.parts)
	a.mu.Unlock()
	slices.SortStableFunc(parts, func(x, y heldPart) int { return x.n - y.n })
	ins := make([]Inbound, len(parts))
	for i, hp := range parts {
		ins[i] = hp.in
	}
	g.err = p.keep(context.WithoutCancel(ctx), p.merge(ins))
	close(g.done)
	return g.err
}

// joinIDs is a joined message's provider id: its parts' ids.
func joinIDs(parts []Inbound) string {
	ids := make([]string, 0, len(parts))
	for _, p := range parts {
		ids = append(ids, p.ProviderID)
	}
	return strings.Join(ids, "+")
}

// mergeWebhookParts joins the messages of webhooks that carry parts of one
// message: the texts (each once, in order, on their own lines) and all
// their media; from, to and time are the first's.
func mergeWebhookParts(parts []Inbound) Inbound {
	out := parts[0]
	out.ProviderID = joinIDs(parts)
	var texts []string
	out.MediaURLs = nil
	for _, p := range parts {
		if t := strings.TrimSpace(p.Text); t != "" && !slices.Contains(texts, t) {
			texts = append(texts, t)
		}
		out.MediaURLs = append(out.MediaURLs, p.MediaURLs...)
	}
	out.Text = strings.Join(texts, "\n")
	if out.MediaURLs == nil {
		out.MediaURLs = []string{}
	}
	return out
}

// mergeSMSParts joins the parts of a concatenated SMS: their texts, one
// after the other, as they were cut.
func mergeSMSParts(parts []Inbound) Inbound {
	out := parts[0]
	out.ProviderID = joinIDs(parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	out.Text = b.String()
	return out
}
