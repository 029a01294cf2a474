package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard/store"
)

// A Yeastar P-Series PBX pushes its API events to a webhook URL it is
// given, and cannot add an Authorization header to them (its webhook
// settings have a URL, a request method, the events, and a secret of its
// own that signs the body into X-Signature). So the credential is in the
// URL: POST /api/v1/events/yeastar/{secret}. The secret is 32 random bytes,
// so a plain SHA-256 is enough to keep it (there is nothing to guess); it
// is shown once, when the webhook is created or rotated, and never logged.

// pbxWebhookPath is where a PBX webhook's secret follows.
const pbxWebhookPath = "/api/v1/events/yeastar/"

// newPBXWebhookSecret returns a new secret: URL-safe, without padding, so
// it is one path segment as it is.
func newPBXWebhookSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "whk_" + base64.RawURLEncoding.EncodeToString(b)
}

func hashPBXWebhookSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

type pbxWebhookView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	RotatedAt time.Time `json:"rotatedAt"`
}

func viewPBXWebhook(w *store.PBXWebhook) pbxWebhookView {
	return pbxWebhookView{w.ID, w.Name, w.CreatedAt, w.RotatedAt}
}

// withURL is the answer that shows the secret, once: the URL to enter on
// the PBX.
func (s *Server) withURL(w *store.PBXWebhook, secret string) map[string]any {
	return map[string]any{"id": w.ID, "name": w.Name, "createdAt": w.CreatedAt, "rotatedAt": w.RotatedAt,
		"url": s.cfg.PublicURL + pbxWebhookPath + secret}
}

// createPBXWebhook adds a webhook URL for a PBX. The URL, with its secret,
// is in this answer only.
func (s *Server) createPBXWebhook(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return badRequest("name is required: say which PBX the webhook is for, e.g. \"Head office P570\"")
	}
	secret, now := newPBXWebhookSecret(), s.now()
	hook := &store.PBXWebhook{ID: newID("pbxw"), Name: in.Name, Hash: hashPBXWebhookSecret(secret), CreatedAt: now, RotatedAt: now}
	if err := s.store.CreatePBXWebhook(r.Context(), hook); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.withURL(hook, secret))
	return nil
}

// listPBXWebhooks lists the webhooks, without their secrets (which are not
// kept).
func (s *Server) listPBXWebhooks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListPBXWebhooks(r.Context())
	if err != nil {
		return err
	}
	out := make([]pbxWebhookView, 0, len(list))
	for _, h := range list {
		out = append(out, viewPBXWebhook(h))
	}
	writeJSON(w, http.StatusOK, map[string]any{"pbxWebhooks": out})
	return nil
}

// rotatePBXWebhook gives a webhook a new secret. The old URL stops working
// at once: enter the new one on the PBX straight after.
func (s *Server) rotatePBXWebhook(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	secret, now := newPBXWebhookSecret(), s.now()
	hook, err := s.store.RotatePBXWebhook(r.Context(), id, hashPBXWebhookSecret(secret), now)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("PBX webhook")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.withURL(hook, secret))
	return nil
}

func (s *Server) deletePBXWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeletePBXWebhook(r.Context(), r.PathValue("id")); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("PBX webhook")
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// postYeastarWebhook takes a Yeastar P-Series event whose credential is the
// secret in the path. An unknown secret is answered as an unknown route
// (404, not 401): a caller guessing learns nothing, and the body is not
// read.
func (s *Server) postYeastarWebhook(w http.ResponseWriter, r *http.Request) error {
	secret := r.PathValue("secret")
	hash := hashPBXWebhookSecret(secret)
	hook, err := s.store.PBXWebhookByHash(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "not_found", "no such API route: %s", maskedPath(r))
	}
	if err != nil {
		return err
	}
	// The row was found by its hash; comparing again in constant time
	// keeps the check itself free of timing differences whatever the
	// database's index does.
	if subtle.ConstantTimeCompare(hook.Hash, hash) != 1 {
		return errorf(http.StatusNotFound, "not_found", "no such API route: %s", maskedPath(r))
	}
	body, err := s.readBody(w, r, 1<<20)
	if err != nil {
		return err
	}
	return s.takeYeastar(w, r, body, true)
}

// maskedPath is the request's path for logs and error messages: a secret
// in it (a PBX webhook's) is replaced by "***".
func maskedPath(r *http.Request) string {
	if secret := r.PathValue("secret"); secret != "" {
		return strings.Replace(r.URL.Path, secret, "***", 1)
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, pbxWebhookPath); ok && rest != "" {
		// Not routed (another method): still never print what may be a
		// secret.
		return pbxWebhookPath + "***"
	}
	return r.URL.Path
}
