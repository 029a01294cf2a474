package main

import (
	"html/template"
	"net/http"
	"sort"
	"strconv"
)

// The agent's pages: where a screen pop takes the agent. The Zendesk
// example pops {{.base_url}}/agent/users/{id} for the caller and
// {{.base_url}}/agent/tickets/{id} for the call's ticket, as Zendesk's own
// agent interface does; the demo shows what it holds there, so the tour's
// links open something real.

var pages = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · demo helpdesk</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
dt{font-weight:600}pre{white-space:pre-wrap;background:#f4f4f4;padding:.6rem}.note{color:#666}</style></head>
<body><p class="note">Demo helpdesk (answers like Zendesk, keeps everything in memory)</p>
<h1>{{.Title}}</h1>
{{with .User}}<dl>
<dt>Name</dt><dd>{{.Name}}</dd>
<dt>Role</dt><dd>{{.Role}}</dd>
{{with .Email}}<dt>E-mail</dt><dd>{{.}}</dd>{{end}}
{{with .Phones}}<dt>Phone numbers</dt><dd>{{range $i, $p := .}}{{if $i}}, {{end}}{{$p}}{{end}}</dd>{{end}}
{{with .Notes}}<dt>Notes</dt><dd>{{.}}</dd>{{end}}
</dl>
<h2>Tickets</h2>{{end}}
{{with .Tickets}}<ul>{{range .}}<li><a href="/agent/tickets/{{.ID}}">#{{.ID}} {{.Subject}}</a> ({{.Status}})</li>{{end}}</ul>
{{else}}{{if .User}}<p>No tickets.</p>{{end}}{{end}}
{{with .Ticket}}<dl>
<dt>Status</dt><dd>{{.Status}}</dd>
{{with .Requester}}<dt>Requester</dt><dd><a href="/agent/users/{{.ID}}">{{.Name}}</a></dd>{{end}}
{{with .Assignee}}<dt>Assignee</dt><dd>{{.Name}}</dd>{{end}}
</dl>
<h2>Comments</h2>
{{range .Comments}}<pre>{{.}}</pre>{{else}}<p>No comments.</p>{{end}}{{end}}
</body></html>
`))

type ticketView struct {
	ID                  int64
	Subject, Status     string
	Requester, Assignee *user
	Comments            []string
}

type pageView struct {
	Title   string
	User    *user
	Ticket  *ticketView
	Tickets []ticketView
}

func (d *desk) userPage(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.user(id)
	if u == nil {
		writePage(w, http.StatusNotFound, pageView{Title: "No user " + r.PathValue("id")})
		return
	}
	v := pageView{Title: u.Name, User: u}
	for tid, t := range d.tickets {
		if requester, _ := t["requester_id"].(float64); int64(requester) == u.ID {
			v.Tickets = append(v.Tickets, d.viewTicket(tid, t))
		}
	}
	sort.Slice(v.Tickets, func(i, j int) bool { return v.Tickets[i].ID < v.Tickets[j].ID })
	writePage(w, http.StatusOK, v)
}

func (d *desk) ticketPage(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.tickets[id]
	if !ok {
		writePage(w, http.StatusNotFound, pageView{Title: "No ticket " + r.PathValue("id")})
		return
	}
	v := d.viewTicket(id, t)
	writePage(w, http.StatusOK, pageView{Title: "#" + strconv.FormatInt(id, 10) + " " + v.Subject, Ticket: &v})
}

// viewTicket reads a ticket as the API stored it (decoded JSON).
func (d *desk) viewTicket(id int64, t map[string]any) ticketView {
	v := ticketView{ID: id, Status: "new"}
	v.Subject, _ = t["subject"].(string)
	if s, ok := t["status"].(string); ok {
		v.Status = s
	}
	if n, ok := t["requester_id"].(float64); ok {
		v.Requester = d.user(int64(n))
	}
	if n, ok := t["assignee_id"].(float64); ok {
		v.Assignee = d.user(int64(n))
	}
	comments, _ := t["comments"].([]any)
	for _, c := range comments {
		c, _ := c.(map[string]any)
		if body, ok := c["body"].(string); ok {
			v.Comments = append(v.Comments, body)
		} else if text, ok := c["transcription_text"].(string); ok {
			v.Comments = append(v.Comments, "Call recording "+stringOf(c["recording_url"])+"\n"+text)
		}
	}
	return v
}

// user finds a user by id; the caller holds d.mu.
func (d *desk) user(id int64) *user {
	for _, u := range d.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

func writePage(w http.ResponseWriter, status int, v pageView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pages.Execute(w, v)
}
