package testpeers

import (
	"encoding/json"
	"io"
	"sync"
	"testing"
	"time"
)

// TelesignClient sends messages with Telesign's own Node library, so tests
// can hold the request a template makes to the shape of the one Telesign's
// client makes.
type TelesignClient struct {
	mu    sync.Mutex
	in    io.Writer
	lines chan []byte
}

// TelesignSend is one message for TelesignClient.Send.
type TelesignSend struct {
	CustomerID  string `json:"customerId"`
	APIKey      string `json:"apiKey"`
	Endpoint    string `json:"endpoint"` // the API's base URL (a test server)
	PhoneNumber string `json:"phoneNumber"`
	Message     string `json:"message"`
	MessageType string `json:"messageType"`
	AuthMethod  string `json:"authMethod"` // "Basic" or "HMAC-SHA256"
}

// StartTelesignClient starts the client for the test's life.
func StartTelesignClient(tb testing.TB) *TelesignClient {
	tb.Helper()
	requireInstalled(tb, "telesignsdk")
	c := &TelesignClient{lines: make(chan []byte, 1)}
	c.in = startNode(tb, []string{"telesign-send.cjs"}, nil, func(line []byte) {
		c.lines <- append([]byte(nil), line...)
	})
	select {
	case <-c.lines: // {"ready": true}
	case <-time.After(30 * time.Second):
		tb.Fatal("the Telesign client did not start within 30s")
	}
	return c
}

// Send has Telesign's library send one message and waits for the
// endpoint's answer (the test's server records the request).
func (c *TelesignClient) Send(tb testing.TB, m TelesignSend) {
	tb.Helper()
	req, _ := json.Marshal(m)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.in.Write(append(req, '\n')); err != nil {
		tb.Fatal(err)
	}
	var out struct {
		Sent  bool   `json:"sent"`
		Error string `json:"error"`
	}
	select {
	case line := <-c.lines:
		if err := json.Unmarshal(line, &out); err != nil {
			tb.Fatalf("the Telesign client answered %q: %v", line, err)
		}
	case <-time.After(20 * time.Second):
		tb.Fatal("the Telesign client did not answer within 20s")
	}
	if !out.Sent {
		tb.Fatalf("Telesign's library failed to send: %s", out.Error)
	}
}
