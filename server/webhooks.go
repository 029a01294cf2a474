package server

import (
	"fmt"
	"io"
	"net/http"

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
// as text.
func (s *Server) channelHandshake(w http.ResponseWriter, r *http.Request) error {
	challenge, err := s.msg.Handshake(r.Context(), r.PathValue("key"), r.URL.Query())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = fmt.Fprint(w, challenge)
	return err
}
