package main_test

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// --metrics-addr serves /metrics on an address of its own, and only
// there; the token, here from its variable, guards it.
func TestServeMetricsOnTheirOwnAddress(t *testing.T) {
	dir := t.TempDir()
	bin := buildSwitchboard(t)
	const token = "metrics-token-e2e-31f"
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), "SWITCHBOARD_METRICS_TOKEN="+token)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	metricsAt := regexp.MustCompile(`^Metrics at (http://127\.0\.0\.1:\d+/metrics) `)
	listening := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+), this machine only`)
	var metricsURL, addr string
	sc := bufio.NewScanner(out)
	for (metricsURL == "" || addr == "") && sc.Scan() {
		if m := metricsAt.FindStringSubmatch(sc.Text()); m != nil {
			metricsURL = m[1]
		}
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
	}
	require.NotEmpty(t, metricsURL, "serve printed no metrics address")
	require.NotEmpty(t, addr, "serve says it listens on this machine only")
	go func() { _, _ = io.Copy(io.Discard, out) }()

	get := func(url, token string) int {
		req, err := http.NewRequest("GET", url, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, http.StatusOK, get(metricsURL, token))
	require.Equal(t, http.StatusUnauthorized, get(metricsURL, ""))
	require.Equal(t, http.StatusNotFound, get("http://"+addr+"/metrics", token), "not on the service's address")
}
