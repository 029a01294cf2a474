package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Sealer encrypts secret values with AES-256-GCM. The sealed form is
// nonce ‖ ciphertext ‖ tag.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer makes a sealer from a key of any length: the AES key is its
// SHA-256, so a passphrase works as well as 32 random bytes.
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
		return nil, errors.New("cannot decrypt a stored secret: wrong SWITCHBOARD_SECRET_KEY or key file?")
	}
	return out, nil
}

// KeyFileName is the key file generated in the data directory when no
// SWITCHBOARD_SECRET_KEY is given.
const KeyFileName = "secret.key"

// LoadKey returns the secret key: envKey when set (SWITCHBOARD_SECRET_KEY),
// else the key file in dataDir, generated with 32 random bytes on first
// start and readable by its owner only.
func LoadKey(envKey, dataDir string) ([]byte, error) {
	if k := strings.TrimSpace(envKey); k != "" {
		return []byte(k), nil
	}
	if dataDir == "" {
		return nil, errors.New("no SWITCHBOARD_SECRET_KEY and no data directory for a key file")
	}
	path := filepath.Join(dataDir, KeyFileName)
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
		if err != nil || len(key) < 16 {
			return nil, fmt.Errorf("key file %s is not a base64 key", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the key file: %w", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating the key file: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		return nil, fmt.Errorf("writing the key file: %w", err)
	}
	return key, f.Sync()
}
