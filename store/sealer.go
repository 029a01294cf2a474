package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/renameio/v2"
)

// Sealer encrypts secret values with AES-256-GCM. The sealed form is
// nonce ‖ ciphertext ‖ tag.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer makes a sealer from a key of any length: the AES key is its
// SHA-256. The service only gives it keys of 32 random bytes (LoadKey
// refuses others); key rotation also opens with the raw text of an older
// SWITCHBOARD_SECRET_KEY, which earlier versions took as it was.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) == 0 {
		return nil, errors.New("the secret key is empty")
	}
	sum := sha256.Sum256(key)
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext; ad binds it to where it is stored (a row's id),
// so a sealed value copied to another row does not open.
func (s *Sealer) Seal(plaintext, ad []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return s.aead.Seal(nonce, nonce, plaintext, ad)
}

// Open decrypts what Seal produced with the same ad.
func (s *Sealer) Open(sealed, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value is too short")
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrWrongKey
	}
	return out, nil
}

// KeyFileName is the key file generated in the data directory when no
// SWITCHBOARD_SECRET_KEY is given.
const KeyFileName = "secret.key"

// KeySize is how many random bytes a secret key holds.
const KeySize = 32

// ErrWrongKey is what opening a sealed value with another key than the
// one that sealed it gives.
var ErrWrongKey = errors.New("cannot decrypt a stored secret: wrong SWITCHBOARD_SECRET_KEY or key file?")

// GenerateKey returns a new secret key, encoded as the key file and
// SWITCHBOARD_SECRET_KEY hold it: 32 random bytes in standard base64.
func GenerateKey() string {
	key := make([]byte, KeySize)
	_, _ = rand.Read(key) // crypto/rand.Read never fails
	return base64.StdEncoding.EncodeToString(key)
}

// ParseKey decodes a secret key written as GenerateKey writes it, or as
// hex (openssl rand -hex 32): it must be exactly 32 bytes, so that a
// passphrase ("hunter2") is refused rather than stretched into a weak key.
// Spaces and line endings around it are ignored.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("the key is empty")
	}
	switch len(s) {
	case hex.EncodedLen(KeySize):
		key, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("the key (%d characters) is not hex", len(s))
		}
		return key, nil
	case base64.StdEncoding.EncodedLen(KeySize), base64.RawStdEncoding.EncodedLen(KeySize):
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if key, err := enc.DecodeString(s); err == nil && len(key) == KeySize {
				return key, nil
			}
		}
		return nil, fmt.Errorf("the key (%d characters) is not base64", len(s))
	}
	return nil, fmt.Errorf("the key is %d characters, not %d random bytes (%d characters in base64, %d in hex)",
		len(s), KeySize, base64.StdEncoding.EncodedLen(KeySize), hex.EncodedLen(KeySize))
}

// KeyError is a secret key that cannot be used, and where it came from.
type KeyError struct {
	// Source is SWITCHBOARD_SECRET_KEY or the key file's path.
	Source string
	Err    error
}

func (e *KeyError) Error() string { return e.Source + ": " + e.Err.Error() }

func (e *KeyError) Unwrap() error { return e.Err }

// LoadKey returns the secret key: envKey when set (SWITCHBOARD_SECRET_KEY),
// else the key file in dataDir, generated with 32 random bytes on first
// start and readable by its owner only. A key that is not 32 bytes in
// base64 or hex is a *KeyError.
func LoadKey(envKey, dataDir string) ([]byte, error) {
	if strings.TrimSpace(envKey) != "" {
		key, err := ParseKey(envKey)
		if err != nil {
			return nil, &KeyError{Source: "SWITCHBOARD_SECRET_KEY", Err: err}
		}
		return key, nil
	}
	if dataDir == "" {
		return nil, errors.New("no SWITCHBOARD_SECRET_KEY and no data directory for a key file")
	}
	path := filepath.Join(dataDir, KeyFileName)
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := ParseKey(string(data))
		if err != nil {
			return nil, &KeyError{Source: "key file " + path, Err: err}
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the key file: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating the key file: %w", err)
	}
	defer f.Close()
	encoded := GenerateKey()
	if _, err := f.WriteString(encoded + "\n"); err != nil {
		return nil, fmt.Errorf("writing the key file: %w", err)
	}
	key, _ := ParseKey(encoded) // GenerateKey's keys parse
	return key, f.Sync()
}

// WriteKeyFile replaces the key file in dataDir with key, atomically: a
// crash leaves the old file or the new one, never half of one.
func WriteKeyFile(dataDir string, key []byte) error {
	if len(key) != KeySize {
		return fmt.Errorf("writing the key file: the key is %d bytes, not %d", len(key), KeySize)
	}
	if err := renameio.WriteFile(filepath.Join(dataDir, KeyFileName), []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing the key file: %w", err)
	}
	return nil
}
