package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
	"github.com/switchboard/switchboard/store"
)

// Revoking a token ends the event streams it opened, at once: a revoked
// agent gets no more screen pops, while another token's stream goes on.
func TestRevokingATokenEndsItsStream(t *testing.T) {
	revokeEndsStream(t, newEnv(t), nil)
}

// The same across replicas: the stream is on one replica, the token is
// revoked on another.
func TestRevokingATokenEndsItsStreamOnEveryReplica(t *testing.T) {
	a := newEnvPostgres(t)
	b := newEnvOnSame(t, a, func(c *server.Config) {
		c.Queue = store.QueueConfig{PollInterval: time.Hour, PollOnly: true} // a works the calls
	})
	revokeEndsStream(t, a, b)
}

func revokeEndsStream(t *testing.T, e, streams *env) {
	if streams == nil {
		streams = e
	}
	d := newCallDesk(t)
	connectDesk(t, e, d, `{"contactSync":{"enabled":true},"screenPop":{"trigger":"ringing"}}`)
	revoked := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "Dana's laptop"}), 201)
	kept := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "Dana's phone"}), 201)
	gone := streams.stream(revoked["token"].(string))
	stays := streams.stream(kept["token"].(string))

	e.expect(e.admin("DELETE", "/api/v1/tokens/"+revoked["id"].(string), nil), 204)
	select {
	case <-gone.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the revoked token's stream is still open")
	}
	require.Equal(t, 401, streams.do("GET", "/api/v1/stream", revoked["token"].(string), nil).Status)

	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("after-revoke", "ringing", nil)), 202)
	require.Equal(t, "after-revoke", stays.next("screenPop", nil)["callId"], "the other token's stream goes on")
	select {
	case <-stays.ended:
		t.Fatal("the other stream ended")
	default:
	}
}
