package server

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard/switchboard/internal/configcheck"
)

// HTTPConfig bounds what one client can hold of the HTTP server: slow
// requests, idle connections and connections per address. Zero values take
// the defaults noted; a negative MaxConnsPerAddr turns that limit off.
type HTTPConfig struct {
	// ReadHeaderTimeout bounds reading a request's headers. Default 10s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included: a client
	// dripping a body byte by byte is cut off. Default 30s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing an answer. The event stream and
	// recordings, which are long on purpose, are exempt. Default 60s.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that sends nothing.
	// Default 120s.
	IdleTimeout time.Duration
	// MaxConnsPerAddr is how many connections one client address may hold
	// open; more are closed at once. Behind a reverse proxy every client
	// has the proxy's address: raise it, or turn it off with -1. Default 64.
	MaxConnsPerAddr int
}

// Defaults of HTTPConfig.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxConnsPerAddr   = 64
)

// WithDefaults fills in the zero fields.
func (c HTTPConfig) WithDefaults() HTTPConfig {
	configcheck.Default(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	configcheck.Default(&c.ReadTimeout, DefaultReadTimeout)
	configcheck.Default(&c.WriteTimeout, DefaultWriteTimeout)
	configcheck.Default(&c.IdleTimeout, DefaultIdleTimeout)
	configcheck.Default(&c.MaxConnsPerAddr, DefaultMaxConnsPerAddr)
	return c
}

// Validate names the first field that cannot work, the rule, and the fix.
func (c HTTPConfig) Validate() error {
	if err := configcheck.NotNegative("http",
		configcheck.Duration{Name: "ReadHeaderTimeout", Value: c.ReadHeaderTimeout, Default: DefaultReadHeaderTimeout},
		configcheck.Duration{Name: "ReadTimeout", Value: c.ReadTimeout, Default: DefaultReadTimeout},
		configcheck.Duration{Name: "WriteTimeout", Value: c.WriteTimeout, Default: DefaultWriteTimeout},
		configcheck.Duration{Name: "IdleTimeout", Value: c.IdleTimeout, Default: DefaultIdleTimeout},
	); err != nil {
		return err
	}
	return nil
}

// HTTPServer returns the http.Server for the service's handler, with the
// timeouts of cfg. Its Shutdown ends the open event streams, which would
// otherwise never turn idle and hold Shutdown until its deadline.
func (s *Server) HTTPServer(cfg HTTPConfig) *http.Server {
	cfg = cfg.WithDefaults()
	shutdown := make(chan struct{})
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		BaseContext: func(net.Listener) context.Context {
			return context.WithValue(context.Background(), shutdownKey{}, (<-chan struct{})(shutdown))
		},
	}
	hs.RegisterOnShutdown(func() { close(shutdown) })
	return hs
}

type shutdownKey struct{}

// shuttingDown returns a channel closed when the HTTP server serving the
// request shuts down; nil (never) for servers not made by HTTPServer.
func shuttingDown(ctx context.Context) <-chan struct{} {
	c, _ := ctx.Value(shutdownKey{}).(<-chan struct{})
	return c
}

// Listener wraps ln so that one client address holds at most
// cfg.MaxConnsPerAddr connections; the ones over are closed as soon as
// they are accepted, and counted in switchboard_http_connections_refused_total.
func (s *Server) Listener(ln net.Listener, cfg HTTPConfig) net.Listener {
	cfg = cfg.WithDefaults()
	if cfg.MaxConnsPerAddr < 0 {
		return ln
	}
	return &perAddrListener{Listener: ln, max: cfg.MaxConnsPerAddr, open: map[string]int{}, refused: s.metrics.connsRefused.Inc}
}

// perAddrListener counts open connections per remote IP address.
type perAddrListener struct {
	net.Listener
	max     int
	refused func()

	mu   sync.Mutex
	open map[string]int
}

func (l *perAddrListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := c.RemoteAddr().String()
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		l.mu.Lock()
		ok := l.open[host] < l.max
		if ok {
			l.open[host]++
		}
		l.mu.Unlock()
		if !ok {
			_ = c.Close()
			l.refused()
			continue
		}
		return &countedConn{Conn: c, release: func() { l.release(host) }}, nil
	}
}

func (l *perAddrListener) release(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[host]--; l.open[host] <= 0 {
		delete(l.open, host)
	}
}

// countedConn gives its slot back once, when closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// longAnswer lifts the server's read and write deadlines for an answer that
// is long on purpose (the event stream, a recording): the read deadline
// too, because when it passes net/http ends the request's context.
func longAnswer(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})  // not every ResponseWriter supports it
	_ = rc.SetWriteDeadline(time.Time{}) // (httptest recorders do not)
}
