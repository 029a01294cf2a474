package main_test

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// built is the binary the package's tests run, built by the first that
// needs it: a build takes seconds, and minutes on a busy machine, where a
// build per test took the package past go test's ten minutes.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildSwitchboard returns the binary, built once for the package.
func buildSwitchboard(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "switchboard-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "switchboard")
		build := exec.Command("go", "build", "-o", built.bin, ".")
		build.Stderr = os.Stderr
		built.err = build.Run()
	})
	require.NoError(t, built.err, "building the binary")
	return built.bin
}

// The real binary: serve starts on the embedded default, answers, and shuts
// down cleanly on SIGTERM.
func TestServeShutsDownOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	bin := buildSwitchboard(t)

	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), "SWITCHBOARD_ADMIN_TOKEN=")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	listening := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	setupLink := regexp.MustCompile(`^No users yet: create the first admin at (http://127\.0\.0\.1:\d+)/setup\?token=([A-Za-z0-9_-]{43})$`)
	var addr, setupURL, setupToken string
	sc := bufio.NewScanner(stdout)
	var hint bool
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
		hint = hint || regexp.MustCompile(`token create --role admin`).MatchString(sc.Text())
		if m := setupLink.FindStringSubmatch(sc.Text()); m != nil {
			setupURL, setupToken = m[1], m[2]
		}
	}
	require.NotEmpty(t, addr)
	require.True(t, hint, "the first start says how to get an admin token")
	require.Equal(t, "http://"+addr, setupURL, "the first start prints the link that creates the first admin")
	go func() {
		for sc.Scan() {
		}
	}()
	resp, err := http.Get("http://" + addr + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	// The link's token creates the first admin, once.
	setup := `{"token":"` + setupToken + `","name":"root","password":"a long enough password"}`
	for _, want := range []int{201, 409} {
		resp, err = http.Post("http://"+addr+"/api/v1/auth/setup", "application/json", strings.NewReader(setup))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, want, resp.StatusCode)
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "a clean exit after SIGTERM")
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s of SIGTERM")
	}
	_, err = os.Stat(filepath.Join(dir, "data", "switchboard.db"))
	require.NoError(t, err)
}
