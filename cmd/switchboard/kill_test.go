package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// killDesk is a Zendesk-like helpdesk that honours Idempotency-Key on every
// method the way Stripe-style APIs do (a repeated key gets the first
// answer, and nothing happens twice), and counts what was created per
// call. It holds the first journal request it gets open until the test
// releases it, so the test can kill Switchboard while that request is in
// flight instead of hoping a timer lands on one.
type killDesk struct {
	*httptest.Server
	mu       sync.Mutex
	tickets  map[string]int // by subject (one subject per call)
	journals map[string]int // by ticket id
	seenKeys map[string]string
	nextID   int

	held     chan string   // receives the held journal's path once
	release  chan struct{} // closed by the test: the held request goes on
	heldDone chan struct{} // closed when the held request was handled
	holdOnce sync.Once
}

func newKillDesk(t *testing.T) *killDesk {
	d := &killDesk{tickets: map[string]int{}, journals: map[string]int{}, seenKeys: map[string]string{}, nextID: 1000,
		held: make(chan string, 1), release: make(chan struct{}), heldDone: make(chan struct{})}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/api/v2/tickets/") {
			hold := false
			d.holdOnce.Do(func() { hold = true })
			if hold {
				// The helpdesk acts on the request after its client is
				// gone, as a real one does when the caller dies mid-way.
				defer close(d.heldDone)
				d.held <- r.URL.Path
				<-d.release
			}
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		key := r.Header.Get("Idempotency-Key")
		if key != "" {
			if prev, ok := d.seenKeys[key]; ok {
				w.WriteHeader(201)
				fmt.Fprint(w, prev)
				return
			}
		}
		answer := ""
		switch {
		case r.URL.Path == "/api/v2/search.json":
			answer = `{"results":[]}`
		case r.URL.Path == "/api/v2/users.json":
			answer = `{"users":[{"id":361,"name":"Dana","email":"dana@acme.test"}]}`
		case r.URL.Path == "/api/v2/tickets.json":
			var in struct{ Ticket struct{ Subject string } }
			_ = json.Unmarshal(body, &in)
			d.tickets[in.Ticket.Subject]++
			d.nextID++
			answer = fmt.Sprintf(`{"ticket":{"id":%d}}`, d.nextID)
		case strings.HasPrefix(r.URL.Path, "/api/v2/tickets/"):
			d.journals[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v2/tickets/"), ".json")]++
			answer = `{}`
		default:
			w.WriteHeader(404)
			return
		}
		if key != "" && r.Method != http.MethodGet {
			d.seenKeys[key] = answer
		}
		w.WriteHeader(201)
		fmt.Fprint(w, answer)
	}))
	t.Cleanup(func() {
		d.holdOnce.Do(func() {}) // nothing is held from now on
		select {
		case <-d.release:
		default:
			close(d.release)
		}
		d.Close()
	})
	return d
}

type proc struct {
	cmd  *exec.Cmd
	addr string
}

func startServe(t *testing.T, bin, data string) *proc {
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data, "--job-timeout", "5s")
	cmd.Env = append(os.Environ(), "SWITCHBOARD_ADMIN_TOKEN=kill-test-admin")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return &proc{cmd: cmd, addr: m[1]}
		}
	}
	t.Fatal("serve did not start")
	return nil
}

func (p *proc) call(t *testing.T, method, path string, body any) (int, map[string]any) {
	return p.callAs(t, "kill-test-admin", method, path, body)
}

func (p *proc) callAs(t *testing.T, token, method, path string, body any) (int, map[string]any) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+p.addr+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// Every acknowledged event survives a SIGKILL and yields exactly one ticket
// and one journal entry, also for the journal request that was in flight
// when the process died (the helpdesk honours Idempotency-Key on PUT).
func TestAcknowledgedEventsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	dir := t.TempDir()
	bin := buildSwitchboard(t)
	data := filepath.Join(dir, "data")
	desk := newKillDesk(t)

	p := startServe(t, bin, data)
	status, in := p.call(t, "POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk",
		"fields": map[string]string{"base_url": desk.URL, "email": "a@acme.test", "api_token": "t"}})
	require.Equal(t, 201, status, in)
	id := in["id"].(string)
	st, _ := p.call(t, "PUT", "/api/v1/extensions/1001", map[string]string{"email": "dana@acme.test"})
	require.Equal(t, 200, st)
	st, _ = p.call(t, "POST", "/api/v1/integrations/"+id+"/users/sync", nil)
	require.Equal(t, 200, st)
	st, _ = p.call(t, "POST", "/api/v1/integrations/"+id+"/users/autobind", nil)
	require.Equal(t, 200, st)
	st, res := p.call(t, "PUT", "/api/v1/integrations/"+id+"/settings", map[string]any{
		"ticket":      map[string]any{"enabled": true, "when": "afterCall", "callTypes": []string{"inboundAnswered"}, "subject": "call {{.Phone}}"},
		"callJournal": map[string]any{"enabled": true}})
	require.Equal(t, 200, st, res)

	const calls = 25
	for i := range calls {
		for _, ev := range []string{"ringing", "hangup"} {
			st, res := p.call(t, "POST", "/api/v1/events/calls", map[string]any{"callId": fmt.Sprint("k-", i), "event": ev, "direction": "inbound",
				"extension": "1001", "external": map[string]string{"number": fmt.Sprint("+1555000", 1000+i)}, "disposition": "ANSWERED"})
			require.Equal(t, 202, st, res)
		}
	}
	// Kill while the helpdesk holds a journal request open: it acts on it
	// after Switchboard is gone, so the restarted service sends a second
	// copy, which the helpdesk must recognise by its Idempotency-Key.
	var heldPath string
	select {
	case heldPath = <-desk.held:
	case <-time.After(60 * time.Second):
		t.Fatal("no journal request reached the helpdesk")
	}
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	_ = p.cmd.Wait()
	close(desk.release)
	<-desk.heldDone
	t.Logf("killed while %s was in flight", heldPath)

	p2 := startServe(t, bin, data)
	var last any
	defer func() {
		if t.Failed() {
			t.Logf("last incomplete call: %v", last)
		}
	}()
	require.Eventually(t, func() bool {
		for i := range calls {
			st, c := p2.call(t, "GET", fmt.Sprint("/api/v1/calls/k-", i), nil)
			last = c
			if st != 200 {
				return false
			}
			done := 0
			for _, r := range c["runs"].([]any) {
				if r.(map[string]any)["status"] == "succeeded" {
					done++
				}
			}
			if done < 3 { // lookup, ticket, journal
				return false
			}
		}
		return true
	}, 60*time.Second, 200*time.Millisecond)

	desk.mu.Lock()
	defer desk.mu.Unlock()
	require.Len(t, desk.tickets, calls)
	for subject, n := range desk.tickets {
		require.Equal(t, 1, n, "one ticket for %s", subject)
	}
	require.Len(t, desk.journals, calls)
	for ticket, n := range desk.journals {
		require.Equal(t, 1, n, "one journal entry on ticket %s", ticket)
	}
}
