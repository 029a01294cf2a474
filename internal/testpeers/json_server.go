package testpeers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
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
	ready := make(chan string, 1)
	startNode(tb, []string{"json-server.cjs", path}, nil, func(line []byte) {
		var l struct{ URL string }
		if json.Unmarshal(line, &l) == nil && l.URL != "" {
			ready <- l.URL
		}
	})
	return waitURL(tb, "json-server", ready)
}
