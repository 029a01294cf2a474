package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/server"
	"github.com/switchboard/switchboard/store"
)

// Events acknowledged durably per second: each 202 means the event is
// stored as a job. The queue's workers do not run, so only ingestion is
// measured. Run with:
//
//	go test -run '^$' -bench Ingest -benchtime 5s ./server
//	SWITCHBOARD_TEST_POSTGRES_URL=postgres://… go test -run '^$' -bench IngestPostgres ./server
func benchIngest(b *testing.B, st store.Store) {
	s, err := server.New(context.Background(), server.Config{Store: st, AdminToken: adminToken, TimeZone: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Sprintf(`{"callId":"bench-%d","event":"ringing","direction":"inbound","extension":"1001","external":{"number":"+1555%07d"}}`, i, i)
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/events/calls", bytes.NewReader([]byte(body)))
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 202 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
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
