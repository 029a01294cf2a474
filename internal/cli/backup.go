package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/backup"
	"github.com/switchboard/switchboard/store"
)

// passphraseEnv holds the backup passphrase when no --passphrase-file is
// given.
const passphraseEnv = "SWITCHBOARD_BACKUP_PASSPHRASE"

func newBackup() *cobra.Command {
	var data, passFile string
	var keyBeside bool
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Copy the SQLite database and its key into one encrypted archive, while the service runs",
		Long: `backup writes a consistent copy of the SQLite database in --data, taken
while the service runs, together with the secret key into FILE: a tar with a
manifest, encrypted with a passphrase (age's format: "age -d FILE" opens it
too). The passphrase is read from --passphrase-file, else from
` + passphraseEnv + `, else from the first line of standard input.

With --key-beside the archive holds the database only and is not encrypted;
the key is written beside it as FILE.key. The two together open every secret:
keep them apart.

The key is SWITCHBOARD_SECRET_KEY when set, else the key file in --data. The
copy is checked before it is written: SQLite's integrity check passes and the
key opens every sealed value. FILE is replaced atomically when it exists.
PostgreSQL is backed up with pg_dump (see docs/backups.md).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("backup needs one FILE to write")
			}
			file := args[0]
			key, source, err := backupKey(data)
			if err != nil {
				return err
			}
			opts := backup.Options{Key: key}
			if !keyBeside {
				opts.KeySource = source
				if opts.Passphrase, err = readPassphrase(cmd, passFile); err != nil {
					return err
				}
			}
			m, err := backup.Write(cmd.Context(), data, file, opts)
			if err != nil {
				return &exitError{code: ExitFailed, err: err}
			}
			out := cmd.OutOrStdout()
			size := humanize.IBytes(uint64(m.Files[0].Size))
			if !keyBeside {
				fmt.Fprintf(out, "backed up the database (schema %d, %s) and its key to %s, encrypted with the passphrase\n", m.Schema, size, file)
				return nil
			}
			keyFile := file + ".key"
			if err := backup.WriteKeyFile(keyFile, key); err != nil {
				return err
			}
			fmt.Fprintf(out, "backed up the database (schema %d, %s) to %s and its key to %s\n", m.Schema, size, file, keyFile)
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s opens every secret in %s: whoever has both has every password and token of every integration. "+
				"Keep them in different places, and keep both: the database cannot be used without its key. "+
				"%s is not encrypted: message texts and numbers are readable in it.\n", keyFile, file, file)
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "./data", "data directory of the service (the SQLite database and the key file)")
	cmd.Flags().StringVar(&passFile, "passphrase-file", "", "file whose first line is the passphrase (default: "+passphraseEnv+", else standard input)")
	cmd.Flags().BoolVar(&keyBeside, "key-beside", false, "write the key beside the archive as FILE.key instead of encrypting the archive with it inside")
	return cmd
}

func newRestore() *cobra.Command {
	var data, passFile, keyFile string
	cmd := &cobra.Command{
		Use:   "restore FILE --data NEWDIR",
		Short: "Restore a backup into a new data directory",
		Long: `restore brings a backup made by "switchboard backup" back into --data, which
must not exist or be empty. It checks the passphrase, every file's checksum in
the manifest and SQLite's integrity, and that the key opens every sealed value;
on any failure it leaves nothing behind. The database keeps the schema it was
taken at: the next "switchboard serve" or "switchboard migrate" brings it up to
date.

An encrypted backup's passphrase is read from --passphrase-file, else from
` + passphraseEnv + `, else from the first line of standard input. A backup
made with --key-beside takes its key from --key-file (default FILE.key).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("restore needs one backup FILE")
			}
			if !cmd.Flags().Changed("data") {
				return usageErr("restore needs --data: the new data directory to restore into")
			}
			file := args[0]
			encrypted, err := backup.Encrypted(file)
			if err != nil {
				return usageErr("%w", err)
			}
			opts := backup.RestoreOptions{KeyFile: keyFile}
			if opts.KeyFile == "" {
				opts.KeyFile = file + ".key"
			}
			if encrypted {
				if opts.Passphrase, err = readPassphrase(cmd, passFile); err != nil {
					return err
				}
			}
			m, check, err := backup.Restore(cmd.Context(), file, data, opts)
			if err != nil {
				return &exitError{code: ExitFailed, err: err}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "restored the backup of %s (schema %d) into %s: %d integrations, %d sealed values open with the key\n",
				m.Created.Format("2006-01-02 15:04:05 MST"), m.Schema, data, check.Integrations, check.Secrets)
			if m.KeySource == backup.KeyFromEnvironment {
				fmt.Fprintf(out, "The key came from SWITCHBOARD_SECRET_KEY; it is now also %s. Serve with the same SWITCHBOARD_SECRET_KEY, or without it.\n",
					filepath.Join(data, backup.KeyName))
			}
			fmt.Fprintf(out, "Start the service on it with: switchboard serve --data %s\n", data)
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "new data directory to restore into (must not exist or be empty)")
	cmd.Flags().StringVar(&passFile, "passphrase-file", "", "file whose first line is the passphrase (default: "+passphraseEnv+", else standard input)")
	cmd.Flags().StringVar(&keyFile, "key-file", "", "the key of a backup made with --key-beside (default FILE.key)")
	return cmd
}

// backupKey is the key the service seals with: SWITCHBOARD_SECRET_KEY, or
// the key file in the data directory (never generated here).
func backupKey(data string) ([]byte, string, error) {
	if k := os.Getenv("SWITCHBOARD_SECRET_KEY"); strings.TrimSpace(k) != "" {
		// Read as serve reads it: 32 bytes, in base64 or hex.
		key, err := store.ParseKey(k)
		if err != nil {
			return nil, "", keyErr(&store.KeyError{Source: "SWITCHBOARD_SECRET_KEY", Err: err})
		}
		return key, backup.KeyFromEnvironment, nil
	}
	path := filepath.Join(data, store.KeyFileName)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("no SWITCHBOARD_SECRET_KEY and no key file: %w", err)
	}
	key, err := store.ParseKey(string(raw))
	if err != nil {
		return nil, "", keyErr(&store.KeyError{Source: "key file " + path, Err: err})
	}
	return key, backup.KeyFromFile, nil
}

// readPassphrase reads the passphrase: the first line of --passphrase-file,
// else the environment, else the first line of standard input.
func readPassphrase(cmd *cobra.Command, file string) ([]byte, error) {
	var line string
	switch {
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return nil, usageErr("--passphrase-file: %w", err)
		}
		defer f.Close()
		if line, err = firstLine(f); err != nil {
			return nil, usageErr("--passphrase-file %s: %w", file, err)
		}
	case os.Getenv(passphraseEnv) != "":
		line = os.Getenv(passphraseEnv)
	default:
		var err error
		if line, err = firstLine(cmd.InOrStdin()); err != nil {
			return nil, usageErr("reading the passphrase from standard input: %w", err)
		}
	}
	if strings.TrimSpace(line) == "" {
		return nil, usageErr("the passphrase is empty: give --passphrase-file, %s or a line on standard input", passphraseEnv)
	}
	return []byte(line), nil
}

func firstLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
