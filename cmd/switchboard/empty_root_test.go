//go:build emptyroot && linux

// This test builds the binary as make dist does and runs it alone in an
// empty root directory, as the distroless image runs it: no shell, no
// libc, no /etc, no /tmp. It is behind the emptyroot tag (make
// test-empty-root) because that build shares nothing with the other
// tests' and takes minutes on a cold cache.

package main_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// nonroot is the user distroless's :nonroot images run as.
const nonroot = 65532

func TestStaticBinaryInEmptyRoot(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare (util-linux)")
	}
	root := t.TempDir()
	// The root is "/" inside: the non-root user must be able to walk it.
	require.NoError(t, os.Chmod(root, 0o755))
	bin := filepath.Join(root, "switchboard")
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -X github.com/switchboard/switchboard/internal/cli.version=v0.0.0-emptyroot -X github.com/switchboard/switchboard/internal/cli.commit=feedface",
		"-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run(), "building the static binary")
	data := filepath.Join(root, "data")
	require.NoError(t, os.Mkdir(data, 0o700))

	// As root, the binary runs as the image's user, in /data that user
	// owns; otherwise a user namespace makes the caller root in there.
	prefix := []string{unshare, "--root", root}
	asNonroot := os.Geteuid() == 0
	if asNonroot {
		require.NoError(t, os.Chown(data, nonroot, nonroot))
		prefix = append(prefix, "--setgid", fmt.Sprint(nonroot), "--setuid", fmt.Sprint(nonroot))
	} else {
		prefix = append(prefix, "--map-root-user")
	}
	inRoot := func(args ...string) *exec.Cmd {
		cmd := exec.Command(prefix[0], append(append(prefix[1:], "/switchboard"), args...)...)
		cmd.Env = []string{} // nothing from the host
		return cmd
	}
	if out, err := inRoot("version").CombinedOutput(); err != nil {
		t.Skipf("cannot run in an empty root here (%v): %s", err, out)
	}

	t.Run("version", func(t *testing.T) {
		out, err := inRoot("version", "--json").Output()
		require.NoError(t, err)
		var info map[string]any
		require.NoError(t, json.Unmarshal(out, &info))
		require.Equal(t, "v0.0.0-emptyroot", info["version"])
		require.Equal(t, "feedface", info["commit"])
		require.Equal(t, runtime.GOOS+"/"+runtime.GOARCH, info["platform"])
	})

	t.Run("serve and health", func(t *testing.T) {
		serve := inRoot("serve", "--addr", "127.0.0.1:0", "--data", "/data")
		stdout, err := serve.StdoutPipe()
		require.NoError(t, err)
		serve.Stderr = io.Discard
		require.NoError(t, serve.Start())
		t.Cleanup(func() { _ = serve.Process.Kill(); _ = serve.Wait() })
		listening := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
		var addr string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr = m[1]
				break
			}
		}
		require.NotEmpty(t, addr, "serve did not start")
		go func() { _, _ = io.Copy(io.Discard, stdout) }()

		out, err := inRoot("health", "--url", "http://"+addr).CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Equal(t, "http://"+addr+"/readyz: ready\n", string(out))

		require.NoError(t, serve.Process.Signal(syscall.SIGTERM))
		exited := make(chan error, 1)
		go func() { exited <- serve.Wait() }()
		select {
		case err := <-exited:
			require.NoError(t, err, "a clean exit after SIGTERM")
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop within 30s of SIGTERM")
		}

		health := inRoot("health", "--url", "http://"+addr)
		out, err = health.CombinedOutput()
		require.Error(t, err)
		require.Equal(t, 1, health.ProcessState.ExitCode())
		require.Contains(t, string(out), "does not answer")

		for _, name := range []string{"switchboard.db", "secret.key"} {
			fi, err := os.Stat(filepath.Join(data, name))
			require.NoError(t, err)
			if asNonroot {
				require.Equal(t, uint32(nonroot), fi.Sys().(*syscall.Stat_t).Uid, "%s belongs to the user serve ran as", name)
			}
		}
	})
}
