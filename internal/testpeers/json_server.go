package testpeers

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// StartJSONServer starts json-server 0.17 over a copy of db (a JSON
// document of collections) on a free 127.0.0.1 port and returns its URL.
// It stops when the test ends.
func StartJSONServer(tb testing.TB, db any) string {
	tb.Helper()
	requireInstalled(tb, "json-server")
	data, err := json.Marshal(db)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "db.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command("node", "json-server.cjs", path)
	cmd.Dir = Dir()
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
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var line struct{ URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.URL != "" {
				ready <- line.URL
			}
		}
	}()
	select {
	case url := <-ready:
		return url
	case <-time.After(30 * time.Second):
		tb.Fatal("json-server did not start within 30s")
		return ""
	}
}
