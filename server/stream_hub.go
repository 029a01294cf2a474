package server

import (
	"sync"
	"time"
)

// The replay buffer keeps the last replayEvents events this process
// delivered, and none older than replayAge, whichever is fewer: enough for
// a browser's EventSource to reconnect after a dropped connection or a
// replica's restart (it retries within seconds) and miss nothing. A client
// gone longer is told to resync: reload its state, then follow the stream.
const (
	replayEvents = 1000
	replayAge    = 5 * time.Minute
)

// subscriberQueue is how many events an open stream may have waiting to be
// written. One that falls further behind catches up from the replay
// buffer, or resyncs, rather than slow the others down.
const subscriberQueue = 32

// hub fans stream events out to the connected subscribers of this process
// and keeps the last ones for replay.
//
// Every delivered event gets a sequence number of this process, in the
// order the hub delivered it. The buffer holds every event numbered from
// first to next-1, in that order: a position (the number of the last event
// a subscriber has accounted for, seen or not its to see) can be resumed
// exactly when the events after it are all still there.
type hub struct {
	now   func() time.Time
	mu    sync.Mutex
	subs  map[*subscriber]struct{}
	buf   []buffered // oldest first; buf[i].seq == first+i
	first uint64     // the number of the oldest event the buffer is complete from
	next  uint64     // the number the next event gets
}

// buffered is an event as the hub delivered it: its number, when it
// arrived here (the buffer's age is this replica's clock, not the
// publisher's), and the event.
type buffered struct {
	seq uint64
	at  time.Time
	ev  streamEvent
}

// subscriber is one open stream: whose it is, the events waiting to be
// written, and its signals.
type subscriber struct {
	extension  string // "" for admins: everything
	credential string // the API token's id
	events     chan buffered
	revoked    chan struct{} // closed when its credential is revoked
	// lagged is signalled (size 1) when the subscriber stopped receiving
	// events (its queue was full, or this replica may have missed some):
	// it must catch up from the buffer.
	lagged chan struct{}
	behind bool // guarded by hub.mu: set when lagged is signalled, cleared by catchUp
}

// resume is what a subscriber writes before its live events: the buffered
// events after its position that are its to see, or a resync when that
// position is not in the buffer; and its new position.
type resume struct {
	events   []streamEvent
	resync   bool
	resyncID string // the id of the newest buffered event: where the client stands after reloading ("" if none)
	cursor   uint64
}

func newHub(now func() time.Time) *hub {
	return &hub{now: now, subs: map[*subscriber]struct{}{}, first: 1, next: 1}
}

// subscribe opens a stream for an extension ("" for an admin) and a
// credential. With lastID (the id of the last event the client got) it
// also returns the events it missed since, or a resync if lastID is not in
// the buffer. The subscription and that reading of the buffer happen at
// once, so every later event comes on the subscriber's queue: nothing is
// missed or sent twice between replay and live. An id this replica has
// not received yet (a client that got it from another replica a moment
// before reconnecting here) is unknown too: a resync, which is safe.
func (h *hub) subscribe(extension, credential, lastID string) (*subscriber, resume) {
	sub := &subscriber{extension: extension, credential: credential, events: make(chan buffered, subscriberQueue),
		revoked: make(chan struct{}), lagged: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[sub] = struct{}{}
	if lastID == "" {
		return sub, resume{cursor: h.next - 1}
	}
	h.prune(h.now())
	for _, b := range h.buf {
		if b.ev.ID == lastID {
			return sub, h.after(sub, b.seq)
		}
	}
	return sub, h.resync()
}

// unsubscribe ends a stream.
func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	delete(h.subs, sub)
	h.mu.Unlock()
}

// catchUp is what a lagged subscriber, whose last written event is
// cursor, writes next: the buffered events after it (the ones its queue
// held included, which it drops), or a resync if some are gone. Its live
// events come on its queue again from here.
func (h *hub) catchUp(sub *subscriber, cursor uint64) resume {
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(sub.events) > 0 {
		<-sub.events
	}
	sub.behind = false
	h.prune(h.now())
	if cursor+1 < h.first {
		return h.resync()
	}
	return h.after(sub, cursor)
}

// after is the buffered events numbered after cursor that sub may see.
// The caller holds mu and has checked that the buffer is complete from
// cursor+1.
func (h *hub) after(sub *subscriber, cursor uint64) resume {
	r := resume{cursor: h.next - 1}
	for _, b := range h.buf[cursor+1-h.first:] {
		if b.ev.forExtension(sub.extension) {
			r.events = append(r.events, b.ev)
		}
	}
	return r
}

// resync is the answer to a position the buffer cannot resume from. The
// caller holds mu.
func (h *hub) resync() resume {
	r := resume{resync: true, cursor: h.next - 1}
	if len(h.buf) > 0 {
		r.resyncID = h.buf[len(h.buf)-1].ev.ID
	}
	return r
}

// deliver hands an event to this process's subscribers of its extension
// and to admins, and keeps it for replay. A subscriber too slow to keep
// subscriberQueue events queued stops getting them and catches up from the
// buffer instead. A revocation closes the streams of the credential
// instead; it is neither buffered nor replayed.
func (h *hub) deliver(e streamEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.Type == revokedEvent {
		cred, _ := e.Data.(string)
		for sub := range h.subs {
			if sub.credential == cred && cred != "" {
				close(sub.revoked)
				delete(h.subs, sub)
			}
		}
		return
	}
	now := h.now()
	b := buffered{seq: h.next, at: now, ev: e}
	h.next++
	h.buf = append(h.buf, b)
	h.prune(now)
	for sub := range h.subs {
		if sub.behind || !e.forExtension(sub.extension) {
			continue
		}
		select {
		case sub.events <- b:
		default:
			h.lag(sub)
		}
	}
}

// gap records that this process may have missed events (its listener for
// other replicas' events reconnected): no position before now can be
// resumed, and every open stream resyncs.
func (h *hub) gap() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.buf)
	h.buf = h.buf[:0]
	h.next++ // the missed events, as one number no subscriber has seen
	h.first = h.next
	for sub := range h.subs {
		if !sub.behind {
			h.lag(sub)
		}
	}
}

// lag stops sending sub events until it catches up. The caller holds mu.
func (h *hub) lag(sub *subscriber) {
	sub.behind = true
	select {
	case sub.lagged <- struct{}{}:
	default:
	}
}

// prune drops the events past the buffer's bounds. The caller holds mu.
func (h *hub) prune(now time.Time) {
	n := 0
	for n < len(h.buf) && (len(h.buf)-n > replayEvents || now.Sub(h.buf[n].at) > replayAge) {
		h.buf[n] = buffered{} // let the event's data go
		n++
	}
	h.buf = h.buf[n:]
	h.first += uint64(n)
}
