package main_test

import (
	"bufio"
	"io"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// SIGTERM while an agent's event stream is open: the stream ends and serve
// stops its background work and exits cleanly, rather than wait out its
// 30 s shutdown time for a connection that never turns idle, fail, and
// leave jobs and messages in flight to a database closed under them.
func TestServeShutsDownWithAnOpenStream(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary")
	}
	dir := t.TempDir()
	bin := buildSwitchboard(t)
	p := startServe(t, bin, filepath.Join(dir, "data"))

	req, err := http.NewRequest("GET", "http://"+p.addr+"/api/v1/stream", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer kill-test-admin")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	rd := bufio.NewReader(resp.Body)
	line, err := rd.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, ": connected\n", line, "the stream is open")
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		_, _ = io.Copy(io.Discard, rd)
	}()

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		require.NoError(t, err, "a clean exit after SIGTERM")
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not exit within 60s of SIGTERM")
	}
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end")
	}
}
