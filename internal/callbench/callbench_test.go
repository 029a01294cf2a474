package callbench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/callbench"
)

// A tiny benchmark of the real binary, on SQLite and, when
// SWITCHBOARD_TEST_POSTGRES_URL is set, on PostgreSQL, with the floor: the
// report is complete and sane. It checks the harness, not speed.
func TestTinyRunReportsEverySystem(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary")
	}
	bin, err := callbench.Build(context.Background(), t.TempDir())
	require.NoError(t, err)
	pg := os.Getenv("SWITCHBOARD_TEST_POSTGRES_URL")
	var log bytes.Buffer
	// A run that stalls fails within go test's time with what the service
	// knew of the calls it waited for, rather than as a test timeout.
	rep, err := callbench.Run(context.Background(), callbench.Config{Bin: bin, Calls: 40, Senders: 4, Postgres: pg, Log: &log, Timeout: 3 * time.Minute})
	require.NoError(t, err, log.String())

	want := []string{callbench.SystemSQLite}
	if pg != "" {
		want = append(want, callbench.SystemPostgres)
	}
	want = append(want, callbench.SystemFloor)
	var got []string
	for _, s := range rep.Systems {
		got = append(got, s.System)
		require.Equal(t, 40, s.Calls)
		require.Positive(t, s.CallsPerSec, s.System)
		require.GreaterOrEqual(t, s.CPUPerCallMs, 0.0, s.System)
		require.Positive(t, s.DeskPeakInFlight, s.System)
		// Four requests per call: the run measures the whole pipeline.
		for _, kind := range []string{"search", "identities", "ticket", "journal"} {
			// At least once each; a retried step may send one again (the run
			// itself fails unless every call was journaled exactly once).
			require.GreaterOrEqual(t, s.DeskRequests[kind], 40, "%s: %s requests", s.System, kind)
		}
		require.Zero(t, s.DeskRequests["other"], s.System)
		if s.System == callbench.SystemFloor {
			continue
		}
		require.Positive(t, s.AckedPerSec, s.System)
		require.Positive(t, s.AckP50Ms, s.System)
		require.GreaterOrEqual(t, s.AckP99Ms, s.AckP50Ms, s.System)
		require.Positive(t, s.PeakRSSBytes, s.System)
	}
	require.Equal(t, want, got)

	var table strings.Builder
	require.NoError(t, rep.WriteMarkdown(&table))
	for _, sys := range want {
		require.Contains(t, table.String(), "| "+sys+" |")
	}
	require.Contains(t, table.String(), "N=40 calls")
	t.Log("\n" + table.String())
}

// deskCall makes one call's ticket and journal requests on the desk, the
// way the template does, and answers the ticket's id.
func deskCall(t *testing.T, d *callbench.Desk, i int, key string) string {
	t.Helper()
	body := fmt.Sprintf(`{"ticket":{"subject":"call %s"}}`, callbench.Number(i))
	ans := deskDo(t, "POST", d.URL+"/api/v2/tickets.json", body, key+":ticket")
	var created struct {
		Ticket struct {
			ID json.Number `json:"id"`
		} `json:"ticket"`
	}
	require.NoError(t, json.Unmarshal([]byte(ans), &created), ans)
	return created.Ticket.ID.String()
}

func deskDo(t *testing.T, method, u, body, key string) string {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Less(t, resp.StatusCode, 300, string(b))
	return string(b)
}

// The desk finds each call's contact, signals when every call is
// journaled, takes a repeated Idempotency-Key as one request, and its
// check names a call journaled twice.
func TestDeskCatchesADoubledJournal(t *testing.T) {
	d, err := callbench.NewDesk(callbench.DeskConfig{Calls: 2})
	require.NoError(t, err)
	t.Cleanup(d.Close)

	found := deskDo(t, "GET", d.URL+"/api/v2/search.json?query="+url.QueryEscape("role:end-user phone:*15550000001"), "", "")
	require.Contains(t, found, `"phone":"+15550000001"`)

	t0 := deskCall(t, d, 0, "c0")
	t1 := deskCall(t, d, 1, "c1")
	require.Equal(t, t0, deskCall(t, d, 0, "c0"), "the same key is the same ticket")
	require.Equal(t, []int{0, 1}, d.Unjournaled(5))
	deskDo(t, "PUT", d.URL+"/api/v2/tickets/"+t0+".json", `{}`, "c0:journal")
	select {
	case <-d.Done():
		t.Fatal("done with one of two calls journaled")
	default:
	}
	require.Equal(t, []int{1}, d.Unjournaled(5), "the call a stalled run waits for")
	deskDo(t, "PUT", d.URL+"/api/v2/tickets/"+t1+".json", `{}`, "c1:journal")
	<-d.Done()
	deskDo(t, "PUT", d.URL+"/api/v2/tickets/"+t1+".json", `{}`, "c1:journal")
	require.NoError(t, d.Check(), "a repeated key is one journal entry")

	// A second journal entry under another key is a second entry.
	deskDo(t, "PUT", d.URL+"/api/v2/tickets/"+t0+".json", `{}`, "c0:journal-again")
	err = d.Check()
	require.Error(t, err)
	require.Contains(t, err.Error(), "call #0 (+15550000000): 1 tickets, 2 journal entries")
	require.NotContains(t, err.Error(), "call #1")
}

// A call without a ticket, or with two, fails the check too.
func TestDeskCatchesMissingAndDoubledTickets(t *testing.T) {
	d, err := callbench.NewDesk(callbench.DeskConfig{Calls: 3})
	require.NoError(t, err)
	t.Cleanup(d.Close)
	deskCall(t, d, 0, "a")
	deskCall(t, d, 0, "b")
	deskCall(t, d, 2, "")
	err = d.Check()
	require.Error(t, err)
	require.Contains(t, err.Error(), "call #0 (+15550000000): 2 tickets, 0 journal entries")
	require.Contains(t, err.Error(), "call #1 (+15550000001): 0 tickets, 0 journal entries")
	require.Contains(t, err.Error(), "call #2 (+15550000002): 1 tickets, 0 journal entries")
}
