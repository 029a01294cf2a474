package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/semaphore"

	"github.com/switchboard/switchboard/engine"
)

// tmpl builds and loads a template whose AuthMethod has the given
// parameters and which holds the given scenarios.
func tmpl(t *testing.T, root, authParams, scenarios string) *engine.Template {
	t.Helper()
	if root == "" {
		root = `AuthType="none"`
	}
	src := fmt.Sprintf(`<Information Provider="helpdesk" Name="T" Key="t" %s>
<Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>%s</Parameters></Scenario>
%s
</Scenarios>
</Information>`, root, authParams, scenarios)
	et, problems := engine.Load("t.xml", []byte(src), engine.Options{Location: time.UTC})
	require.False(t, problems.HasErrors(), "%v", problems)
	return et
}

// fastRetry keeps retry tests quick without changing what is retried.
var fastRetry = engine.RetryPolicy{WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond}

type seen struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

// recordingServer answers with the handler and records every request.
func recordingServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request, body string)) (*httptest.Server, func() []seen) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()})
		mu.Unlock()
		h(w, r, string(b))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), got...)
	}
}

func globalInfo(requests string) string {
	return `<Scenario Id="GetGlobalInfo" Type="REST"><Requests>` + requests + `</Requests></Scenario>`
}

type staticAuth struct{ h http.Header }

func (a staticAuth) Credentials(context.Context) (engine.Credentials, error) {
	return engine.Credentials{Header: a.h, Secrets: []string{strings.TrimPrefix(a.h.Get("Authorization"), "Bearer ")}}, nil
}

func TestHeaderMergeOrder(t *testing.T) {
	srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(204) })
	et := tmpl(t, "", `
<Parameter Father="PopulateTemplateString" Type="Header" Name="X-Wide" Value="wide"/>
<Parameter Father="PopulateTemplateString" Type="Header" Name="X-Both" Value="wide"/>
<Parameter Father="PopulateTemplateString" Type="Header" Name="Authorization" Value="from-template"/>
<Parameter Father="PopulateTemplateString" Type="Header" Name="X-Empty" Value="{{.nothing}}"/>`,
		globalInfo(`
<Request Name="a" Method="GET" URLFormat="`+srv.URL+`/a"><Parameters>
  <Parameter Father="PopulateTemplateString" Type="Header" Name="X-Both" Value="own {{.v}}"/>
</Parameters></Request>
<Request Name="b" Method="GET" URLFormat="`+srv.URL+`/b"><Parameters>
  <Parameter Type="Header" Name="Authorization" Value="Token own"/>
</Parameters></Request>`))
	auth := staticAuth{http.Header{"Authorization": {"Bearer from-auth"}}}
	res := engine.NewClient(et, engine.ClientConfig{Auth: auth}).Run(context.Background(), "GetGlobalInfo", engine.Vars{"v": "1"}, engine.RunOptions{})
	require.NoError(t, res.Err)
	reqs := got()
	require.Len(t, reqs, 2)
	// template-wide, then auth (wins over the template's Authorization), then the request's own.
	require.Equal(t, "wide", reqs[0].Header.Get("X-Wide"))
	require.Equal(t, "own 1", reqs[0].Header.Get("X-Both"))
	require.Equal(t, "Bearer from-auth", reqs[0].Header.Get("Authorization"))
	require.Empty(t, reqs[0].Header.Values("X-Empty"), "a header that renders empty is left out")
	require.Equal(t, "Token own", reqs[1].Header.Get("Authorization"))
	// The trace shows the scheme but never the credential.
	require.Equal(t, "Bearer ****", res.Trace[0].RequestHeaders["Authorization"])
}

func TestBodiesAndEncodings(t *testing.T) {
	srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(204) })
	et := tmpl(t, "", "", globalInfo(`
<Request Name="json" Method="POST" URLFormat="`+srv.URL+`/json"><Parameters>
  <Parameter Name="Data" Type="Body" Value="{&quot;name&quot;:&quot;{{JsonEscape .name}}&quot;,&#xA;&quot;n&quot;:1}"/>
</Parameters></Request>
<Request Name="form" Method="POST" RequestEncoding="form" URLFormat="`+srv.URL+`/form"><Parameters>
  <Parameter Name="Data" Type="Body" Value="{&quot;name&quot;:&quot;{{JsonEscape .name}}&quot;,&quot;n&quot;:2,&quot;tags&quot;:[&quot;a&quot;,&quot;b&quot;],&quot;meta&quot;:{&quot;k&quot;:1}}"/>
</Parameters></Request>
<Request Name="rawform" Method="POST" RequestEncoding="UrlEncoded" URLFormat="`+srv.URL+`/rawform"><Parameters>
  <Parameter Name="Data" Type="Body" Value="a=1&amp;b={{UrlEncode .name}}"/>
</Parameters></Request>
<Request Name="xml" Method="POST" URLFormat="`+srv.URL+`/xml"><Parameters>
  <Parameter Type="Header" Name="Content-Type" Value="text/xml"/>
  <Parameter Name="Data" Type="Body" Value="&lt;name&gt;{{.name}}&lt;/name&gt;"/>
</Parameters></Request>
<Request Name="get" Method="GET" URLFormat="`+srv.URL+`/get"/>`))
	res := engine.NewClient(et, engine.ClientConfig{}).Run(context.Background(), "GetGlobalInfo", engine.Vars{"name": `Ann "A" & Co`}, engine.RunOptions{})
	require.NoError(t, res.Err)
	reqs := got()
	require.Len(t, reqs, 5)
	require.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
	require.JSONEq(t, `{"name":"Ann \"A\" & Co","n":1}`, reqs[0].Body)
	require.Equal(t, "application/x-www-form-urlencoded", reqs[1].Header.Get("Content-Type"))
	// A list of plain values repeats the field; an object is sent as JSON.
	require.Equal(t, "meta=%7B%22k%22%3A1%7D&n=2&name=Ann+%22A%22+%26+Co&tags=a&tags=b", reqs[1].Body)
	require.Equal(t, "a=1&b=Ann%20%22A%22%20%26%20Co", reqs[2].Body)
	require.Equal(t, "text/xml", reqs[3].Header.Get("Content-Type"))
	require.Equal(t, `<name>Ann "A" & Co</name>`, reqs[3].Body)
	require.Empty(t, reqs[4].Body)
	require.Empty(t, reqs[4].Header.Get("Content-Type"))
}

// Values inside string literals are escaped (TestJSONBodyValuesAreEscaped);
// one printed outside them is written as it is, and may break the JSON.
func TestInvalidJSONBodyIsNotSent(t *testing.T) {
	srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(204) })
	et := tmpl(t, "", "", globalInfo(`
<Request Name="bad" Method="POST" URLFormat="`+srv.URL+`/x"><Parameters>
  <Parameter Name="Data" Type="Body" Value="{&quot;name&quot;:&quot;{{.name}}&quot;,&quot;count&quot;:{{.count}}}"/>
</Parameters></Request>`))
	res := engine.NewClient(et, engine.ClientConfig{}).Run(context.Background(), "GetGlobalInfo", engine.Vars{"name": `say "hi"`, "count": "3 apples"}, engine.RunOptions{})
	require.ErrorIs(t, res.Err, engine.ErrInvalidJSONBody)
	require.Empty(t, got(), "nothing may be sent")
	require.Len(t, res.Trace, 1)
	require.Equal(t, `{"name":"say \"hi\"","count":3 apples}`, res.Trace[0].RequestBody)
	require.Contains(t, res.Trace[0].Error, "not valid JSON")
	require.Zero(t, res.Trace[0].Status)
}

func TestEmptyURLSkipsAndWeightOrders(t *testing.T) {
	srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(204) })
	et := tmpl(t, "", "", globalInfo(`
<Request Name="third" Method="GET" Weight="3" URLFormat="`+srv.URL+`/third"/>
<Request Name="skipped" Method="PUT" Weight="2" URLFormat="{{if .RecordPath}}`+srv.URL+`/rec{{end}}"/>
<Request Name="first" Method="GET" Weight="1" URLFormat="`+srv.URL+`/first"/>
<Request Name="alsofirst" Method="GET" Weight="1" URLFormat="`+srv.URL+`/alsofirst"/>`))
	res := engine.NewClient(et, engine.ClientConfig{}).Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
	require.NoError(t, res.Err)
	var paths []string
	for _, r := range got() {
		paths = append(paths, r.Path)
	}
	require.Equal(t, []string{"/first", "/alsofirst", "/third"}, paths)
	require.Len(t, res.Trace, 4)
	require.True(t, res.Trace[2].Skipped)
	require.Equal(t, "skipped", res.Trace[2].Request)
}

func TestOutputsRowsAndVarsFlowToLaterRequests(t *testing.T) {
	srv, got := recordingServer(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		switch r.URL.Path {
		case "/tickets":
			w.WriteHeader(201)
			fmt.Fprint(w, `{"ticket":{"id":4711,"status":"new"}}`)
		default:
			fmt.Fprint(w, `{}`)
		}
	})
	et := tmpl(t, "", "", `<Scenario Id="CreateNewTicket" Type="REST">
<Parameters><Parameter Name="Subject" Value="{{.Communication_Type}} call"/></Parameters>
<Requests>
<Request Name="CreateNewTicket" Method="POST" URLFormat="`+srv.URL+`/tickets"><Parameters>
  <Parameter Name="Data" Type="Body" Value="{&quot;subject&quot;:&quot;{{.Subject}}&quot;}"/>
</Parameters><Outputs><Output Name="TicketId" Path="ticket.id"/></Outputs></Request>
<Request Name="UpdateTicket" Method="PATCH" URLFormat="`+srv.URL+`/tickets/{{.TicketId}}"/>
</Requests></Scenario>`)
	res := engine.NewClient(et, engine.ClientConfig{}).Run(context.Background(), "CreateNewTicket", engine.Vars{"Communication_Type": "Inbound"}, engine.RunOptions{})
	require.NoError(t, res.Err)
	reqs := got()
	require.Len(t, reqs, 2)
	require.JSONEq(t, `{"subject":"Inbound call"}`, reqs[0].Body)
	require.Equal(t, "/tickets/4711", reqs[1].Path)
	require.Equal(t, engine.Vars{"TicketId": "4711"}, res.Vars)
	require.Equal(t, []engine.Row{{Request: "CreateNewTicket", Values: map[string]string{"TicketId": "4711"}}}, res.Rows)
}

func TestRowsZipByIndexAndNextBackfills(t *testing.T) {
	srv, got := recordingServer(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		switch r.URL.Path {
		case "/search":
			fmt.Fprint(w, `{"users":[{"id":1,"name":"Ann","phone":"+100"},{"id":2,"name":"Bob","phone":null}],"count":2}`)
		case "/users/1/identities":
			fmt.Fprint(w, `{"identities":[{"type":"email","value":"a@x"},{"type":"phone_number","value":"+100"},{"type":"phone_number","value":"+101"}]}`)
		case "/users/2/identities":
			fmt.Fprint(w, `{"identities":[{"type":"phone_number","value":"+200"},{"type":"phone_number","value":"+201"}]}`)
		}
	})
	et := tmpl(t, "", "", `<Scenario Id="SyncContactAuto" Type="REST"><Requests>
<Request Name="contacts" Method="GET" URLFormat="`+srv.URL+`/search?phone={{UrlEncode .Phone}}&amp;type={{.ContactSyncType}}">
<Outputs Next="GetIdentities">
  <Output Name="ContactsId" Path="users.#.id"/>
  <Output Name="FirstName" Path="users.#.name"/>
  <Output Name="BusinessNumber" Path="users.#.phone"/>
  <Output Name="Total" Path="count"/>
  <Output Name="MobileNumber" Path=""/>
</Outputs></Request></Requests></Scenario>
<Scenario Id="Common" Type="REST"><Requests>
<Request Name="GetIdentities" Method="GET" URLFormat="`+srv.URL+`/users/{{.ContactsId}}/identities">
<Outputs>
  <Output Name="BusinessNumber" Path="identities.#{type==&quot;phone_number&quot;}#|0.value"/>
  <Output Name="MobileNumber" Path="identities.#{type==&quot;phone_number&quot;}#|1.value"/>
</Outputs></Request></Requests></Scenario>`)
	res := engine.NewClient(et, engine.ClientConfig{}).Run(context.Background(), "SyncContactAuto", engine.Vars{"Phone": "+100"}, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.Equal(t, "phone=%2B100&type=contacts", got()[0].Query)
	require.Equal(t, []engine.Row{
		// Ann had a phone already (kept); her mobile is backfilled.
		{Request: "contacts", Values: map[string]string{"ContactsId": "1", "FirstName": "Ann", "BusinessNumber": "+100", "MobileNumber": "+101", "Total": "2"}},
		// Bob's null phone is empty, so both numbers are backfilled.
		{Request: "contacts", Values: map[string]string{"ContactsId": "2", "FirstName": "Bob", "BusinessNumber": "+200", "MobileNumber": "+201", "Total": "2"}},
	}, res.Rows)
	require.Len(t, res.Trace, 3)
	require.Equal(t, "GetIdentities", res.Trace[2].Request)
}

func TestNextFailureKeepsTheRow(t *testing.T) {
	srv, _ := recordingServer(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		if r.URL.Path == "/more" {
			w.WriteHeader(404)
			return
		}
		fmt.Fprint(w, `{"id":"9"}`)
	})
	et := tmpl(t, "", "", globalInfo(`<Request Name="a" Method="GET" URLFormat="`+srv.URL+`/a"><Outputs Next="more"><Output Name="Id" Path="id"/></Outputs></Request>`)+
		`<Scenario Id="Common" Type="REST"><Requests><Request Name="more" Method="GET" URLFormat="`+srv.URL+`/more"><Outputs><Output Name="Extra" Path="x"/></Outputs></Request></Requests></Scenario>`)
	res := engine.NewClient(et, engine.ClientConfig{Retry: fastRetry}).Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.Equal(t, []engine.Row{{Request: "a", Values: map[string]string{"Id": "9"}}}, res.Rows)
	require.Len(t, res.Warnings, 1)
	require.Contains(t, res.Warnings[0], "HTTP 404")
}

func TestNonSuccessFailsTheRun(t *testing.T) {
	srv, _ := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		w.WriteHeader(422)
		fmt.Fprint(w, `{"error":"name is required"}`)
	})
	et := tmpl(t, "", "", globalInfo(`<Request Name="a" Method="POST" URLFormat="`+srv.URL+`/a"/><Request Name="b" Method="GET" URLFormat="`+srv.URL+`/b"/>`))
	res := engine.NewClient(et, engine.ClientConfig{Retry: fastRetry}).Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
	var herr *engine.HTTPStatusError
	require.ErrorAs(t, res.Err, &herr)
	require.Equal(t, 422, herr.Status)
	require.Equal(t, `request a: HTTP 422 Unprocessable Entity: {"error":"name is required"}`, res.Error)
	require.Len(t, res.Trace, 1, "the run stops at the failing request")
	require.Equal(t, 1, res.Trace[0].Attempts, "4xx is never retried")
}

func TestRunSelectedRequestsAndUnknownNames(t *testing.T) {
	srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(204) })
	et := tmpl(t, "", "", globalInfo(`<Request Name="a" Method="GET" URLFormat="`+srv.URL+`/a"/><Request Name="b" Method="GET" URLFormat="`+srv.URL+`/b"/>`))
	c := engine.NewClient(et, engine.ClientConfig{})
	res := c.Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{Requests: []string{"b"}})
	require.NoError(t, res.Err)
	require.Len(t, got(), 1)
	require.Equal(t, "/b", got()[0].Path)
	res = c.Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{Requests: []string{"c"}})
	require.EqualError(t, res.Err, `scenario GetGlobalInfo has no request "c" (it has a, b)`)
	res = c.Run(context.Background(), "CallJournal", nil, engine.RunOptions{})
	require.ErrorIs(t, res.Err, engine.ErrNoScenario)
}

func TestRetries(t *testing.T) {
	t.Run("5xx then success, idempotent", func(t *testing.T) {
		var n atomic.Int32
		srv, _ := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
			if n.Add(1) < 3 {
				w.WriteHeader(503)
				return
			}
			fmt.Fprint(w, `{"id":"1"}`)
		})
		et := tmpl(t, "", "", globalInfo(`<Request Name="a" Method="GET" URLFormat="`+srv.URL+`/a"><Outputs><Output Name="Id" Path="id"/></Outputs></Request>`))
		res := engine.NewClient(et, engine.ClientConfig{Retry: fastRetry}).Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
		require.NoError(t, res.Err)
		require.Equal(t, 3, res.Trace[0].Attempts)
		require.Equal(t, 200, res.Trace[0].Status)
		require.Equal(t, "1", res.Vars["Id"])
	})
	t.Run("429 with Retry-After is retried, also for POST", func(t *testing.T) {
		var n atomic.Int32
		srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
			if n.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(429)
				return
			}
			w.WriteHeader(201)
		})
		et := tmpl(t, "", "", globalInfo(`<Request Name="a" Method="POST" URLFormat="`+srv.URL+`/a"><Parameters><Parameter Name="Data" Type="Body" Value="{&quot;x&quot;:1}"/></Parameters></Request>`))
		res := engine.NewClient(et, engine.ClientConfig{Retry: fastRetry}).Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
		require.NoError(t, res.Err)
		require.Len(t, got(), 2)
		require.Equal(t, got()[0].Body, got()[1].Body, "the retry sends the same body")
	})
	t.Run("gives up after Max and reports the last answer", func(t *testing.T) {
		srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
			w.WriteHeader(502)
			fmt.Fprint(w, "bad gateway")
		})
		et := tmpl(t, "", "", globalInfo(`<Request Name="a" Method="GET" URLFormat="`+srv.URL+`/a"/>`))
		policy := fastRetry
		policy.Max = 2
		res := engine.NewClient(et, engine.ClientConfig{Retry: policy}).Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
		require.ErrorContains(t, res.Err, "HTTP 502 Bad Gateway: bad gateway")
		require.Len(t, got(), 3)
		require.Equal(t, 3, res.Trace[0].Attempts)
	})
	t.Run("a POST the server may have acted on is not sent twice", func(t *testing.T) {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			_, _ = io.ReadAll(r.Body)
			// The server received the request, then the connection drops
			// without an answer.
			conn, _, err := w.(http.Hijacker).Hijack()
			require.NoError(t, err)
			conn.Close()
		}))
		t.Cleanup(srv.Close)
		et := tmpl(t, "", "", globalInfo(`<Request Name="a" Method="POST" URLFormat="`+srv.URL+`/a"><Parameters><Parameter Name="Data" Type="Body" Value="{}"/></Parameters></Request>
<Request Name="g" Method="GET" URLFormat="`+srv.URL+`/g"/>`))
		c := engine.NewClient(et, engine.ClientConfig{Retry: fastRetry})
		res := c.Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{Requests: []string{"a"}})
		require.Error(t, res.Err)
		require.EqualValues(t, 1, n.Load(), "POST must not be re-sent")
		n.Store(0)
		res = c.Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{Requests: []string{"g"}})
		require.Error(t, res.Err)
		require.EqualValues(t, 4, n.Load(), "GET is retried: 1 + Max(3)")
	})
	t.Run("a POST that never reached the server is retried", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close()) // nothing listens there now
		et := tmpl(t, "", "", globalInfo(`<Request Name="a" Method="POST" URLFormat="http://`+addr+`/a"/>`))
		res := engine.NewClient(et, engine.ClientConfig{Retry: fastRetry}).Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
		require.ErrorContains(t, res.Err, "connection refused")
		require.Equal(t, 4, res.Trace[0].Attempts)
	})
}

func TestPerRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv, _ := recordingServer(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	et := tmpl(t, "", "", globalInfo(`<Request Name="slow" Method="GET" URLFormat="`+srv.URL+`/slow"/>`))
	res := engine.NewClient(et, engine.ClientConfig{Timeout: 50 * time.Millisecond, Retry: engine.RetryPolicy{Max: -1}}).
		Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
	require.ErrorContains(t, res.Err, "no answer within the 50ms timeout")
	require.Contains(t, res.Trace[0].Error, "no answer within")
}

func TestConcurrencyLimitIsSharedByEveryRun(t *testing.T) {
	const limit, runs = 3, 12
	var inflight, peak atomic.Int32
	arrived := make(chan struct{}, runs)
	release := make(chan struct{})
	srv, _ := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		now := inflight.Add(1)
		for {
			p := peak.Load()
			if now <= p || peak.CompareAndSwap(p, now) {
				break
			}
		}
		arrived <- struct{}{}
		<-release
		inflight.Add(-1)
		w.WriteHeader(204)
	})
	et := tmpl(t, fmt.Sprintf(`AuthType="none" MaxConcurrentRequest="%d"`, limit), "", globalInfo(`<Request Name="a" Method="GET" URLFormat="`+srv.URL+`/a"/>`))
	limiter := semaphore.NewWeighted(limit)
	c := engine.NewClient(et, engine.ClientConfig{Limiter: limiter})
	var wg sync.WaitGroup
	errs := make(chan error, runs)
	for range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{}).Err
		}()
	}
	for range limit {
		<-arrived
	}
	// Every slot is taken by a request in flight: no fourth can start.
	require.False(t, limiter.TryAcquire(1))
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, limit, peak.Load(), "requests ran concurrently up to the limit and never beyond it")
	require.True(t, limiter.TryAcquire(limit), "every slot is given back")
}

type refreshingAuth struct {
	mu        sync.Mutex
	token     string
	refreshes int
}

func (a *refreshingAuth) Credentials(context.Context) (engine.Credentials, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return engine.Credentials{Header: http.Header{"Authorization": {"Bearer " + a.token}},
		Vars: engine.Vars{"AccessToken": a.token}, Secrets: []string{a.token}}, nil
}

func (a *refreshingAuth) Refresh(context.Context, engine.Credentials) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshes++
	a.token = fmt.Sprintf("fresh-token-%d", a.refreshes)
	return nil
}

func TestTokenInvalid(t *testing.T) {
	srv, got := recordingServer(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		if r.Header.Get("Authorization") != "Bearer fresh-token-1" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_token","detail":"expired"}`)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	})
	auth := `<Parameter Father="TokenErrorMap" Type="TokenInvalid" Name="TokenInvalid" Value="invalid_token"/>`
	scen := globalInfo(`<Request Name="a" Method="GET" URLFormat="` + srv.URL + `/a?t={{.AccessToken}}"/>`)
	et := tmpl(t, `AuthType="bearertoken"`, auth+`<Parameter Name="TokenEndPoint" Value="https://x"/>`, scen)

	t.Run("recognisable error without a refresher", func(t *testing.T) {
		res := engine.NewClient(et, engine.ClientConfig{Auth: staticAuth{http.Header{"Authorization": {"Bearer stale-token"}}}}).
			Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
		require.ErrorIs(t, res.Err, engine.ErrTokenInvalid)
		var terr *engine.TokenInvalidError
		require.ErrorAs(t, res.Err, &terr)
		require.Equal(t, 401, terr.Status)
		require.Equal(t, "invalid_token", terr.Match)
	})
	t.Run("refresh once and send again", func(t *testing.T) {
		before := len(got())
		ra := &refreshingAuth{token: "stale-token"}
		res := engine.NewClient(et, engine.ClientConfig{Auth: ra}).Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
		require.NoError(t, res.Err)
		require.Equal(t, 1, ra.refreshes)
		reqs := got()[before:]
		require.Len(t, reqs, 2)
		require.Equal(t, "t=fresh-token-1", reqs[1].Query, "the request is rendered again with the new AccessToken")
		for _, e := range res.Trace {
			require.NotContains(t, e.URL, "token-", "tokens are masked in URLs")
		}
	})
	t.Run("a non-2xx without the marker is a plain error", func(t *testing.T) {
		srv2, _ := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(403) })
		et2 := tmpl(t, `AuthType="bearertoken"`, auth+`<Parameter Name="TokenEndPoint" Value="https://x"/>`, globalInfo(`<Request Name="a" Method="GET" URLFormat="`+srv2.URL+`/a"/>`))
		ra := &refreshingAuth{token: "t1-token"}
		res := engine.NewClient(et2, engine.ClientConfig{Auth: ra}).Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
		require.False(t, errors.Is(res.Err, engine.ErrTokenInvalid))
		require.Zero(t, ra.refreshes)
	})
}

func TestTraceMasksSecrets(t *testing.T) {
	srv, _ := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		w.Header().Set("Set-Cookie", "session=cookie-secret-value")
		fmt.Fprint(w, `{"access_token":"server-issued-token","refresh_token":"rt-123456","echo":"pw-S3cret!"}`)
	})
	et := tmpl(t, "", `<Parameter Father="CustomFieldList" Name="password" Editor="password"/>
<Parameter Father="CustomFieldList" Name="user" Editor="string"/>
<Parameter Father="PopulateTemplateString" Type="Header" Name="X-Api-Key" Value="{{.password}}"/>`,
		globalInfo(`<Request Name="a" Method="POST" URLFormat="`+srv.URL+`/a?user={{.user}}&amp;api_key=query-secret&amp;p={{UrlEncode .password}}"><Parameters>
<Parameter Name="Data" Type="Body" Value="{&quot;user&quot;:&quot;{{.user}}&quot;,&quot;password&quot;:&quot;{{.password}}&quot;,&quot;client_secret&quot;:&quot;cs-literal&quot;,&quot;note&quot;:&quot;x {{.password}} y&quot;}"/>
</Parameters></Request>`))
	auth := staticAuth{http.Header{"Authorization": {"Bearer bearer-secret-token"}}}
	res := engine.NewClient(et, engine.ClientConfig{Auth: auth, Vars: engine.Vars{"password": "pw-S3cret!", "user": "ann"}}).
		Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
	require.NoError(t, res.Err)
	out, err := json.Marshal(res)
	require.NoError(t, err)
	for _, secret := range []string{"pw-S3cret!", "pw-S3cret%21", "query-secret", "cs-literal", "server-issued-token", "rt-123456", "bearer-secret-token", "cookie-secret-value"} {
		require.NotContains(t, string(out), secret)
	}
	e := res.Trace[0]
	require.Contains(t, e.URL, "user=ann", "what is not secret stays readable")
	require.Contains(t, e.RequestBody, `"user":"ann"`)
	require.Equal(t, "****", e.RequestHeaders["X-Api-Key"])
	require.Equal(t, "Bearer ****", e.RequestHeaders["Authorization"])
}

func TestExtraOutputsAndObservations(t *testing.T) {
	srv, _ := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		fmt.Fprint(w, `{"data":[{"id":1,"url":"https://desk/1"},{"id":2,"url":"https://desk/2"}],"next":"c2"}`)
	})
	et := tmpl(t, "", "", globalInfo(`<Request Name="a" Method="GET" URLFormat="`+srv.URL+`/a"><Outputs><Output Name="Id" Path="data.#.id"/></Outputs></Request>`))
	var mu sync.Mutex
	var seen []engine.Observation
	c := engine.NewClient(et, engine.ClientConfig{Observe: func(o engine.Observation) {
		mu.Lock()
		seen = append(seen, o)
		mu.Unlock()
	}})
	res := c.Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{ExtraOutputs: []engine.Output{{Name: "ContactUrl", Path: "data.#.url"}, {Name: "Cursor", Path: "next"}}})
	require.NoError(t, res.Err)
	require.Equal(t, []engine.Row{
		{Request: "a", Values: map[string]string{"Id": "1", "ContactUrl": "https://desk/1", "Cursor": "c2"}},
		{Request: "a", Values: map[string]string{"Id": "2", "ContactUrl": "https://desk/2", "Cursor": "c2"}},
	}, res.Rows)
	require.Len(t, seen, 1)
	require.Equal(t, "GetGlobalInfo", seen[0].Scenario)
	require.Equal(t, "a", seen[0].Request)
	require.Equal(t, 200, seen[0].Status)
}

// Every request that changes something carries the run's key, PUT and
// DELETE too (Zendesk's journal is a PUT that adds a comment); reads do not.
func TestIdempotencyKey(t *testing.T) {
	srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(201) })
	et := tmpl(t, "", "", globalInfo(`<Request Name="create" Method="POST" URLFormat="`+srv.URL+`/a"/>
<Request Name="read" Method="GET" URLFormat="`+srv.URL+`/b"/>
<Request Name="own" Method="POST" URLFormat="`+srv.URL+`/c"><Parameters><Parameter Type="Header" Name="Idempotency-Key" Value="mine"/></Parameters></Request>
<Request Name="journal" Method="PUT" URLFormat="`+srv.URL+`/d"/>
<Request Name="remove" Method="DELETE" URLFormat="`+srv.URL+`/e"/>
<Request Name="update" Method="PATCH" URLFormat="`+srv.URL+`/f"/>
<Request Name="probe" Method="HEAD" URLFormat="`+srv.URL+`/g"/>
<Request Name="ownPut" Method="PUT" URLFormat="`+srv.URL+`/h"><Parameters><Parameter Type="Header" Name="Idempotency-Key" Value="mine too"/></Parameters></Request>`))
	res := engine.NewClient(et, engine.ClientConfig{}).Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{IdempotencyKey: "call-1:int-1:createTicket"})
	require.NoError(t, res.Err)
	keys := map[string]string{}
	for _, r := range got() {
		keys[r.Method+" "+r.Path] = r.Header.Get("Idempotency-Key")
	}
	require.Equal(t, map[string]string{
		"POST /a":   "call-1:int-1:createTicket:create",
		"GET /b":    "",
		"POST /c":   "mine",
		"PUT /d":    "call-1:int-1:createTicket:journal",
		"DELETE /e": "call-1:int-1:createTicket:remove",
		"PATCH /f":  "call-1:int-1:createTicket:update",
		"HEAD /g":   "",
		"PUT /h":    "mine too",
	}, keys, "the template's own key wins; GET and HEAD need none")
}
