package callbench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DeskConfig is what one run asks of the helpdesk.
type DeskConfig struct {
	// Calls is how many calls the run makes: Done closes once each of
	// calls 0…Calls-1 has its journal entry.
	Calls int
	// Latency is added to every answer, to stand for a remote helpdesk
	// (0: answer at once).
	Latency time.Duration
}

// The agent the desk lists for users/sync; extension 1001 is bound to her.
const (
	deskAgentEmail = "dana@bench.test"
	contactIDBase  = 1_000_000_000 // contact ids are this plus the call's index
)

// Desk is an instant helpdesk on 127.0.0.1 that answers the builtin Zendesk
// template's requests: the search finds one end user per call, whose
// identities follow; a ticket is created per call and journaled onto. It
// counts tickets and journal entries per call (the call is known by the
// number in the search query and the ticket's subject) and honours
// Idempotency-Key the way Stripe-style APIs do, so that what it counts is
// what a real helpdesk would hold.
type Desk struct {
	URL string
	cfg DeskConfig
	srv *http.Server

	inFlight, peak atomic.Int64

	mu         sync.Mutex
	counts     map[string]int // requests by kind (search, identities, ticket, journal, users, other)
	tickets    []int          // tickets created, by call index
	journals   []int          // journal entries, by call index
	ticketCall map[int64]int  // ticket id → call index
	stray      []string       // requests that named no call of the run
	seenKeys   map[string]deskAnswer
	nextTicket int64
	journaled  int // calls with at least one journal entry
	done       chan struct{}
	doneAt     time.Time
}

type deskAnswer struct {
	status int
	body   string
}

// NewDesk starts a helpdesk on a free port of 127.0.0.1.
func NewDesk(cfg DeskConfig) (*Desk, error) {
	if cfg.Calls <= 0 || cfg.Calls > maxCalls {
		return nil, fmt.Errorf("the desk takes 1…%d calls, not %d", maxCalls, cfg.Calls)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &Desk{URL: "http://" + ln.Addr().String(), cfg: cfg, counts: map[string]int{},
		tickets: make([]int, cfg.Calls), journals: make([]int, cfg.Calls), ticketCall: map[int64]int{},
		seenKeys: map[string]deskAnswer{}, nextTicket: 5000, done: make(chan struct{})}
	d.srv = &http.Server{Handler: d, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = d.srv.Serve(ln) }()
	return d, nil
}

// Close stops the desk; requests still in flight are cut off.
func (d *Desk) Close() { _ = d.srv.Close() }

// Done is closed when every call of the run has at least one journal entry.
func (d *Desk) Done() <-chan struct{} { return d.done }

// DoneAt is when the last call got its first journal entry (zero before).
func (d *Desk) DoneAt() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.doneAt
}

// Unjournaled returns up to n calls (their indexes) without a journal
// entry yet, to say which calls a run that timed out was waiting for.
func (d *Desk) Unjournaled(n int) []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []int
	for i, j := range d.journals {
		if j == 0 && len(out) < n {
			out = append(out, i)
		}
	}
	return out
}

// Journaled is how many calls have a journal entry so far.
func (d *Desk) Journaled() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.journaled
}

// PeakInFlight is the most requests the desk held at once.
func (d *Desk) PeakInFlight() int { return int(d.peak.Load()) }

// Requests counts the requests by kind: search, identities, ticket,
// journal, users (the agents, for users/sync) and other.
func (d *Desk) Requests() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]int, len(d.counts))
	for k, v := range d.counts {
		out[k] = v
	}
	return out
}

// Check says whether every call has exactly one ticket and exactly one
// journal entry, and no request named a call or ticket the run does not
// have; the error names the calls that do not, with their counts.
func (d *Desk) Check() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var bad []string
	wrong := 0
	for i := range d.cfg.Calls {
		if d.tickets[i] == 1 && d.journals[i] == 1 {
			continue
		}
		wrong++
		if len(bad) < 20 {
			bad = append(bad, fmt.Sprintf("call #%d (%s): %d tickets, %d journal entries", i, Number(i), d.tickets[i], d.journals[i]))
		}
	}
	if wrong > len(bad) {
		bad = append(bad, fmt.Sprintf("and %d more calls", wrong-len(bad)))
	}
	for i, s := range d.stray {
		if i == 10 {
			bad = append(bad, fmt.Sprintf("and %d more stray requests", len(d.stray)-i))
			break
		}
		bad = append(bad, "stray request: "+s)
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d calls not exactly one ticket and one journal entry, %d stray requests:\n  %s",
		wrong, d.cfg.Calls, len(d.stray), strings.Join(bad, "\n  "))
}

func (d *Desk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := d.inFlight.Add(1)
	defer d.inFlight.Add(-1)
	for p := d.peak.Load(); n > p && !d.peak.CompareAndSwap(p, n); p = d.peak.Load() {
	}
	if d.cfg.Latency > 0 {
		time.Sleep(d.cfg.Latency) // the remote's think time, not a wait for something
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	a := d.answer(r, body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// answer acts on one request under the lock, so that a repeated
// Idempotency-Key is recognised however the copies interleave.
func (d *Desk) answer(r *http.Request, body []byte) deskAnswer {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := r.Header.Get("Idempotency-Key")
	if key != "" && r.Method != http.MethodGet {
		if prev, ok := d.seenKeys[key]; ok {
			return prev
		}
	}
	a := d.act(r, body)
	if key != "" && r.Method != http.MethodGet && a.status < 300 {
		d.seenKeys[key] = a
	}
	return a
}

func (d *Desk) act(r *http.Request, body []byte) deskAnswer {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodGet && p == "/api/v2/search.json":
		d.counts["search"]++
		i, ok := d.callOf(r.URL.Query().Get("query"))
		if !ok {
			d.stray = append(d.stray, "search "+r.URL.RawQuery)
			return deskAnswer{200, `{"results":[],"count":0}`}
		}
		return deskAnswer{200, fmt.Sprintf(`{"results":[{"id":%d,"name":"Caller %d","email":"caller%d@bench.test","phone":%q,"role":"end-user"}],"count":1}`,
			contactIDBase+i, i, i, Number(i))}
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/api/v2/users/") && strings.HasSuffix(p, "/identities.json"):
		d.counts["identities"]++
		id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(p, "/api/v2/users/"), "/identities.json"), 10, 64)
		i := int(id - contactIDBase)
		if err != nil || i < 0 || i >= d.cfg.Calls {
			d.stray = append(d.stray, "identities "+p)
			return deskAnswer{404, `{"error":"RecordNotFound"}`}
		}
		return deskAnswer{200, fmt.Sprintf(`{"identities":[{"type":"phone_number","value":%q,"primary":true}]}`, Number(i))}
	case r.Method == http.MethodGet && p == "/api/v2/users.json":
		d.counts["users"]++
		return deskAnswer{200, `{"users":[{"id":361,"name":"Dana","email":"` + deskAgentEmail + `","role":"agent"}],"next_page":null}`}
	case r.Method == http.MethodPost && p == "/api/v2/tickets.json":
		d.counts["ticket"]++
		return d.createTicket(body)
	case r.Method == http.MethodPut && strings.HasPrefix(p, "/api/v2/tickets/") && strings.HasSuffix(p, ".json"):
		d.counts["journal"]++
		return d.journal(strings.TrimSuffix(strings.TrimPrefix(p, "/api/v2/tickets/"), ".json"))
	}
	d.counts["other"]++
	d.stray = append(d.stray, r.Method+" "+p)
	return deskAnswer{404, `{"error":"InvalidEndpoint"}`}
}

func (d *Desk) createTicket(body []byte) deskAnswer {
	var in struct {
		Ticket struct {
			Subject string `json:"subject"`
		} `json:"ticket"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		d.stray = append(d.stray, "ticket with a body that is not JSON: "+err.Error())
		return deskAnswer{400, `{"error":"RecordInvalid"}`}
	}
	i, ok := d.callOf(in.Ticket.Subject)
	if !ok {
		d.stray = append(d.stray, fmt.Sprintf("ticket with subject %q", in.Ticket.Subject))
		return deskAnswer{422, `{"error":"RecordInvalid"}`}
	}
	d.tickets[i]++
	d.nextTicket++
	d.ticketCall[d.nextTicket] = i
	return deskAnswer{201, fmt.Sprintf(`{"ticket":{"id":%d,"subject":%q,"status":"new"}}`, d.nextTicket, in.Ticket.Subject)}
}

func (d *Desk) journal(ticket string) deskAnswer {
	id, err := strconv.ParseInt(ticket, 10, 64)
	i, ok := d.ticketCall[id]
	if err != nil || !ok {
		d.stray = append(d.stray, "journal onto unknown ticket "+ticket)
		return deskAnswer{404, `{"error":"RecordNotFound"}`}
	}
	d.journals[i]++
	if d.journals[i] == 1 {
		d.journaled++
		if d.journaled == d.cfg.Calls {
			d.doneAt = time.Now()
			close(d.done)
		}
	}
	return deskAnswer{200, fmt.Sprintf(`{"ticket":{"id":%d}}`, id)}
}

// maxCalls is how many distinct numbers Number has.
const maxCalls = 10_000_000

// Number is the caller's number of call i: +1555 and seven digits.
func Number(i int) string { return fmt.Sprintf("+1555%07d", i) }

// callOf finds the call whose number s holds (a search query, a subject):
// its digits are 1555 and the call's seven.
func (d *Desk) callOf(s string) (int, bool) {
	i, err := callIndex(s)
	return i, err == nil && i < d.cfg.Calls
}

func callIndex(s string) (int, error) {
	var digits []byte
	for j := 0; j < len(s); j++ {
		if s[j] >= '0' && s[j] <= '9' {
			digits = append(digits, s[j])
		}
	}
	if len(digits) != 11 || string(digits[:4]) != "1555" {
		return 0, errors.New("no bench number in " + strconv.Quote(s))
	}
	return strconv.Atoi(string(digits[4:]))
}
