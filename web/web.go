package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

//go:embed pages/*.html
var pageFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Roles a signed-in person has, as the server names them.
const (
	RoleAdmin = "admin"
	RoleAgent = "agent"
)

// Config configures the console.
type Config struct {
	// Log receives page rendering errors. Default: discard.
	Log *slog.Logger
	// Role answers the role of the person signed in with r's session
	// cookie, or "" when nobody is: pages other than sign-in and setup
	// send such a browser to the sign-in page, and admin pages answer an
	// agent with 403. Default: everybody is an admin (for tests of the
	// pages alone).
	Role func(r *http.Request) string
}

// Console serves the console's pages and files.
type Console struct {
	log    *slog.Logger
	role   func(r *http.Request) string
	pages  map[string]*template.Template
	static http.Handler
}

// access says who may open a page.
type access int

const (
	public   access = iota // anybody: signing in, setting up
	signedIn               // admins and agents
	admins                 // admins; agents get 403
)

// page is one of the console's pages: the route it answers and who may
// open it. Its file is pages/<name>.html, its script static/<name>.js.
type page struct {
	name    string
	pattern string
	access  access
}

// pages are the console's pages. Detail pages (one integration, one call)
// share their list page's name in the navigation.
var pages = []page{
	{"login", "GET /login", public},
	{"setup", "GET /setup", public},
	{"console", "GET /{$}", signedIn},
	{"inbox", "GET /inbox", signedIn},
	{"templates", "GET /templates", admins},
	{"workbench", "GET /workbench", admins},
	{"integrations", "GET /integrations", admins},
	{"integration", "GET /integrations/{id}", admins},
	{"calls", "GET /calls", admins},
	{"call", "GET /calls/{id}", admins},
	{"channels", "GET /channels", admins},
	{"channel", "GET /channels/{id}", admins},
	{"history", "GET /history", admins},
	{"history-session", "GET /history/{id}", admins},
	{"users", "GET /users", admins},
	{"tokens", "GET /tokens", admins},
}

// New parses the embedded pages; a page that does not parse is a bug of
// the build, reported here rather than on a request.
func New(cfg Config) (*Console, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Role == nil {
		cfg.Role = func(*http.Request) string { return RoleAdmin }
	}
	c := &Console{log: cfg.Log, role: cfg.Role, pages: map[string]*template.Template{}}
	for _, name := range append(pageNames(), "forbidden") {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(pageFiles, "pages/layout.html", "pages/"+name+".html")
		if err != nil {
			return nil, err
		}
		c.pages[name] = t
	}
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	c.static = http.StripPrefix("/static/", http.FileServerFS(sub))
	return c, nil
}

// navLink is one link of the section navigation.
type navLink struct {
	Href, Label string
	Current     bool
}

var funcs = template.FuncMap{
	// nav makes a navigation link, current when it is the page shown or
	// one of its list's details: "channel" in "channels", or one named
	// "<list>-<what>" ("history-session" in "history").
	"nav": func(page, name, href, label string) navLink {
		return navLink{Href: href, Label: label, Current: page == name || page+"s" == name || strings.HasPrefix(page, name+"-")}
	},
}

func pageNames() []string {
	names := make([]string, 0, len(pages))
	for _, p := range pages {
		names = append(names, p.name)
	}
	return names
}

// Routes lists the console's routes as http.ServeMux patterns, with their
// handlers, for the server to mount.
func (c *Console) Routes() map[string]http.Handler {
	routes := map[string]http.Handler{"GET /static/": secure(cache(c.static))}
	for _, p := range pages {
		routes[p.pattern] = c.page(p)
	}
	return routes
}

// view is what a page's template sees. The page holds no data of the
// service: its script asks the API, as the signed-in person, for what to
// show.
type view struct {
	Page string
	Role string
}

// page renders one page for whoever may open it: a browser nobody is
// signed in with goes to the sign-in page (and comes back after), an
// agent opening an admin page gets 403.
func (c *Console) page(p page) http.Handler {
	return secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := view{Page: p.name}
		if p.access != public {
			v.Role = c.role(r)
			if v.Role == "" {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			if p.access == admins && v.Role != RoleAdmin {
				c.render(w, http.StatusForbidden, "forbidden", view{Page: "forbidden", Role: v.Role})
				return
			}
		}
		c.render(w, http.StatusOK, p.name, v)
	}))
}

func (c *Console) render(w http.ResponseWriter, status int, name string, v view) {
	var b bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&b, "layout", v); err != nil {
		c.log.Error("rendering a console page", slog.String("page", name), slog.Any("err", err))
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// secure sets the headers every console answer carries: scripts and styles
// only from this origin (no inline script, so an injected one does not
// run), no framing, no MIME sniffing, no referrer beyond the origin.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// cache lets browsers keep the console's files for a short while; a new
// binary's files arrive within minutes.
func cache(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		next.ServeHTTP(w, r)
	})
}
