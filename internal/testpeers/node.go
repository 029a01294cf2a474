package testpeers

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

// startNode runs a Node.js script of this folder for the test's life: the
// script stops when its standard input closes. Each line it prints goes to
// onLine, in order, from one goroutine. The script's standard input is
// returned for scripts that take requests on it.
func startNode(tb testing.TB, args, env []string, onLine func([]byte)) io.Writer {
	tb.Helper()
	cmd := exec.Command("node", args...)
	cmd.Dir = Dir()
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting node: %v", err)
	}
	tb.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			onLine(sc.Bytes())
		}
	}()
	return stdin
}

// waitURL waits for a script's {"url": …} line.
func waitURL(tb testing.TB, what string, ready <-chan string) string {
	tb.Helper()
	select {
	case url := <-ready:
		return url
	case <-time.After(30 * time.Second):
		tb.Fatalf("%s did not start within 30s", what)
		return ""
	}
}
