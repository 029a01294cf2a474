package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/switchboard/switchboard/calls"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// streamEvent is one message on GET /api/v1/stream.
type streamEvent struct {
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

// hub fans stream events out to the connected subscribers of this process.
type hub struct {
	mu   sync.Mutex
	subs map[chan streamEvent]*subscriber
}

// subscriber is one open stream: whose it is, and a channel closed when
// its credential is revoked.
type subscriber struct {
	extension  string // "" for admins: everything
	credential string // the API token's id
	revoked    chan struct{}
}

func newHub() *hub { return &hub{subs: map[chan streamEvent]*subscriber{}} }

func (h *hub) subscribe(extension, credential string) (chan streamEvent, <-chan struct{}, func()) {
	ch := make(chan streamEvent, 32)
	sub := &subscriber{extension: extension, credential: credential, revoked: make(chan struct{})}
	h.mu.Lock()
	h.subs[ch] = sub
	h.mu.Unlock()
	return ch, sub.revoked, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

// deliver hands an event to this process's subscribers of its extension
// and to admins. A subscriber too slow to keep 32 events queued misses
// events rather than slowing the pipeline. A revocation closes the streams
// of the credential instead.
func (h *hub) deliver(e streamEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.Type == revokedEvent {
		cred, _ := e.Data.(string)
		for ch, sub := range h.subs {
			if sub.credential == cred && cred != "" {
				close(sub.revoked)
				delete(h.subs, ch)
			}
		}
		return
	}
	for ch, sub := range h.subs {
		if !e.forExtension(sub.extension) {
			continue
		}
		select {
		case ch <- e:
		default:
		}
	}
}

// revoke ends every open stream of a credential, on every replica.
func (s *Server) revoke(ctx context.Context, credential string) {
	s.publish(ctx, streamEvent{Type: revokedEvent, Data: credential})
}

const streamChannel = "switchboard_stream"

// publish sends an event to every replica's subscribers: through the
// database's notifications when replicas share one, else directly.
func (s *Server) publish(ctx context.Context, e streamEvent) {
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
		"url": p.URL, "contactId": p.ContactID, "contactName": p.ContactName,
	}})
}

// listenStream delivers the events other replicas publish (and this one's,
// which come back the same way) until ctx ends.
func (s *Server) listenStream(ctx context.Context, ready func()) {
	n := s.store.Notifier()
	if n == nil {
		ready()
		return
	}
	n.Listen(ctx, streamChannel, ready, func(payload []byte) {
		var e streamEvent
		if json.Unmarshal(payload, &e) == nil {
			s.hub.deliver(e)
		}
	})
}

// stream serves server-sent events: an agent sees its own extension's
// screen pops and the events of its sessions and queues; an admin sees all.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	rc := http.NewResponseController(w)
	ext := ""
	if p.Role == store.RoleAgent {
		ext = p.Extension
	}
	ch, revoked, cancel := s.hub.subscribe(ext, p.TokenID)
	defer cancel()
	longAnswer(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": connected\n\n")
	if err := rc.Flush(); err != nil {
		return nil // the client is gone, or nothing can stream here
	}
	heartbeat := time.NewTicker(25 * time.Second)
	defer heartbeat.Stop()
	shutdown := shuttingDown(r.Context())
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-shutdown:
			return nil // the server shuts down: the client reconnects to another replica, or later
		case <-revoked:
			return nil // the credential was revoked: the stream ends
		case <-heartbeat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case e := <-ch:
			data, _ := json.Marshal(e) // maps of plain values always marshal
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, data)
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}
