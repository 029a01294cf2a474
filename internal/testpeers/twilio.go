package testpeers

import (
	"encoding/json"
	"io"
	"net/url"
	"sync"
	"testing"
	"time"
)

// TwilioSigner signs webhooks with Twilio's own Node library, so tests check
// Switchboard's verification against signatures made the way Twilio makes
// them rather than against Switchboard's own idea of the algorithm.
type TwilioSigner struct {
	mu    sync.Mutex
	in    io.Writer
	lines chan []byte
}

// StartTwilioSigner starts the signer for the test's life.
func StartTwilioSigner(tb testing.TB) *TwilioSigner {
	tb.Helper()
	requireInstalled(tb, "twilio")
	s := &TwilioSigner{lines: make(chan []byte, 1)}
	s.in = startNode(tb, []string{"twilio-sign.cjs"}, nil, func(line []byte) {
		s.lines <- append([]byte(nil), line...)
	})
	select {
	case <-s.lines: // {"ready": true}
	case <-time.After(30 * time.Second):
		tb.Fatal("the Twilio signer did not start within 30s")
	}
	return s
}

// Sign returns X-Twilio-Signature for a webhook to rawURL with the form
// fields, as Twilio computes it. It fails the test when Twilio's library
// does not accept its own signature.
func (s *TwilioSigner) Sign(tb testing.TB, authToken, rawURL string, params url.Values) string {
	tb.Helper()
	// Twilio's library takes fields as Express parses them: a string, or
	// an array for a repeated field.
	p := map[string]any{}
	for k, v := range params {
		if len(v) == 1 {
			p[k] = v[0]
		} else {
			p[k] = v
		}
	}
	req, _ := json.Marshal(map[string]any{"authToken": authToken, "url": rawURL, "params": p})
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.in.Write(append(req, '\n')); err != nil {
		tb.Fatal(err)
	}
	var out struct {
		Signature string `json:"signature"`
		Valid     bool   `json:"valid"`
	}
	select {
	case line := <-s.lines:
		if err := json.Unmarshal(line, &out); err != nil {
			tb.Fatalf("the Twilio signer answered %q: %v", line, err)
		}
	case <-time.After(10 * time.Second):
		tb.Fatal("the Twilio signer did not answer within 10s")
	}
	if !out.Valid {
		tb.Fatalf("Twilio's library rejects its own signature %q", out.Signature)
	}
	return out.Signature
}
