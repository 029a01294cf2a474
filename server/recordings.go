package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// recordings signs and serves the recording links helpdesks play: the URL
// carries the recording and an expiry, signed with HMAC-SHA256, so the
// helpdesk needs no credentials and the link cannot be changed to reach
// another file.
type recordings struct {
	key    []byte
	ttl    time.Duration
	dir    string // files are served from here
	public string // Switchboard's public URL
	client *http.Client
}

type recordingClaim struct {
	File    string `json:"f"`
	Expires int64  `json:"e"`
}

func newRecordings(cfg Config, client *http.Client) *recordings {
	key := cfg.SigningKey
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key) // links then last as long as the process
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("switchboard recordings"))
	return &recordings{key: mac.Sum(nil), ttl: cfg.RecordingTTL, dir: cfg.RecordingsDir, public: cfg.PublicURL, client: client}
}

func (rc *recordings) sign(payload []byte) string {
	mac := hmac.New(sha256.New, rc.key)
	mac.Write(payload)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// url returns the signed link of a recording: a file name under the
// recordings directory or an http(s) URL on the PBX.
func (rc *recordings) url(recording string, now time.Time) string {
	payload, _ := json.Marshal(recordingClaim{File: recording, Expires: now.Add(rc.ttl).Unix()}) // strings always marshal
	return rc.public + "/recordings/" + base64.RawURLEncoding.EncodeToString(payload) + "." + rc.sign(payload)
}

// verify checks a token and returns its recording.
func (rc *recordings) verify(token string, now time.Time) (string, bool) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return "", false
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || !hmac.Equal([]byte(sig), []byte(rc.sign(payload))) {
		return "", false
	}
	var c recordingClaim
	if json.Unmarshal(payload, &c) != nil || now.Unix() > c.Expires {
		return "", false
	}
	return c.File, true
}

func (s *Server) serveRecording(w http.ResponseWriter, r *http.Request) error {
	rec, ok := s.recordings.verify(r.PathValue("token"), s.now())
	if !ok {
		return errorf(http.StatusForbidden, "forbidden", "the recording link is not valid or has expired")
	}
	longAnswer(w) // a helpdesk may play a long recording slowly
	if strings.HasPrefix(rec, "http://") || strings.HasPrefix(rec, "https://") {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, rec, nil)
		if err != nil {
			return err
		}
		if rg := r.Header.Get("Range"); rg != "" {
			req.Header.Set("Range", rg)
		}
		resp, err := s.recordings.client.Do(req)
		if err != nil {
			return errorf(http.StatusBadGateway, "remote_failed", "fetching the recording from the PBX failed")
		}
		defer resp.Body.Close()
		for _, h := range []string{"Content-Type", "Content-Length", "Content-Range", "Accept-Ranges"} {
			if v := resp.Header.Get(h); v != "" {
				w.Header().Set(h, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, err = io.Copy(w, resp.Body)
		return err
	}
	if s.recordings.dir == "" {
		return errorf(http.StatusNotFound, "not_found", "no recordings directory is configured")
	}
	f, info, err := s.recordings.open(rec)
	if err != nil {
		return notFound("recording")
	}
	defer f.Close()
	http.ServeContent(w, r, info.Name(), info.ModTime(), f)
	return nil
}

// open opens a recording named by a signed link: a regular file directly
// in the recordings directory. Only the name's base is used, and the file
// is opened through an os.Root of the directory and must not be a symbolic
// link, so no link reaches outside it — a link planted in the directory
// could otherwise serve the data directory's secret key.
func (rc *recordings) open(name string) (*os.File, os.FileInfo, error) {
	root, err := os.OpenRoot(rc.dir)
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	name = filepath.Base(name)
	if info, err := root.Lstat(name); err != nil || !info.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("recording %q is not a regular file", name)
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("recording %q is not a regular file", name)
	}
	return f, info, nil
}
