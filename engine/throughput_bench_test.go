package engine

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
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

func BenchmarkThroughputPlainHTTP(b *testing.B) {
	srv := throughputServer(b)
	client := &http.Client{Transport: cleanhttp.DefaultPooledTransport(), Timeout: 30 * time.Second}
	url := srv.URL + "/api/v2/search.json?query=role%3Aend-user%20phone%3A%2A14155550100"
	b.SetParallelism(throughputConcurrency)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.SetBasicAuth("agent@acme.test/token", "secret")
			req.Header.Set("Accept", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
	})
}

func BenchmarkThroughputEngine(b *testing.B) {
	srv := throughputServer(b)
	t, problems := Load("t.xml", []byte(`<Information Provider="helpdesk" Name="T" Key="t" AuthType="basic" MaxConcurrentRequest="100">
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
</Scenarios></Information>`), Options{Location: time.UTC})
	if problems.HasErrors() {
		b.Fatal(problems)
	}
	fields := Vars{"base": srv.URL, "email": "agent@acme.test", "token": "secret"}
	c := NewClient(t, ClientConfig{Vars: fields, Auth: basicForBench{}})
	vars := Vars{"Phone": "14155550100"}
	b.SetParallelism(throughputConcurrency)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res := c.Run(context.Background(), "SyncContactAuto", vars, RunOptions{})
			if res.Err != nil || len(res.Rows) != 1 {
				b.Error(res.Err, res.Rows)
				return
			}
		}
	})
}

// basicForBench is the Authorization the auth package would give, without
// importing it (it imports this package).
type basicForBench struct{}

func (basicForBench) Credentials(context.Context) (Credentials, error) {
	h := http.Header{}
	h.Set("Authorization", "Basic YWdlbnRAYWNtZS50ZXN0L3Rva2VuOnNlY3JldA==")
	return Credentials{Header: h, Secrets: []string{"secret"}}, nil
}
