package engine

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"
)

// The scenario throughput goal: the engine (render, trace, retry layer,
// concurrency limit, output extraction) against a local helpdesk that
// answers at once, compared with a plain net/http client sending the same
// request at the same concurrency, in the same run. Target: ≥ 0.8 of the
// plain client's rate. Compare with:
//
//	go test -run '^$' -bench 'Throughput' -cpu 2 ./engine
const throughputBody = `{"results":[{"id":17,"name":"Ann Lee","email":"ann@acme.test","phone":"+14155550100","notes":"VIP"}]}`

func throughputServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, throughputBody)
	}))
	b.Cleanup(srv.Close)
	return srv
}

const throughputConcurrency = 8

// plainSender sends the request the way a hand-written client would.
func plainSender(srv *httptest.Server) func() error {
	tr := cleanhttp.DefaultPooledTransport()
	tr.MaxIdleConnsPerHost = 128
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	url := srv.URL + "/api/v2/search.json?query=role%3Aend-user%20phone%3A%2A14155550100"
	return func() error {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.SetBasicAuth("agent@acme.test/token", "secret")
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.ReadAll(resp.Body)
		return resp.Body.Close()
	}
}

const throughputTemplate = `<Information Provider="helpdesk" Name="T" Key="t" AuthType="basic" MaxConcurrentRequest="100">
<Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Name="Base64EncodedCredential" Value="{{.email}}/token:{{.token}}"/>
  <Parameter Father="CustomFieldList" Name="base"/><Parameter Father="CustomFieldList" Name="email"/><Parameter Father="CustomFieldList" Name="token" Editor="password"/>
  <Parameter Father="PopulateTemplateString" Type="Header" Name="Accept" Value="application/json"/>
</Parameters></Scenario>
<Scenario Id="SyncContactAuto" Type="REST"><Requests>
  <Request Name="contacts" Method="GET" URLFormat="{{.base}}/api/v2/search.json?query={{UrlEncode (print &quot;role:end-user phone:*&quot; .Phone)}}"><Outputs>
    <Output Name="ContactsId" Path="results.#.id"/><Output Name="FirstName" Path="results.#.name"/>
    <Output Name="Email" Path="results.#.email"/><Output Name="BusinessNumber" Path="results.#.phone"/>
  </Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`

// engineSender runs the scenario that sends the same request.
func engineSender(b *testing.B, srv *httptest.Server) func() error {
	t, problems := Load("t.xml", []byte(throughputTemplate), Options{Location: time.UTC})
	if problems.HasErrors() {
		b.Fatal(problems)
	}
	fields := Vars{"base": srv.URL, "email": "agent@acme.test", "token": "secret"}
	c := NewClient(t, ClientConfig{Vars: fields, Auth: basicForBench{}})
	vars := Vars{"Phone": "14155550100"}
	return func() error {
		res := c.Run(context.Background(), "SyncContactAuto", vars, RunOptions{})
		if res.Err != nil {
			return res.Err
		}
		if len(res.Rows) != 1 {
			return fmt.Errorf("got %d rows, want 1", len(res.Rows))
		}
		return nil
	}
}

func benchmarkSender(b *testing.B, send func() error) {
	b.SetParallelism(throughputConcurrency)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := send(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkThroughputPlainHTTP(b *testing.B) {
	benchmarkSender(b, plainSender(throughputServer(b)))
}

func BenchmarkThroughputEngine(b *testing.B) {
	benchmarkSender(b, engineSender(b, throughputServer(b)))
}

// BenchmarkThroughputRatio measures both in the same run, taking turns in
// rounds of a few thousand requests so that whatever else the machine does
// weighs on both alike, and reports the engine's rate as a share of the
// plain client's ("ratio"; the goal is ≥ 0.8). Run it with -benchtime of a
// few seconds or more:
//
//	go test -run '^$' -bench ThroughputRatio -benchtime 5s ./engine
func BenchmarkThroughputRatio(b *testing.B) {
	srv := throughputServer(b)
	plain, eng := plainSender(srv), engineSender(b, srv)
	workers := throughputConcurrency * runtime.GOMAXPROCS(0) // as RunParallel above
	const round = 2000
	var plainTime, engineTime time.Duration
	for done := 0; done < b.N; done += round {
		n := min(round, b.N-done)
		plainTime += drive(b, workers, n, plain)
		engineTime += drive(b, workers, n, eng)
	}
	b.ReportMetric(float64(plainTime.Nanoseconds())/float64(b.N), "plain-ns/req")
	b.ReportMetric(float64(engineTime.Nanoseconds())/float64(b.N), "engine-ns/req")
	b.ReportMetric(float64(plainTime)/float64(engineTime), "ratio")
}

// drive sends n requests from the given number of goroutines and returns
// how long they took.
func drive(b *testing.B, workers, n int, send func() error) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := send(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// basicForBench is the Authorization the auth package would give, without
// importing it (it imports this package): like auth.Basic, the same
// credentials every time.
type basicForBench struct{}

var benchCredentials = Credentials{
	Header:  http.Header{"Authorization": {"Basic YWdlbnRAYWNtZS50ZXN0L3Rva2VuOnNlY3JldA=="}},
	Secrets: []string{"agent@acme.test/token:secret", "YWdlbnRAYWNtZS50ZXN0L3Rva2VuOnNlY3JldA=="},
}

func (basicForBench) Credentials(context.Context) (Credentials, error) { return benchCredentials, nil }
