package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// hardened serves e's handler on a real listener with the HTTP limits of
// cfg, as `switchboard serve` does, and returns its address.
func hardened(t *testing.T, e *env, cfg server.HTTPConfig) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := e.s.HTTPServer(cfg)
	go func() { _ = hs.Serve(e.s.Listener(ln, cfg)) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String()
}

// dripper sends a request's headers and then its body one byte at a time,
// until the server closes the connection.
func dripper(t *testing.T, addr, path string) <-chan struct{} {
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", path, adminToken)
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_, _ = io.Copy(io.Discard, c) // returns when the server closes
	}()
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-closed:
				return
			case <-tick.C:
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	return closed
}

func waitClosed(t *testing.T, what string, conns ...<-chan struct{}) {
	t.Helper()
	deadline := time.After(30 * time.Second) // a bound for a stuck test, not a measurement
	for i, c := range conns {
		select {
		case <-c:
		case <-deadline:
			t.Fatalf("%s %d of %d is still open", what, i+1, len(conns))
		}
	}
}

// Slow clients are cut off: 50 connections dripping bodies and 10 idle
// ones are closed by the server's timeouts while the API keeps answering
// and a long-lived event stream keeps streaming.
func TestSlowClientsAreCutOff(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	connectDesk(t, e, d, `{"contactSync":{"enabled":true},"screenPop":{"trigger":"ringing"}}`)
	cfg := server.HTTPConfig{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond,
		WriteTimeout: 500 * time.Millisecond, IdleTimeout: 500 * time.Millisecond, MaxConnsPerAddr: -1}
	addr := hardened(t, e, cfg)
	client := func(method, path string) int {
		req, _ := http.NewRequest(method, "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}

	// A stream opened before the slow clients: it outlives every timeout.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()

	var conns []<-chan struct{}
	for range 50 {
		conns = append(conns, dripper(t, addr, "/api/v1/events/calls"))
	}
	for range 10 {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		closed := make(chan struct{})
		go func() { defer close(closed); _, _ = io.Copy(io.Discard, c) }()
		conns = append(conns, closed)
	}
	require.Equal(t, 200, client("GET", "/healthz"), "the API answers while they drip")
	require.Equal(t, 200, client("GET", "/api/v1/templates"))
	waitClosed(t, "slow connection", conns...)
	require.Equal(t, 200, client("GET", "/api/v1/templates"), "and after")

	// Every slow client's deadline has passed since the stream began; it
	// still delivers.
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("slow-1", "ringing", nil)), 202)
	for line := range lines {
		if strings.HasPrefix(line, "event: screenPop") {
			return
		}
	}
	t.Fatal("the stream ended")
}

// A webhook for a key no channel has is refused before its body is read:
// a client that never sends the body it announced gets its 404 at once.
func TestWebhookKeyIsCheckedBeforeTheBody(t *testing.T) {
	e := newEnv(t)
	addr := hardened(t, e, server.HTTPConfig{})
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	fmt.Fprint(c, "POST /webhooks/channels/no-such-key HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second))) // far below the 30 s read timeout
	status, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err, "an answer came before the body")
	require.Equal(t, "HTTP/1.1 404 Not Found\r\n", status)
}

// One address holds at most MaxConnsPerAddr connections: one more is
// closed on arrival (and counted), and a slot freed is taken again.
func TestConnectionsPerAddressAreCapped(t *testing.T) {
	e := newEnv(t)
	addr := hardened(t, e, server.HTTPConfig{MaxConnsPerAddr: 5})
	var held []net.Conn
	var mu sync.Mutex
	request := func(c net.Conn) (string, error) {
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		r := bufio.NewReader(c)
		status, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		for { // the rest of the answer, so the connection is idle again
			line, err := r.ReadString('\n')
			if err != nil {
				return "", err
			}
			if line == "\r\n" {
				break
			}
		}
		_, _ = r.Discard(r.Buffered())
		return status, nil
	}
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		mu.Lock()
		held = append(held, c)
		mu.Unlock()
		t.Cleanup(func() { c.Close() })
		return c
	}
	for range 5 {
		status, err := request(dial())
		require.NoError(t, err)
		require.Equal(t, "HTTP/1.1 200 OK\r\n", status)
	}
	_, err := request(dial())
	require.Error(t, err, "a sixth connection from the same address is closed")
	require.NoError(t, held[0].Close())
	require.Eventually(t, func() bool {
		status, err := request(dial())
		return err == nil && status == "HTTP/1.1 200 OK\r\n"
	}, 10*time.Second, 10*time.Millisecond, "a freed slot is taken again")
	metrics := e.do("GET", "/metrics", "", nil)
	require.Contains(t, string(metrics.Body), "switchboard_http_connections_refused_total")
	require.NotContains(t, string(metrics.Body), "switchboard_http_connections_refused_total 0\n")
}
