package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The demo also plays an SMS provider that implements the generic SMS API
// (the sms_generic template): the README's tour connects a channel to it.
// Messages "sent" are kept and listed at GET /sms/outbox.

type smsOutbox struct {
	mu   sync.Mutex
	sent []map[string]any
}

// smsAuthorized checks the API key the generic SMS API sends as a bearer
// token: any key works with the demo, but one must be there.
func smsAuthorized(w http.ResponseWriter, r *http.Request) bool {
	if key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && strings.TrimSpace(key) != "" {
		return true
	}
	writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": []map[string]string{
		{"code": "10004", "title": "Authentication failed", "detail": "No API key in the Authorization header."}}})
	return false
}

func (o *smsOutbox) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sms/verify", func(w http.ResponseWriter, r *http.Request) {
		if smsAuthorized(w, r) {
			fmt.Fprint(w, r.URL.Query().Get("challenge"))
		}
	})
	mux.HandleFunc("POST /sms/sendmessage", func(w http.ResponseWriter, r *http.Request) {
		if !smsAuthorized(w, r) {
			return
		}
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m["to"] == nil || m["from"] == nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]string{
				{"code": "10002", "title": "Invalid parameter", "detail": "from, to and text or media_urls are required"}}})
			return
		}
		o.mu.Lock()
		id := fmt.Sprintf("demo-sms-%d", len(o.sent)+1)
		m["id"], m["sentAt"] = id, time.Now().UTC().Format(time.RFC3339)
		o.sent = append(o.sent, m)
		o.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"id": id,
			"to": []map[string]any{{"phone_number": m["to"], "status": "queued"}}}})
	})
	mux.HandleFunc("GET /sms/outbox", func(w http.ResponseWriter, _ *http.Request) {
		o.mu.Lock()
		defer o.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"messages": o.sent})
	})
}
