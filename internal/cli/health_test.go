package cli_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/cli"
)

func TestHealth(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/readyz" && ready.Load():
			fmt.Fprint(w, `{"status":"ready"}`)
		case r.URL.Path == "/readyz":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":{"code":"not_ready","message":"the database does not answer: connection reset"}}`)
		case r.URL.Path == "/proxy/readyz":
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "upstream gone\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	t.Run("ready", func(t *testing.T) {
		code, out, errOut := run("health", "--url", srv.URL)
		require.Equal(t, cli.ExitOK, code, errOut)
		require.Equal(t, srv.URL+"/readyz: ready\n", out)
	})
	t.Run("not ready", func(t *testing.T) {
		ready.Store(false)
		defer ready.Store(true)
		code, out, errOut := run("health", "--url", srv.URL+"/")
		require.Equal(t, cli.ExitFailed, code)
		require.Empty(t, out)
		require.Equal(t, "switchboard: "+srv.URL+"/readyz answered 503 Service Unavailable: the database does not answer: connection reset\n", errOut)
	})
	t.Run("a path is asked as it is", func(t *testing.T) {
		code, _, errOut := run("health", "--url", srv.URL+"/proxy/readyz")
		require.Equal(t, cli.ExitFailed, code)
		require.Equal(t, "switchboard: "+srv.URL+"/proxy/readyz answered 502 Bad Gateway: upstream gone\n", errOut)
	})
	t.Run("refused", func(t *testing.T) {
		// A port that was just free: nothing listens there.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		code, _, errOut := run("health", "--url", "http://"+addr)
		require.Equal(t, cli.ExitFailed, code)
		require.Contains(t, errOut, "switchboard: http://"+addr+"/readyz does not answer: dial tcp "+addr+": connect: connection refused")
	})
	t.Run("bad usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"health", "--url", "127.0.0.1:8080"},
			{"health", "--url", "ftp://127.0.0.1"},
			{"health", "--timeout", "0s"},
		} {
			code, _, errOut := run(args...)
			require.Equal(t, cli.ExitBadUsage, code, errOut)
		}
	})
}
