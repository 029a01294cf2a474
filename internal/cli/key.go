package cli

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/store"
)

// maxKeyInput bounds what --new-key-stdin reads.
const maxKeyInput = 4 << 10

func newKey() *cobra.Command {
	generate := &cobra.Command{
		Use:   "generate",
		Short: "Print a new secret key (32 random bytes, base64) for SWITCHBOARD_SECRET_KEY or the key file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), store.GenerateKey())
			return nil
		},
	}
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Make and rotate the secret key that seals stored secrets",
	}
	cmd.AddCommand(generate, newKeyRotate())
	return cmd
}

func newKeyRotate() *cobra.Command {
	sf := storeFlags{noInit: true}
	var newKey string
	var newKeyStdin bool
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Re-seal every stored secret under a new key, in one transaction",
		Long: `Re-seal every stored secret (integrations' secret fields, channels'
verify tokens, stored OAuth tokens) under a new key, in one transaction:
all of them or, if the current key does not open one, none.

The current key is the one serve uses: SWITCHBOARD_SECRET_KEY, else the
key file in --data. The new key comes from stdin (--new-key-stdin) or
--new-key (prefer its variable to the flag, which ps shows):

  switchboard key generate > new.key
  switchboard key rotate --new-key-stdin < new.key

Stop every replica first. Afterwards the key file holds the new key; when
the key came from SWITCHBOARD_SECRET_KEY, set it to the new key wherever
Switchboard runs. Backups taken before need the old key: keep it with them.

A current SWITCHBOARD_SECRET_KEY that serve now refuses (a passphrase
rather than 32 random bytes) is taken as earlier versions took it, so this
is how data sealed with one moves to a proper key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			next, err := readNewKey(cmd.InOrStdin(), newKey, newKeyStdin)
			if err != nil {
				return err
			}
			return rotateKey(cmd, &sf, next)
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&newKey, "new-key", "", "the new key, 32 random bytes in base64 or hex (switchboard key generate)")
	cmd.Flags().BoolVar(&newKeyStdin, "new-key-stdin", false, "read the new key from stdin")
	return cmd
}

// readNewKey is the new key of key rotate, from the flag or stdin.
func readNewKey(stdin io.Reader, flag string, fromStdin bool) ([]byte, error) {
	if (flag != "") == fromStdin {
		return nil, usageErr("give the new key with --new-key-stdin or --new-key (one of them): make one with switchboard key generate")
	}
	text, source := flag, "--new-key"
	if fromStdin {
		data, err := io.ReadAll(io.LimitReader(stdin, maxKeyInput+1))
		if err != nil {
			return nil, fmt.Errorf("reading the new key from stdin: %w", err)
		}
		if len(data) > maxKeyInput {
			return nil, usageErr("stdin holds more than %d bytes: give just the key", maxKeyInput)
		}
		text, source = string(data), "the new key on stdin"
	}
	key, err := store.ParseKey(text)
	if err != nil {
		return nil, usageErr("%s: %w (make one with switchboard key generate)", source, err)
	}
	return key, nil
}

// rotateKey re-seals the store of sf under next and puts next where the
// service reads its key.
func rotateKey(cmd *cobra.Command, sf *storeFlags, next []byte) error {
	ctx := cmd.Context()
	envKey := os.Getenv("SWITCHBOARD_SECRET_KEY")
	if err := sf.check(envKey); err != nil {
		return err
	}
	olds, source, err := currentKeys(envKey, sf.data)
	if err != nil {
		return err
	}
	for _, old := range olds {
		if string(old) == string(next) {
			return usageErr("the new key is the current key: make another with switchboard key generate")
		}
	}
	nextSealer, err := store.NewSealer(next)
	if err != nil {
		return err
	}
	firstSealer, err := store.NewSealer(olds[0])
	if err != nil {
		return err
	}
	st, err := sf.openSealed(ctx, firstSealer)
	if err != nil {
		return err
	}
	defer st.Close()
	var done store.KeyRotation
	for i, old := range olds {
		oldSealer, err := store.NewSealer(old)
		if err != nil {
			return err
		}
		done, err = store.RotateKey(ctx, st, oldSealer, nextSealer)
		if errors.Is(err, store.ErrWrongKey) && i < len(olds)-1 {
			continue // the same text, as an earlier version read it
		}
		if errors.Is(err, store.ErrWrongKey) {
			return &exitError{code: ExitFailed, err: fmt.Errorf("%s does not open every stored secret, so nothing was changed: %w", source, err)}
		}
		if err != nil {
			return &exitError{code: ExitFailed, err: fmt.Errorf("rotating the key (nothing was changed): %w", err)}
		}
		break
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Re-sealed %d secrets under the new key: %d integrations' secrets, %d channels' verify tokens, %d OAuth tokens.\n",
		done.Total(), done.Integrations, done.Channels, done.AuthTokens)
	if strings.TrimSpace(envKey) == "" {
		if err := store.WriteKeyFile(sf.data, next); err != nil {
			return &exitError{code: ExitFailed, err: fmt.Errorf("the secrets are sealed under the new key, but %w: write the new key into %s yourself",
				err, filepath.Join(sf.data, store.KeyFileName))}
		}
		fmt.Fprintf(out, "The key file %s holds the new key: start serve as before.\n", filepath.Join(sf.data, store.KeyFileName))
	} else {
		fmt.Fprintln(out, "Now set SWITCHBOARD_SECRET_KEY to the new key wherever Switchboard runs (every replica) and start it again.")
	}
	fmt.Fprintln(out, "Backups taken before this open only with the old key: keep it with them, or take a new backup now.")
	return nil
}

// currentKeys are the keys the stored secrets may be sealed with, to try
// in turn, and where they come from. SWITCHBOARD_SECRET_KEY was once taken
// as its text, whatever it was: that reading is tried after the decoded
// key, and alone for text that is not a key.
func currentKeys(envKey, dataDir string) ([][]byte, string, error) {
	if text := strings.TrimSpace(envKey); text != "" {
		if key, err := store.ParseKey(text); err == nil {
			return [][]byte{key, []byte(text)}, "SWITCHBOARD_SECRET_KEY", nil
		}
		return [][]byte{[]byte(text)}, "SWITCHBOARD_SECRET_KEY", nil
	}
	path := filepath.Join(dataDir, store.KeyFileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("reading the key file: %w", err)
	}
	if key, err := store.ParseKey(string(data)); err == nil {
		return [][]byte{key}, "the key file " + path, nil
	}
	// Earlier versions took any base64 key of 16 bytes or more.
	if key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data))); err == nil && len(key) >= 16 {
		return [][]byte{key}, "the key file " + path, nil
	}
	return nil, "", usageErr("the key file %s holds no key", path)
}
