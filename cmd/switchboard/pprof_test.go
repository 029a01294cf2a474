package main_test

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// --pprof-addr serves Go's profiles on an address of their own, and only
// there: the service's address does not answer them.
func TestServeProfilesOnTheirOwnAddress(t *testing.T) {
	dir := t.TempDir()
	bin := buildSwitchboard(t)
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--pprof-addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"))
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	profiles := regexp.MustCompile(`^Profiles at (http://127\.0\.0\.1:\d+/debug/pprof/)$`)
	listening := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	var pprofURL, addr string
	sc := bufio.NewScanner(out)
	for (pprofURL == "" || addr == "") && sc.Scan() {
		if m := profiles.FindStringSubmatch(sc.Text()); m != nil {
			pprofURL = m[1]
		}
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
	}
	require.NotEmpty(t, pprofURL, "serve printed no profiles address")
	require.NotEmpty(t, addr)
	go func() { _, _ = io.Copy(io.Discard, out) }()

	res, err := http.Get(pprofURL + "goroutine?debug=1")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	require.Contains(t, string(body), "goroutine profile:")

	res, err = http.Get("http://" + addr + "/debug/pprof/")
	require.NoError(t, err)
	res.Body.Close()
	require.NotEqual(t, 200, res.StatusCode, "the service's own address serves no profiles")
}
