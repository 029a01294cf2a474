package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
	"github.com/switchboard/switchboard/store"
)

// An agent connected to one replica gets the screen pop of a call worked by
// another: stream events travel through PostgreSQL's notifications.
func TestScreenPopAcrossReplicas(t *testing.T) {
	a := newEnvPostgres(t)
	// b never picks up work (it polls once an hour), so every call is
	// worked by a.
	b := newEnvOnSame(t, a, func(c *server.Config) {
		c.Queue = store.QueueConfig{PollInterval: time.Hour, PollOnly: true}
	})
	d := newCallDesk(t)
	connectDesk(t, a, d, `{"contactSync":{"enabled":true},"screenPop":{"trigger":"ringing"}}`)
	agent := b.expect(b.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "Dana"}), 201)["token"].(string)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", b.srv.URL+"/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+agent)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	events := make(chan map[string]any, 4)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var m map[string]any
				if json.Unmarshal([]byte(data), &m) == nil {
					events <- m
				}
			}
		}
	}()

	for i := range 3 {
		b.expect(b.admin("POST", "/api/v1/events/calls", callEvent(fmt.Sprint("rep-", i), "ringing", nil)), 202)
	}
	got := map[string]bool{}
	for len(got) < 3 {
		select {
		case ev := <-events:
			got[ev["data"].(map[string]any)["callId"].(string)] = true
		case <-time.After(20 * time.Second):
			t.Fatalf("pops received on the other replica: %v", got)
		}
	}
}
