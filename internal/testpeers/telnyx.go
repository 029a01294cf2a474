package testpeers

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TelnyxVerifier checks webhooks with Telnyx's own Node library, so tests
// hold Switchboard's verification to the answer of the code Telnyx gives
// its customers rather than to Switchboard's idea of the scheme.
type TelnyxVerifier struct {
	mu    sync.Mutex
	in    io.Writer
	lines chan []byte
}

// StartTelnyxVerifier starts the verifier for the test's life.
func StartTelnyxVerifier(tb testing.TB) *TelnyxVerifier {
	tb.Helper()
	requireInstalled(tb, "telnyx")
	v := &TelnyxVerifier{lines: make(chan []byte, 1)}
	v.in = startNode(tb, []string{"telnyx-verify.cjs"}, nil, func(line []byte) {
		v.lines <- append([]byte(nil), line...)
	})
	select {
	case <-v.lines: // {"ready": true}
	case <-time.After(30 * time.Second):
		tb.Fatal("the Telnyx verifier did not start within 30s")
	}
	return v
}

// Verify reports whether Telnyx's library accepts a webhook's body and
// headers under the base64 public key, and if not, why.
func (v *TelnyxVerifier) Verify(tb testing.TB, publicKey string, body []byte, header http.Header) (bool, string) {
	tb.Helper()
	h := map[string]string{}
	for k := range header {
		h[k] = header.Get(k)
	}
	req, _ := json.Marshal(map[string]any{"publicKey": publicKey, "body": string(body), "headers": h})
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, err := v.in.Write(append(req, '\n')); err != nil {
		tb.Fatal(err)
	}
	var out struct {
		Valid bool   `json:"valid"`
		Error string `json:"error"`
	}
	select {
	case line := <-v.lines:
		if err := json.Unmarshal(line, &out); err != nil {
			tb.Fatalf("the Telnyx verifier answered %q: %v", line, err)
		}
	case <-time.After(10 * time.Second):
		tb.Fatal("the Telnyx verifier did not answer within 10s")
	}
	return out.Valid, out.Error
}
