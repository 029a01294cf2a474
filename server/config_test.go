package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/server"
	"github.com/switchboard/switchboard/store"
)

// A config that cannot work is refused at New with the field, the rule and
// the fix — a negative timeout is not quietly replaced by the default —
// and nothing is started.
func TestConfigIsValidated(t *testing.T) {
	st, _ := openSQLite(t)
	for _, c := range []struct {
		cfg  server.Config
		want string
	}{
		{server.Config{}, "server: Config.Store is required"},
		{server.Config{Store: st, Integrations: integrations.Tuning{RequestTimeout: -time.Second}}, "integrations: RequestTimeout -1s is negative; give a positive duration, or 0 for 30s"},
		{server.Config{Store: st, PublicURL: "switchboard.local"}, `server: PublicURL "switchboard.local" is not an absolute http(s) URL, e.g. https://switchboard.example.com`},
		{server.Config{Store: st, Messaging: messaging.Tuning{MaxAttempts: -1}}, "messaging: MaxAttempts -1 is negative; give a positive number, or 0 for 5"},
		{server.Config{Store: st, Queue: store.QueueConfig{JobTimeout: -time.Minute}}, "queue: JobTimeout -1m0s is negative; give a positive duration, or 0 for 2m0s"},
		{server.Config{Store: st, Integrations: integrations.Tuning{Retry: engine.RetryPolicy{WaitMin: time.Second, WaitMax: time.Millisecond}}}, "retry policy: WaitMax 1ms is below WaitMin 1s; raise WaitMax, or leave it 0"},
	} {
		_, err := server.New(context.Background(), c.cfg)
		require.EqualError(t, err, c.want)
	}
	require.EqualError(t, server.HTTPConfig{ReadTimeout: -time.Second}.Validate(), "http: ReadTimeout -1s is negative; give a positive duration, or 0 for 30s")
	require.NoError(t, server.HTTPConfig{MaxConnsPerAddr: -1}.Validate(), "a negative MaxConnsPerAddr turns the limit off")
}
