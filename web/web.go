package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
)

//go:embed pages/*.html
var pageFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config configures the console.
type Config struct {
	// Log receives page rendering errors. Default: discard.
	Log *slog.Logger
}

// Console serves the console's pages and files.
type Console struct {
	log    *slog.Logger
	pages  map[string]*template.Template
	static http.Handler
}

// pageNames are the pages, each rendered inside layout.html.
var pageNames = []string{"login", "setup", "console", "users"}

// New parses the embedded pages; a page that does not parse is a bug of
// the build, reported here rather than on a request.
func New(cfg Config) (*Console, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	c := &Console{log: cfg.Log, pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.ParseFS(pageFiles, "pages/layout.html", "pages/"+name+".html")
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

// Routes lists the console's routes as http.ServeMux patterns, with their
// handlers, for the server to mount.
func (c *Console) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /{$}":     c.page("console"),
		"GET /login":   c.page("login"),
		"GET /setup":   c.page("setup"),
		"GET /users":   c.page("users"),
		"GET /static/": secure(cache(c.static)),
	}
}

// page renders one page. The page itself holds no data: its script asks
// the API, as the signed-in person, for what to show.
func (c *Console) page(name string) http.Handler {
	return secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		if err := c.pages[name].ExecuteTemplate(&b, "layout", map[string]string{"Page": name}); err != nil {
			c.log.Error("rendering a console page", slog.String("page", name), slog.Any("err", err))
			http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(b.Bytes())
	}))
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
