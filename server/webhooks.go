package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/messaging"
)

// maxWebhookBody bounds a provider's webhook: messages are small, media
// comes as URLs.
const maxWebhookBody = 1 << 20

// channelWebhook takes a provider's POST. The body is read whole, once
// the key names a channel, and kept as it came: signatures are over its
// exact bytes. The message is stored before the answer; a signature that
// does not verify is a 400 and nothing is kept.
func (s *Server) channelWebhook(w http.ResponseWriter, r *http.Request) error {
	ans, err := s.msg.HandleWebhook(r.Context(), r.PathValue("key"), messaging.WebhookRequest{
		URL: s.cfg.PublicURL + r.URL.RequestURI(), Header: r.Header}, http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		return err
	}
	if ans.Body == "" {
		w.WriteHeader(ans.Status)
		return nil
	}
	w.Header().Set("Content-Type", ans.ContentType)
	w.WriteHeader(ans.Status)
	_, err = io.WriteString(w, ans.Body)
	return err
}

// channelHandshake answers a provider's GET challenge with the challenge,
// as text; a GET to a channel whose webhooks come by GET with their data
// in the query (VoIP.ms's callback) is a webhook.
func (s *Server) channelHandshake(w http.ResponseWriter, r *http.Request) error {
	if get, err := s.msg.TakesGet(r.Context(), r.PathValue("key")); err != nil {
		return err
	} else if get {
		return s.channelWebhook(w, r)
	}
	challenge, err := s.msg.Handshake(r.Context(), r.PathValue("key"), r.URL.Query())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = fmt.Fprint(w, challenge)
	return err
}

// listDeadLetters lists what providers' webhooks brought that Switchboard
// could deliver nowhere (a message to a number no channel has), newest
// first; ?channelId= narrows it to one channel, ?limit= (default 100,
// at most 1000) bounds it.
func (s *Server) listDeadLetters(w http.ResponseWriter, r *http.Request) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return badRequest("limit %q: a number from 1 to 1000", v)
		}
		limit = n
	}
	list, err := s.store.ListDeadLetters(r.Context(), r.URL.Query().Get("channelId"), limit)
	if err != nil {
		return err
	}
	type view struct {
		ID        string          `json:"id"`
		ChannelID string          `json:"channelId"`
		Reason    string          `json:"reason"`
		Message   json.RawMessage `json:"message"`
		CreatedAt time.Time       `json:"createdAt"`
	}
	out := make([]view, 0, len(list))
	for _, d := range list {
		out = append(out, view{d.ID, d.ChannelID, d.Reason, json.RawMessage(d.Payload), d.CreatedAt})
	}
	writeJSON(w, 200, map[string]any{"deadLetters": out})
	return nil
}
