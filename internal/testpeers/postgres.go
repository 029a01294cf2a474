package testpeers

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"
)

// PostgresSchema returns the URL of the test PostgreSQL
// (SWITCHBOARD_TEST_POSTGRES_URL) with a new, empty schema as its search
// path; the schema is dropped when the test ends. Without the variable the
// test is skipped — outside CI only: CI must test PostgreSQL.
func PostgresSchema(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("SWITCHBOARD_TEST_POSTGRES_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("SWITCHBOARD_TEST_POSTGRES_URL is not set; CI must test PostgreSQL")
		}
		tb.Skip("SWITCHBOARD_TEST_POSTGRES_URL is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "sbtest_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", url)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}
