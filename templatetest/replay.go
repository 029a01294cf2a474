package templatetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templaterun"
	"github.com/switchboard/switchboard/templates"
)

// replayToken is the access token a replay runs with, in place of the
// recorded one (masked).
const replayToken = "replayed-access-token"

// Result is a fixture replayed.
type Result struct {
	// Passed is true when the template sent the same requests and read
	// the same results as recorded.
	Passed bool `json:"passed"`
	// Diff shows what changed, recorded (-) against now (+), as a unified
	// diff of both runs; empty when passed.
	Diff string `json:"diff,omitempty"`
	// Notes say what could not be replayed, and why.
	Notes []string `json:"notes,omitempty"`
	// Now is the fixture as the template runs it now, with the recorded
	// answers: what `template test --update` writes.
	Now *Fixture `json:"-"`
}

// Replay runs the fixture's scenario of the template (file, data) with the
// recorded answers served in order from a local server, and compares the
// requests sent and the results read with the recorded ones. An error
// means it could not run: the template does not load, or the fixture
// names what the template does not have.
func Replay(ctx context.Context, file string, data []byte, f *Fixture) (*Result, error) {
	loc := time.UTC
	if f.Timezone != "" {
		l, err := time.LoadLocation(f.Timezone)
		if err != nil {
			return nil, fmt.Errorf("timezone %q: %w", f.Timezone, err)
		}
		loc = l
	}
	t, problems := engine.Load(file, data, engine.Options{Location: loc})
	if t == nil {
		var errs []string
		for _, p := range problems.Errors() {
			errs = append(errs, p.String())
		}
		return nil, fmt.Errorf("the template does not load: %s", strings.Join(errs, "; "))
	}
	fields := replayFields(t.Source, f.Fields)
	if f.Webhook != nil {
		return replayWebhook(t, f, fields)
	}
	srv, err := serve(f.Exchanges)
	if err != nil {
		return nil, err
	}
	defer srv.close()
	in := templaterun.Input{Scenario: f.Scenario, Requests: f.Requests, Fields: fields, Vars: engine.Vars(f.Vars),
		NoGlobalInfo: f.NoGlobalInfo}
	if f.Token != "" {
		in.Token = replayToken
	}
	// No retries: each recorded exchange was answered once, after the
	// retries the real API took.
	env := templaterun.Env{Client: engine.ClientConfig{Transport: srv.transport(), Timeout: 10 * time.Second,
		Retry: engine.RetryPolicy{Max: -1}}}
	out, err := templaterun.Run(ctx, t, in, env)
	if err != nil {
		return nil, err
	}
	now := FromRun(t, in, f.Timezone, out)
	now.Fields, now.Vars, now.Token = f.Fields, f.Vars, f.Token
	keepAnswers(now, f)
	res := &Result{Now: now}
	if extra := srv.unanswered(); extra > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d request(s) had no recorded answer (the server answered 501)", extra))
	}
	res.Diff = diff(f, now)
	res.Passed = res.Diff == ""
	return res, nil
}

// keepAnswers gives now's exchanges the recorded answers, so an updated
// fixture keeps what the remote API said.
func keepAnswers(now, recorded *Fixture) {
	for i := range now.Exchanges {
		if i < len(recorded.Exchanges) {
			now.Exchanges[i].Response = recorded.Exchanges[i].Response
		}
	}
}

// replayFields is the fixture's fields with each masked secret replaced by
// a placeholder the engine masks again.
func replayFields(t *templates.Template, given map[string]string) engine.Vars {
	fields := engine.Vars{}
	for k, v := range given {
		if v == engine.Mask && containsFold(t.SecretFields(), k) {
			v = "replayed-secret-" + k
		}
		fields[k] = v
	}
	return fields
}

func replayWebhook(t *engine.Template, f *Fixture, fields engine.Vars) (*Result, error) {
	now := time.Now()
	if f.Webhook.Now != "" {
		var err error
		if now, err = time.Parse(time.RFC3339, f.Webhook.Now); err != nil {
			return nil, fmt.Errorf("webhook.now %q: %w", f.Webhook.Now, err)
		}
	}
	w := templaterun.Webhook{Scenario: f.Scenario, Body: []byte(f.Webhook.Body), URL: f.Webhook.URL, Fields: fields,
		Vars: engine.Vars(f.Vars), Header: http.Header{}}
	for k, v := range f.Webhook.Headers {
		w.Header.Set(k, v)
	}
	res := &Result{}
	masked := maskedSecrets(t.Source, f.Fields)
	if masked != "" {
		// A signature cannot be checked with a placeholder secret.
		w.Header, w.URL = nil, ""
		res.Notes = append(res.Notes, fmt.Sprintf("signature not checked: the fixture's %s is masked; put a test value in the fixture to check it", masked))
	}
	read, err := templaterun.ReadWebhook(t, w, now)
	if err != nil {
		return nil, err
	}
	nowF := *f
	nowF.Want = webhookWant(read)
	if masked != "" {
		nowF.Want.Verified = f.Want.Verified
	}
	res.Now = &nowF
	res.Diff = diff(f, &nowF)
	res.Passed = res.Diff == ""
	return res, nil
}

// maskedSecrets names the secret fields the fixture holds masked.
func maskedSecrets(t *templates.Template, fields map[string]string) string {
	var names []string
	for _, name := range t.SecretFields() {
		if fields[name] == engine.Mask {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// replayServer answers the n-th request it receives with the n-th
// recorded answer. It listens on 127.0.0.1; the transport sends every
// request there, whatever its URL's host.
type replayServer struct {
	ln      net.Listener
	srv     *http.Server
	client  *http.Transport
	answers []*Response
	mu      sync.Mutex
	next    int
	extra   int
}

func serve(exchanges []Exchange) (*replayServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the replay server: %w", err)
	}
	s := &replayServer{ln: ln}
	for _, e := range exchanges {
		if !e.Skipped {
			s.answers = append(s.answers, e.Response)
		}
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.answer), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed on close
	return s, nil
}

func (s *replayServer) answer(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var a *Response
	if s.next < len(s.answers) {
		a = s.answers[s.next]
	} else {
		s.extra++
	}
	s.next++
	s.mu.Unlock()
	switch {
	case a == nil:
		http.Error(w, "template test: no recorded answer for this request", http.StatusNotImplemented)
	case a.Status == 0:
		// The recorded request got no answer: nor does this one.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, a.Error, http.StatusBadGateway)
	default:
		for k, v := range a.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.Status)
		_, _ = w.Write([]byte(a.Body))
	}
}

func (s *replayServer) unanswered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.extra
}

func (s *replayServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.srv.Close()
	}
}

// transport sends every request to the replay server over plain HTTP,
// keeping the request's own Host header.
func (s *replayServer) transport() http.RoundTripper {
	base := &http.Transport{Proxy: nil, DisableCompression: true, MaxIdleConnsPerHost: 4}
	s.client = base
	addr := s.ln.Addr().String()
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		if r.Host == "" {
			r.Host = r.URL.Host
		}
		r.URL.Scheme, r.URL.Host = "http", addr
		return base.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
