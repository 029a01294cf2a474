package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/server"
	"github.com/switchboard/switchboard/store"
)

// Events acknowledged durably per second: each 202 means the event is
// stored in its call, with the work it makes due stored as a job for the
// Zendesk integration bound to its extension. The queue's workers do not
// run, so only ingestion is measured. Run with:
//
//	go test -run '^$' -bench Ingest -benchtime 5s ./server
//	SWITCHBOARD_TEST_POSTGRES_URL=postgres://… go test -run '^$' -bench IngestPostgres ./server
func benchIngest(b *testing.B, st store.Store) {
	bindZendesk(b, st)
	s, err := server.New(context.Background(), server.Config{Store: st, AdminToken: adminToken, TimeZone: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var n atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Sprintf(`{"callId":"bench-%d","event":"ringing","direction":"inbound","extension":"1001","external":{"number":"+1555%07d"}}`, i, i)
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/events/calls", bytes.NewReader([]byte(body)))
			req.Header.Set("Authorization", "Bearer "+adminToken)
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body) // read to the end: the connection is reused
			resp.Body.Close()
			d := time.Since(t0)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
			if resp.StatusCode != 202 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// bindZendesk connects the Zendesk example to extension 1001, so that
// the events' work is routed as in production.
func bindZendesk(b *testing.B, st store.Store) {
	ctx := context.Background()
	xml, err := os.ReadFile(filepath.Join("..", "examples", "zendesk.xml"))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if err := st.CreateTemplate(ctx, &store.Template{ID: "tpl_bench", Key: "bench_zendesk", Name: "Zendesk", Provider: "helpdesk",
		Version: "1", XML: xml, CreatedAt: now, UpdatedAt: now}, 10); err != nil {
		b.Fatal(err)
	}
	if err := st.CreateIntegration(ctx, &store.Integration{ID: "int_bench", TemplateID: "tpl_bench", Status: store.StatusConnected,
		Fields: map[string]string{"base_url": "http://127.0.0.1:1", "email": "a@acme.test"}, Secrets: map[string]string{"api_token": "t"},
		CreatedAt: now, UpdatedAt: now, ConnectedAt: now}); err != nil {
		b.Fatal(err)
	}
	if err := st.ReplaceUsers(ctx, "int_bench", []store.HelpdeskUser{{UserID: "361", Extensions: []string{"1001"}}}); err != nil {
		b.Fatal(err)
	}
	if err := st.SetUserExtensions(ctx, "int_bench", "361", []string{"1001"}); err != nil {
		b.Fatal(err)
	}
}

func benchSealer(b *testing.B) *store.Sealer {
	s, err := store.NewSealer([]byte("bench"))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkIngestSQLite(b *testing.B) {
	st, err := store.OpenSQLite(context.Background(), b.TempDir(), benchSealer(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchIngest(b, st)
}

func BenchmarkIngestPostgres(b *testing.B) {
	st, err := store.OpenPostgres(context.Background(), testpeers.PostgresSchema(b), benchSealer(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchIngest(b, st)
}
