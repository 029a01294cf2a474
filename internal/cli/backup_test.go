package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/backup"
	"github.com/switchboard/switchboard/internal/cli"
	"github.com/switchboard/switchboard/store"
)

// dataDir makes a SQLite data directory with an integration whose secret
// is sealed, and leaves the store open (as a running service would) until
// the test ends.
func dataDir(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	key, err := store.LoadKey("", dir)
	require.NoError(t, err)
	sl, err := store.NewSealer(key)
	require.NoError(t, err)
	st, err := store.OpenSQLite(ctx, dir, sl)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	now := time.Now()
	require.NoError(t, st.CreateTemplate(ctx, &store.Template{ID: "t", Key: "k", XML: []byte("<x/>"), CreatedAt: now, UpdatedAt: now}, 10))
	require.NoError(t, st.CreateIntegration(ctx, &store.Integration{ID: "i", TemplateID: "t", Status: "connected",
		Secrets: map[string]string{"api_key": "backup-test-secret"}, CreatedAt: now, UpdatedAt: now}))
}

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.MainWithInput(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// Every SQLite command that docs/backups.md and docs/upgrades.md show runs
// as shown, in their order, with their paths under a temporary directory
// and today's date as 2026-11-20. (PostgreSQL's commands are pg_dump's and
// pg_restore's.)
func TestDocumentedCommands(t *testing.T) {
	root := t.TempDir()
	dataDir(t, filepath.Join(root, "var/lib/switchboard"))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "var/backups/switchboard"), 0o700))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "etc/switchboard"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/switchboard/backup-passphrase"), []byte("a long random passphrase\n"), 0o600))

	var commands []string
	for _, doc := range []string{"backups.md", "upgrades.md"} {
		commands = append(commands, documentedCommands(t, filepath.Join("..", "..", "docs", doc))...)
	}
	require.GreaterOrEqual(t, len(commands), 8)
	for _, c := range commands {
		c = strings.ReplaceAll(c, "$(date +%F)", "2026-11-20")
		c = strings.ReplaceAll(c, " /var/", " "+root+"/var/")
		c = strings.ReplaceAll(c, " /etc/", " "+root+"/etc/")
		require.NotContains(t, c, "$", "a shell expansion the test does not know: %s", c)
		code, stdout, stderr := runCLI(t, "", strings.Fields(c)[1:]...)
		require.Equal(t, 0, code, "%s\n%s%s", c, stdout, stderr)
	}
	for _, dir := range []string{"switchboard-restored", "switchboard-restored-2", "switchboard-rollback"} {
		_, err := os.Stat(filepath.Join(root, "var/lib", dir, store.KeyFileName))
		require.NoError(t, err, dir)
	}
}

// documentedCommands returns the switchboard commands in the fenced code
// blocks of a document, outside its PostgreSQL section.
func documentedCommands(t *testing.T, path string) []string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []string
	inCode, postgres := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "```"):
			inCode = !inCode
		case strings.HasPrefix(line, "## "):
			postgres = strings.Contains(line, "PostgreSQL")
		case inCode && !postgres && strings.HasPrefix(line, "switchboard "):
			out = append(out, line)
		}
	}
	require.NoError(t, sc.Err())
	return out
}

func TestBackupAndRestore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	dataDir(t, data)
	archive := filepath.Join(dir, "b.sbk")

	code, _, stderr := runCLI(t, "\n", "backup", archive, "--data", data)
	require.Equal(t, cli.ExitBadUsage, code)
	require.Contains(t, stderr, "the passphrase is empty")

	// The passphrase from standard input.
	code, stdout, stderr := runCLI(t, "open sesame 42\n", "backup", archive, "--data", data)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "and its key to "+archive+", encrypted with the passphrase")
	info, err := os.Stat(archive)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	encrypted, err := backup.Encrypted(archive)
	require.NoError(t, err)
	require.True(t, encrypted)

	code, _, stderr = runCLI(t, "not it\n", "restore", archive, "--data", filepath.Join(dir, "r1"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "the passphrase does not open this backup")
	require.NoDirExists(t, filepath.Join(dir, "r1"), "a failed restore leaves nothing behind")

	code, _, stderr = runCLI(t, "open sesame 42\n", "restore", archive, "--data", data)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "the target directory is not empty")

	code, stdout, stderr = runCLI(t, "open sesame 42\n", "restore", archive, "--data", filepath.Join(dir, "r2"))
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "1 integrations, 1 sealed values open with the key")
	want, err := os.ReadFile(filepath.Join(data, store.KeyFileName))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(dir, "r2", store.KeyFileName))
	require.NoError(t, err)
	require.Equal(t, want, got)

	// A damaged archive: one byte changed in its last chunk.
	raw, err := os.ReadFile(archive)
	require.NoError(t, err)
	raw[len(raw)-20] ^= 0xff
	damaged := filepath.Join(dir, "damaged.sbk")
	require.NoError(t, os.WriteFile(damaged, raw, 0o600))
	code, _, stderr = runCLI(t, "open sesame 42\n", "restore", damaged, "--data", filepath.Join(dir, "r3"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "the backup is damaged")
	require.NoDirExists(t, filepath.Join(dir, "r3"))
}

func TestBackupWithTheKeyBeside(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	dataDir(t, data)
	archive := filepath.Join(dir, "b.tar")
	code, stdout, stderr := runCLI(t, "", "backup", archive, "--data", data, "--key-beside")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "its key to "+archive+".key")
	require.Contains(t, stderr, "opens every secret in "+archive)
	encrypted, err := backup.Encrypted(archive)
	require.NoError(t, err)
	require.False(t, encrypted)

	// Without its key the restore fails and leaves nothing.
	keyFile := archive + ".key"
	require.NoError(t, os.Rename(keyFile, keyFile+".moved"))
	code, _, stderr = runCLI(t, "", "restore", archive, "--data", filepath.Join(dir, "r1"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "reading the key")
	require.NoDirExists(t, filepath.Join(dir, "r1"))

	// The wrong key does not open the secrets.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "wrong.key"), backup.KeyFileBytes([]byte("0123456789abcdef0123")), 0o600))
	code, _, stderr = runCLI(t, "", "restore", archive, "--data", filepath.Join(dir, "r2"), "--key-file", filepath.Join(dir, "wrong.key"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "cannot decrypt")

	code, stdout, stderr = runCLI(t, "", "restore", archive, "--data", filepath.Join(dir, "r3"), "--key-file", keyFile+".moved")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "1 sealed values open")
}

func TestMigrateReportsTheSchema(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	code, stdout, stderr := runCLI(t, "", "migrate", "--data", data, "--init")
	require.Equal(t, 0, code, stderr)
	require.Regexp(t, `^migrated the database from schema 0 to \d+\n$`, stdout)
	code, stdout, _ = runCLI(t, "", "migrate", "--data", data)
	require.Equal(t, 0, code)
	require.Regexp(t, `^the database is up to date at schema \d+\n$`, stdout)
}
