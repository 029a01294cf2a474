package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/switchboard/switchboard/calls"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// streamEvent is one message on GET /api/v1/stream.
type streamEvent struct {
	// ID names the event on every replica (see newEventID); it is the
	// SSE id a client resumes from.
	ID        string `json:"id,omitempty"`
	Type      string `json:"type"` // screenPop, session.created, message.created …
	Extension string `json:"extension,omitempty"`
	// Extensions are the agents a messaging event is for: the one
	// answering a session, or every agent of the queue it waits in.
	Extensions []string `json:"extensions,omitempty"`
	Data       any      `json:"data"`
}

// for reports whether a subscriber of the extension gets the event (""
// is an admin: everything).
func (e streamEvent) forExtension(ext string) bool {
	return ext == "" || ext == e.Extension || slices.Contains(e.Extensions, ext)
}

// revokedEvent is the stream's own event that ends the open streams of a
// credential (a revoked API token) on every replica; no subscriber sees it.
const revokedEvent = "_revoked"

// resyncEvent tells a client that the events it missed are no longer
// known here: it reloads its state, then follows the stream.
const resyncEvent = "resync"

// newEventID names an event where it is published: the publisher's time
// in milliseconds (12 hex digits, so ids sort by time for whoever reads
// them) and 64 random bits, so that ids from different replicas never
// collide.
//
// A client resumes by position, not by comparing ids: a replica replays
// the events its buffer holds after the one with the client's id. The id
// travels in the event's notification, and PostgreSQL hands notifications
// to every listener in the order their transactions committed, so every
// replica's buffer holds the same events in the same order (the
// publisher's included: it gets its events back the same way) and a
// client can resume on any of them. Comparing ids instead would be wrong
// across replicas whose clocks differ, and a per-process sequence could
// not be resumed on another replica.
func newEventID(now time.Time) string {
	var r [8]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand)
	return fmt.Sprintf("%012x", uint64(now.UnixMilli())&(1<<48-1)) + hex.EncodeToString(r[:])
}

// revoke ends every open stream of a credential, on every replica.
func (s *Server) revoke(ctx context.Context, credential string) {
	s.publish(ctx, streamEvent{Type: revokedEvent, Data: credential})
}

const streamChannel = "switchboard_stream"

// publish sends an event to every replica's subscribers: through the
// database's notifications when replicas share one, else directly.
func (s *Server) publish(ctx context.Context, e streamEvent) {
	if e.Type != revokedEvent {
		e.ID = newEventID(s.now())
	}
	n := s.store.Notifier()
	if n == nil {
		s.hub.deliver(e)
		return
	}
	payload, _ := json.Marshal(e) // plain values always marshal
	if err := n.Notify(ctx, streamChannel, payload); err != nil {
		s.log.Warn("publishing a stream event", slog.Any("err", err))
		s.hub.deliver(e) // at least this replica's agents get it
	}
}

// publishMessaging hands the messaging service's events to the stream.
func (s *Server) publishMessaging(ctx context.Context, e messaging.Event) {
	if len(e.Extensions) == 0 {
		e.Extensions = []string{} // admins still see it
	}
	s.publish(ctx, streamEvent{Type: e.Type, Extensions: e.Extensions, Data: e.Data})
}

// publishScreenPop hands the calls service's screen pops to the stream.
func (s *Server) publishScreenPop(ctx context.Context, p calls.ScreenPop) {
	s.publish(ctx, streamEvent{Type: "screenPop", Extension: p.Extension, Data: map[string]any{
		"callId": p.CallID, "integrationId": p.IntegrationID, "trigger": p.Trigger, "number": p.Number, "name": p.Name,
		"url": p.URL, "contactId": p.ContactID, "contactName": p.ContactName, "ticketId": p.TicketID, "ticketUrl": p.TicketURL,
	}})
}

// listenStream delivers the events other replicas publish (and this one's,
// which come back the same way) until ctx ends. Each time it (re)starts
// listening, the events published while it was not are lost to this
// replica: the hub records the gap, and its open streams resync.
func (s *Server) listenStream(ctx context.Context, ready func()) {
	n := s.store.Notifier()
	if n == nil {
		ready()
		return
	}
	n.Listen(ctx, streamChannel, func() {
		s.hub.gap()
		ready()
	}, func(payload []byte) {
		var e streamEvent
		if json.Unmarshal(payload, &e) != nil {
			return
		}
		if e.ID == "" && e.Type != revokedEvent {
			e.ID = newEventID(s.now()) // from a replica older than ids
		}
		s.hub.deliver(e)
	})
}

// stream serves server-sent events: an agent sees its own extension's
// screen pops and the events of its sessions and queues; an admin sees all.
// A client that reconnects with the id of the last event it got (the
// Last-Event-ID header, which EventSource sends, or the lastEventId
// parameter) first gets the events it missed, or a resync event when they
// are no longer known.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	rc := http.NewResponseController(w)
	ext := ""
	if p.Role == store.RoleAgent {
		ext = p.Extension
	}
	// The header wins: EventSource sends the newest id in it, while the
	// URL keeps the parameter the page first connected with.
	lastID := r.Header.Get("Last-Event-ID")
	if lastID == "" {
		lastID = r.URL.Query().Get("lastEventId")
	}
	sub, start := s.hub.subscribe(ext, p.TokenID, lastID)
	defer s.hub.unsubscribe(sub)
	longAnswer(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": connected\n\n")
	cursor := writeResume(w, start)
	if err := rc.Flush(); err != nil {
		return nil // the client is gone, or nothing can stream here
	}
	heartbeat := time.NewTicker(25 * time.Second)
	defer heartbeat.Stop()
	shutdown := shuttingDown(r.Context())
	// A web session's stream ends when the session does, however busy:
	// the browser's reconnection is then refused and the page says the
	// person is signed out. (An open console is use, so the idle expiry
	// does not end it; signing out and disabling do, through revoke.)
	var expired <-chan time.Time
	if p.session != nil {
		t := time.NewTimer(p.session.ExpiresAt.Sub(s.now()))
		defer t.Stop()
		expired = t.C
	}
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-shutdown:
			return nil // the server shuts down: the client reconnects to another replica, or later
		case <-sub.revoked:
			return nil // the credential was revoked: the stream ends
		case <-expired:
			return nil // the web session expired
		case <-heartbeat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case b := <-sub.events:
			writeEvent(w, b.ev)
			cursor = b.seq
		case <-sub.lagged:
			cursor = writeResume(w, s.hub.catchUp(sub, cursor))
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// writeResume writes a resume (missed events, or a resync) and returns the
// stream's position after it.
func writeResume(w io.Writer, r resume) uint64 {
	if r.resync {
		writeEvent(w, streamEvent{ID: r.resyncID, Type: resyncEvent, Data: map[string]any{}})
	}
	for _, e := range r.events {
		writeEvent(w, e)
	}
	return r.cursor
}

// writeEvent writes one server-sent event. An event without an id (a
// resync when nothing is buffered) leaves the client's last id as it was.
func writeEvent(w io.Writer, e streamEvent) {
	data, _ := json.Marshal(e) // maps of plain values always marshal
	if e.ID != "" {
		fmt.Fprintf(w, "id: %s\n", e.ID)
	}
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, data)
}
