package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/google/renameio/v2"

	"github.com/switchboard/switchboard/store"
)

// Format and FormatVersion name the archive format in its manifest.
// Version 1 is the layout the package comment describes; a reader refuses
// versions above the one it knows.
const (
	Format        = "switchboard-backup"
	FormatVersion = 1
)

// Names of the files in an archive.
const (
	ManifestName = "manifest.json"
	DatabaseName = store.SQLiteFile
	KeyName      = store.KeyFileName
)

// Key sources recorded in the manifest.
const (
	KeyFromFile        = "file"        // the key file in the data directory
	KeyFromEnvironment = "environment" // SWITCHBOARD_SECRET_KEY
)

// Manifest describes an archive. It is the archive's first file.
type Manifest struct {
	Format   string    `json:"format"`  // always Format
	Version  int       `json:"version"` // FormatVersion at writing
	Created  time.Time `json:"created"`
	Database string    `json:"database"` // "sqlite"
	// Schema is the database's schema version (its latest goose
	// migration).
	Schema int64 `json:"schema_version"`
	// KeySource is where the key came from when the archive holds it
	// (KeyFromFile, KeyFromEnvironment); empty when it does not.
	KeySource string `json:"key_source,omitempty"`
	Files     []File `json:"files"` // every file after the manifest, in order
}

// File is a file of the archive with its size and SHA-256 (hex).
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// HasKey reports whether the archive holds the key.
func (m *Manifest) HasKey() bool { return m.KeySource != "" }

// ageHeader starts every age-encrypted file.
const ageHeader = "age-encryption.org/v1\n"

// Options say how Write makes an archive.
type Options struct {
	// Key is the secret key. It is always needed: the copy is checked
	// to open with it before it is written.
	Key []byte
	// KeySource is where Key came from (KeyFromFile,
	// KeyFromEnvironment); empty leaves the key out of the archive.
	KeySource string
	// Passphrase encrypts the archive. Required when the archive holds
	// the key; nil writes a plain tar.
	Passphrase []byte
	// WorkFactor is scrypt's log2 N for the passphrase. Default (0):
	// age's, 18 (about a second and 256 MiB to open).
	WorkFactor int
	// Now is the creation time recorded. Default: time.Now.
	Now func() time.Time
}

// Write backs up the SQLite database in dataDir to dest, replacing dest
// atomically when it exists. The service may be running.
func Write(ctx context.Context, dataDir, dest string, opts Options) (*Manifest, error) {
	if len(opts.Key) == 0 {
		return nil, errors.New("no secret key: the backup checks that the key opens the copy")
	}
	if opts.KeySource != "" && len(opts.Passphrase) == 0 {
		return nil, errors.New("an archive that holds the key must be encrypted with a passphrase")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	sealer, err := store.NewSealer(opts.Key)
	if err != nil {
		return nil, err
	}
	// The copy goes beside dest, not to /tmp: it is as large as the
	// database, and a private directory keeps it from other users.
	tmp, err := os.MkdirTemp(filepath.Dir(dest), ".switchboard-backup-")
	if err != nil {
		return nil, fmt.Errorf("making a working directory beside %s: %w", dest, err)
	}
	defer os.RemoveAll(tmp)
	db := filepath.Join(tmp, DatabaseName)
	if err := store.SnapshotSQLite(ctx, dataDir, db); err != nil {
		return nil, err
	}
	check, err := store.CheckSQLite(ctx, db, sealer)
	if err != nil {
		return nil, fmt.Errorf("checking the copy: %w", err)
	}
	m := &Manifest{Format: Format, Version: FormatVersion, Created: opts.Now().UTC().Truncate(time.Second),
		Database: "sqlite", Schema: check.Schema, KeySource: opts.KeySource}
	files := []string{db}
	if m.HasKey() {
		kf := filepath.Join(tmp, KeyName)
		if err := os.WriteFile(kf, KeyFileBytes(opts.Key), 0o600); err != nil {
			return nil, err
		}
		files = append(files, kf)
	}
	for _, f := range files {
		sum, size, err := hashFile(f)
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, File{Name: filepath.Base(f), Size: size, SHA256: sum})
	}
	err = writeAtomically(dest, func(w io.Writer) error {
		if len(opts.Passphrase) == 0 {
			return writeTar(w, m, files)
		}
		r, err := age.NewScryptRecipient(string(opts.Passphrase))
		if err != nil {
			return err
		}
		if opts.WorkFactor > 0 {
			r.SetWorkFactor(opts.WorkFactor)
		}
		aw, err := age.Encrypt(w, r)
		if err != nil {
			return fmt.Errorf("encrypting: %w", err)
		}
		if err := writeTar(aw, m, files); err != nil {
			return err
		}
		return aw.Close()
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// KeyFileBytes is a key in the key file's form.
func KeyFileBytes(key []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(key) + "\n")
}

// ParseKeyFile reads a key in the key file's form.
func ParseKeyFile(data []byte) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) == 0 {
		return nil, errors.New("not a key file: want one line of base64")
	}
	return key, nil
}

// WriteKeyFile writes a key file at path, readable by its owner only,
// replacing it atomically.
func WriteKeyFile(path string, key []byte) error {
	return writeAtomically(path, func(w io.Writer) error {
		_, err := w.Write(KeyFileBytes(key))
		return err
	})
}

func writeTar(w io.Writer, m *Manifest, files []string) error {
	tw := tar.NewWriter(w)
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	manifest = append(manifest, '\n')
	hdr := func(name string, size int64) *tar.Header {
		return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: m.Created, Format: tar.FormatPAX}
	}
	if err := tw.WriteHeader(hdr(ManifestName, int64(len(manifest)))); err != nil {
		return err
	}
	if _, err := tw.Write(manifest); err != nil {
		return err
	}
	for i, f := range files {
		if err := tw.WriteHeader(hdr(m.Files[i].Name, m.Files[i].Size)); err != nil {
			return err
		}
		if err := copyFile(tw, f); err != nil {
			return err
		}
	}
	return tw.Close()
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// writeAtomically writes path through a private temporary file beside it,
// synced and renamed into place: a crash leaves the old file or the new
// one, never half of one.
func writeAtomically(path string, write func(io.Writer) error) error {
	f, err := renameio.NewPendingFile(path, renameio.WithStaticPermissions(0o600))
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	defer f.Cleanup() // nothing left to clean once replaced
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Errors callers branch on.
var (
	// ErrPassphrase: the archive is encrypted and the passphrase does not
	// open it (or none was given).
	ErrPassphrase = errors.New("the passphrase does not open this backup")
	// ErrDamaged: the archive is not one, is cut short, or a file's
	// checksum does not match the manifest.
	ErrDamaged = errors.New("the backup is damaged or not a switchboard backup")
	// ErrTargetNotEmpty: restore writes only into a new or empty
	// directory.
	ErrTargetNotEmpty = errors.New("the target directory is not empty")
)

// RestoreOptions say how Restore opens an archive.
type RestoreOptions struct {
	// Passphrase opens an encrypted archive.
	Passphrase []byte
	// KeyFile is read for the key when the archive does not hold it.
	KeyFile string
}

// Encrypted reports whether the archive at path is encrypted (needs a
// passphrase).
func Encrypted(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(ageHeader))
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) == ageHeader, nil
}

// Restore brings the archive at path back into dataDir, which must not
// exist or be empty: it checks the passphrase, the manifest and every
// file's checksum, writes the database and the key, and checks that the
// key opens every sealed value of the database. On any failure it
// removes what it wrote. The database keeps the schema it was taken at.
func Restore(ctx context.Context, path, dataDir string, opts RestoreOptions) (*Manifest, store.SQLiteCheck, error) {
	var check store.SQLiteCheck
	created, err := prepareTarget(dataDir)
	if err != nil {
		return nil, check, err
	}
	var written []string
	m, err := restore(ctx, path, dataDir, opts, &written, &check)
	if err != nil {
		for _, f := range written {
			os.Remove(f)
		}
		if created {
			os.Remove(dataDir)
		}
		return nil, check, err
	}
	return m, check, nil
}

// prepareTarget makes dataDir (0700) or checks that it is empty; created
// says it did not exist.
func prepareTarget(dataDir string) (created bool, err error) {
	entries, err := os.ReadDir(dataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return false, fmt.Errorf("creating %s: %w", dataDir, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("reading %s: %w", dataDir, err)
	case len(entries) > 0:
		return false, fmt.Errorf("%s: %w (restore into a new directory, then point --data at it)", dataDir, ErrTargetNotEmpty)
	}
	return false, os.Chmod(dataDir, 0o700)
}

func restore(ctx context.Context, path, dataDir string, opts RestoreOptions, written *[]string, check *store.SQLiteCheck) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var r io.Reader = br
	if head, _ := br.Peek(len(ageHeader)); string(head) == ageHeader {
		if len(opts.Passphrase) == 0 {
			return nil, fmt.Errorf("%w: the backup is encrypted and no passphrase was given", ErrPassphrase)
		}
		id, err := age.NewScryptIdentity(string(opts.Passphrase))
		if err != nil {
			return nil, err
		}
		if r, err = age.Decrypt(br, id); err != nil {
			var nomatch *age.NoIdentityMatchError
			if errors.As(err, &nomatch) {
				return nil, ErrPassphrase
			}
			return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
		}
	}
	tr := tar.NewReader(r)
	m, err := readManifest(tr)
	if err != nil {
		return nil, err
	}
	if m.HasKey() && len(opts.Passphrase) == 0 {
		// Only Write makes archives, and it encrypts those with the key.
		return nil, fmt.Errorf("%w: it holds the key but is not encrypted", ErrDamaged)
	}
	for _, want := range m.Files {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%w: %s is missing (%v)", ErrDamaged, want.Name, err)
		}
		if h.Name != want.Name || h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("%w: found %q where the manifest lists %s", ErrDamaged, h.Name, want.Name)
		}
		dest := filepath.Join(dataDir, want.Name)
		out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		*written = append(*written, dest)
		sum := sha256.New()
		n, err := io.Copy(io.MultiWriter(out, sum), tr)
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrDamaged, want.Name, err)
		}
		if n != want.Size || hex.EncodeToString(sum.Sum(nil)) != want.SHA256 {
			return nil, fmt.Errorf("%w: %s does not match its checksum", ErrDamaged, want.Name)
		}
	}
	if _, err := tr.Next(); err != io.EOF {
		return nil, fmt.Errorf("%w: files after those the manifest lists", ErrDamaged)
	}
	// Reading to the end makes age check the stream's last chunk: a
	// truncated archive fails here.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	keyPath := filepath.Join(dataDir, KeyName)
	if !m.HasKey() {
		if opts.KeyFile == "" {
			return nil, errors.New("the backup does not hold the key: give the key file")
		}
		data, err := os.ReadFile(opts.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("reading the key: %w", err)
		}
		if _, err := ParseKeyFile(data); err != nil {
			return nil, fmt.Errorf("%s: %w", opts.KeyFile, err)
		}
		if err := os.WriteFile(keyPath, data, 0o600); err != nil {
			return nil, err
		}
		*written = append(*written, keyPath)
	}
	data, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, err
	}
	key, err := ParseKeyFile(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyPath, err)
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		return nil, err
	}
	if *check, err = store.CheckSQLite(ctx, filepath.Join(dataDir, DatabaseName), sealer); err != nil {
		return nil, fmt.Errorf("checking the restored database: %w", err)
	}
	return m, nil
}

func readManifest(tr *tar.Reader) (*Manifest, error) {
	h, err := tr.Next()
	if err != nil || h.Name != ManifestName {
		return nil, fmt.Errorf("%w: no manifest", ErrDamaged)
	}
	data, err := io.ReadAll(io.LimitReader(tr, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil || m.Format != Format {
		return nil, fmt.Errorf("%w: the manifest is not a switchboard backup's", ErrDamaged)
	}
	if m.Version > FormatVersion {
		return nil, fmt.Errorf("the backup's format is version %d, this switchboard reads up to %d: restore it with a newer switchboard", m.Version, FormatVersion)
	}
	if m.Database != "sqlite" {
		return nil, fmt.Errorf("the backup is of a %q database, not SQLite", m.Database)
	}
	seen := map[string]bool{}
	for _, f := range m.Files {
		if f.Name != DatabaseName && f.Name != KeyName || seen[f.Name] {
			return nil, fmt.Errorf("%w: the manifest lists %q", ErrDamaged, f.Name)
		}
		seen[f.Name] = true
	}
	if !seen[DatabaseName] || seen[KeyName] != m.HasKey() {
		return nil, fmt.Errorf("%w: the manifest's files do not fit it", ErrDamaged)
	}
	return &m, nil
}
