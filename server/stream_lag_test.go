package server_test

import (
	"bufio"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A client too slow to keep up (here: one that reads nothing while 80
// large events are published) misses none of them: once its queue is
// full, its stream catches up from the replay buffer.
func TestSlowStreamCatchesUpFromTheBuffer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	send := replayChannel(t, e)
	agent := e.token("agent", "1001")
	// The stream's connection has small socket buffers both ways, so that
	// the server's writes block soon after the client stops reading.
	srv := httptest.NewUnstartedServer(e.s.Handler())
	accepted := make(chan *net.TCPConn, 1)
	srv.Listener = smallBuffers{srv.Listener, accepted}
	srv.Start()
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.(*net.TCPConn).SetReadBuffer(4096))
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+agent)
	require.NoError(t, req.Write(conn))
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, req)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)

	// About 50 kB fit in the connection's buffers, and 32 events in the
	// stream's queue: 80 events of 3 kB overflow it by half.
	const n = 80
	padding := strings.Repeat("x", 3000)
	for i := range n {
		send(e, customerNo, smsNumber, fmt.Sprintf("m%03d %s", i, padding))
	}
	// Reading through buffers that small would crawl: widen them.
	require.NoError(t, (<-accepted).SetWriteBuffer(1<<20))
	require.NoError(t, conn.(*net.TCPConn).SetReadBuffer(1<<20))
	send(e, customerNo, smsNumber, "end") // a live event after the catch-up
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(20*time.Second)))
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var texts []string
	for (len(texts) == 0 || texts[len(texts)-1] != "end") && sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev map[string]any
		require.NoError(t, json.Unmarshal([]byte(data), &ev))
		require.NotEqual(t, "resync", ev["type"], "the buffer holds every missed event")
		if ev["type"] == "message.created" {
			text, _, _ := strings.Cut(textOf(ev), " ")
			texts = append(texts, text)
		}
	}
	require.NoError(t, sc.Err())
	want := make([]string, n, n+1)
	for i := range want {
		want[i] = fmt.Sprintf("m%03d", i)
	}
	want = append(want, "end")
	require.Equal(t, want, texts, "every event once, in order")
}

// smallBuffers gives the connections it accepts a small send buffer, and
// hands them to the test.
type smallBuffers struct {
	net.Listener
	accepted chan<- *net.TCPConn
}

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
		select {
		case l.accepted <- tc:
		default:
		}
	}
	return c, err
}

// When a replica's listener for the others' events loses its connection,
// the events published meanwhile are lost to it: its open streams resync,
// then go on with the live events.
func TestStreamResyncsWhenTheReplicaMayHaveMissedEvents(t *testing.T) {
	e := newEnvPostgres(t)
	send := replayChannel(t, e)
	agent := e.token("agent", "1001")
	st := e.stream(agent)
	send(e, customerNo, smsNumber, "m1")
	before := st.nextEvent("message.created", nil)["lastEventId"]

	db, err := sql.Open("pgx", e.pgURL)
	require.NoError(t, err)
	defer db.Close()
	// The listening connection is the one whose last statement was LISTEN
	// on this schema's stream channel (see store's notifySuffix).
	u, err := url.Parse(e.pgURL)
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(u.Query().Get("search_path")))
	listen := `LISTEN "switchboard_stream_` + hex.EncodeToString(sum[:6]) + `"`
	var ended int
	require.NoError(t, db.QueryRow("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = $1", listen).Scan(&ended))
	require.Equal(t, 1, ended, "one listener")

	resync := st.take(1)[0]
	require.Equal(t, "resync", resync["type"])
	require.Equal(t, before, resync["lastEventId"], "nothing is buffered after the gap: the client keeps its id")
	send(e, customerNo, smsNumber, "m2")
	require.Equal(t, "m2", textOf(st.nextEvent("message.created", nil)))
}
