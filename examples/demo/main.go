// Command demo is a small helpdesk that answers the part of Zendesk's API
// the Zendesk example template uses, from memory, and an SMS provider that
// implements the generic SMS API. It exists for the README's tour and `make
// run`: templates can be run end to end on a fresh machine without an
// account anywhere. It must never be used as a real helpdesk: it keeps
// everything in memory and checks no credentials beyond the demo's.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/switchboard/switchboard/scenarios"
)

type user struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Email  string   `json:"email,omitempty"`
	Phone  string   `json:"phone,omitempty"`
	Role   string   `json:"role"`
	Notes  string   `json:"notes,omitempty"`
	Phones []string `json:"-"`
}

type desk struct {
	sms     smsOutbox
	mu      sync.Mutex
	users   []*user
	tickets map[int64]map[string]any
	nextID  int64
	log     *slog.Logger
}

func newDesk(log *slog.Logger) *desk {
	return &desk{
		log:     log,
		nextID:  1000,
		tickets: map[int64]map[string]any{},
		users: []*user{
			{ID: 17, Name: "Ann Lee", Email: "ann@example.com", Phone: "+14155550100", Role: "end-user", Notes: "Prefers mornings",
				Phones: []string{"+14155550100", "+14155550101", "+14155550102"}},
			{ID: 18, Name: "Bo Chen", Email: "bo@example.com", Phone: "+4930901820", Role: "end-user", Phones: []string{"+4930901820"}},
			{ID: 361, Name: "Dana Agent", Email: "dana@example.com", Role: "agent"},
		},
	}
}

func (d *desk) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /api/v2/search.json", d.searchByPhone)
	mux.HandleFunc("GET /api/v2/users/search.json", d.searchUsers)
	mux.HandleFunc("GET /api/v2/users.json", d.listAgents)
	mux.HandleFunc("GET /api/v2/users/{id}/identities.json", d.identities)
	mux.HandleFunc("POST /api/v2/users.json", d.createUser)
	mux.HandleFunc("POST /api/v2/tickets.json", d.createTicket)
	mux.HandleFunc("PUT /api/v2/tickets/{file}", d.updateTicket) // {id}.json: a comment or voice comment is added
	mux.HandleFunc("GET /api/v2/tickets/{file}", d.showTicket)   // Show Ticket, to see what a journal wrote
	// The pages an agent's screen pop opens: the Zendesk example's
	// URLFormat and TicketURLFormat.
	mux.HandleFunc("GET /agent/users/{id}", d.userPage)
	mux.HandleFunc("GET /agent/tickets/{id}", d.ticketPage)
	d.sms.routes(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.log.Info("request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			if _, _, ok := r.BasicAuth(); !ok {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Couldn't authenticate you"})
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// searchByPhone understands the query the example sends: role:end-user phone:*<digits>.
func (d *desk) searchByPhone(w http.ResponseWriter, r *http.Request) {
	want := ""
	for _, term := range strings.Fields(r.URL.Query().Get("query")) {
		if v, ok := strings.CutPrefix(term, "phone:"); ok {
			want = scenarios.Digits(v)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	results := []map[string]any{}
	for _, u := range d.users {
		if want != "" && u.Role == "end-user" && strings.HasSuffix(scenarios.Digits(u.Phone), want) {
			results = append(results, map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "phone": u.Phone,
				"notes": u.Notes, "role": u.Role, "result_type": "user"})
		}
	}
	writeJSON(w, 200, map[string]any{"results": results, "count": len(results)})
}

func (d *desk) searchUsers(w http.ResponseWriter, r *http.Request) {
	q := strings.ToLower(r.URL.Query().Get("query"))
	d.mu.Lock()
	defer d.mu.Unlock()
	users := []*user{}
	for _, u := range d.users {
		if q != "" && (strings.Contains(strings.ToLower(u.Name), q) || strings.Contains(strings.ToLower(u.Email), q)) {
			users = append(users, u)
		}
	}
	writeJSON(w, 200, map[string]any{"users": users, "count": len(users)})
}

func (d *desk) listAgents(w http.ResponseWriter, _ *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	users := []*user{}
	for _, u := range d.users {
		if u.Role != "end-user" {
			users = append(users, u)
		}
	}
	writeJSON(w, 200, map[string]any{"users": users, "count": len(users)})
}

func (d *desk) identities(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, u := range d.users {
		if u.ID != id {
			continue
		}
		ids := []map[string]any{{"type": "email", "value": u.Email}}
		for _, p := range u.Phones {
			ids = append(ids, map[string]any{"type": "phone_number", "value": p})
		}
		writeJSON(w, 200, map[string]any{"identities": ids})
		return
	}
	writeJSON(w, 404, map[string]string{"error": "RecordNotFound"})
}

func (d *desk) createUser(w http.ResponseWriter, r *http.Request) {
	var in struct{ User user }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.User.Name == "" {
		writeJSON(w, 422, map[string]string{"error": "RecordInvalid", "description": "Name is required"})
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nextID++
	u := in.User
	u.ID, u.Phones = d.nextID, []string{u.Phone}
	d.users = append(d.users, &u)
	writeJSON(w, 201, map[string]any{"user": u})
}

func (d *desk) createTicket(w http.ResponseWriter, r *http.Request) {
	var in struct{ Ticket map[string]any }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Ticket == nil {
		writeJSON(w, 400, map[string]string{"error": "InvalidJSON"})
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nextID++
	in.Ticket["id"] = d.nextID
	addComment(in.Ticket, in.Ticket)
	d.tickets[d.nextID] = in.Ticket
	writeJSON(w, 201, map[string]any{"ticket": in.Ticket})
}

// updateTicket keeps what Zendesk's Update Ticket would: a comment (or a
// voice comment, the call journal with a recording) is added to the
// ticket's comments, other fields replace the ticket's.
func (d *desk) updateTicket(w http.ResponseWriter, r *http.Request) {
	var in struct{ Ticket map[string]any }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Ticket == nil {
		writeJSON(w, 400, map[string]string{"error": "InvalidJSON"})
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.ticketOf(w, r)
	if !ok {
		return
	}
	for k, v := range in.Ticket {
		if k != "id" && k != "comments" && k != "comment" && k != "voice_comment" {
			t[k] = v
		}
	}
	addComment(t, in.Ticket)
	writeJSON(w, 200, map[string]any{"ticket": t})
}

// addComment appends the comment or voice comment of a create or update
// to the ticket's comments, which Zendesk keeps apart from the ticket.
func addComment(ticket, change map[string]any) {
	comments, _ := ticket["comments"].([]any)
	for _, key := range []string{"comment", "voice_comment"} {
		if c, ok := change[key].(map[string]any); ok {
			comments = append(comments, c)
		}
		delete(ticket, key)
	}
	ticket["comments"] = comments
}

func (d *desk) showTicket(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t, ok := d.ticketOf(w, r); ok {
		writeJSON(w, 200, map[string]any{"ticket": t})
	}
}

// ticketOf is the ticket the path names ({id}.json), or false after
// answering 404; the caller holds d.mu.
func (d *desk) ticketOf(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	id, _ := strconv.ParseInt(strings.TrimSuffix(r.PathValue("file"), ".json"), 10, 64)
	t, ok := d.tickets[id]
	if !ok {
		writeJSON(w, 404, map[string]string{"error": "RecordNotFound"})
	}
	return t, ok
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run serves the demo until it fails and returns the exit status. The
// address is taken before "listening" is logged (make demo waits for that
// line), and a port already taken ends the demo at once: otherwise the
// tour would run against whatever listens there.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8025", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ln, err := listen(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "demo helpdesk: %v\n", err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	log.Info("demo helpdesk listening", "addr", "http://"+ln.Addr().String())
	if err := http.Serve(ln, newDesk(log).routes()); err != nil {
		log.Error("demo helpdesk stopped", "err", err)
	}
	return 1
}

// listen takes the address, saying plainly when its port is taken.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		_, port, _ := net.SplitHostPort(addr)
		return nil, fmt.Errorf("port %s is taken: stop what listens on %s, or give the demo another address with -addr", port, addr)
	}
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	return ln, nil
}
