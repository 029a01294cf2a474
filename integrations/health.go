package integrations

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/store"
)

// authFailuresToFail is how many call steps in a row must fail on
// authentication before the integration shows as failed: one 401 can be a
// hiccup of the remote, three in a row are the credentials.
const authFailuresToFail = 3

// health turns an integration failed when its calls keep failing on
// authentication, with the remote's answer as the reason, and connected
// again when a call gets an answer from the remote. The counts are per
// process: each replica comes to the same conclusion from its own calls.
type health struct {
	st  store.Store
	log *slog.Logger

	mu       sync.Mutex
	failures map[string]int // by integration
}

func newHealth(st store.Store, log *slog.Logger) *health {
	return &health{st: st, log: log, failures: map[string]int{}}
}

// observe takes the outcome of one step that talked to the remote.
func (h *health) observe(ctx context.Context, in *store.Integration, res *engine.Result, err error, at time.Time) {
	switch {
	case AuthFailure(err):
		h.mu.Lock()
		h.failures[in.ID]++
		n := h.failures[in.ID]
		h.mu.Unlock()
		if n < authFailuresToFail {
			return
		}
		reason := "calls fail to authenticate: " + err.Error()
		if ok, serr := h.st.SetIntegrationStatus(ctx, in.ID, store.StatusConnected, store.StatusFailed, reason, at); serr != nil {
			h.log.Warn("marking an integration failed", slog.String("integration", in.ID), slog.Any("err", serr))
		} else if ok {
			h.log.Warn("integration failed", slog.String("integration", in.ID), slog.String("reason", reason))
		}
	case err == nil && answered(res):
		h.mu.Lock()
		delete(h.failures, in.ID)
		h.mu.Unlock()
		if in.Status != store.StatusFailed {
			// Nothing to mend (as read when the work began): no write on
			// every step of every call.
			return
		}
		if ok, serr := h.st.SetIntegrationStatus(ctx, in.ID, store.StatusFailed, store.StatusConnected, "", at); serr != nil {
			h.log.Warn("marking an integration connected", slog.String("integration", in.ID), slog.Any("err", serr))
		} else if ok {
			h.log.Info("integration connected again: a call got through", slog.String("integration", in.ID))
		}
	}
}

// forget drops the count of a deleted integration.
func (h *health) forget(id string) {
	h.mu.Lock()
	delete(h.failures, id)
	h.mu.Unlock()
}

// Observe takes the outcome of one call step that talked to the remote:
// calls failing on authentication three times in a row mark the
// integration failed; one that gets an answer connects it again.
func (rt *Runtime) Observe(ctx context.Context, in *store.Integration, res *engine.Result, err error) {
	rt.health.observe(ctx, in, res, err, rt.cfg.Now())
}

// AuthFailure reports whether a step failed because the remote refused the
// credentials, after the engine's one token refresh.
func AuthFailure(err error) bool {
	var se *engine.HTTPStatusError
	var te *auth.TokenEndpointError
	return errors.Is(err, engine.ErrTokenInvalid) || errors.As(err, &te) ||
		(errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden))
}

// answered reports whether a run got a 2xx answer from the remote (a
// lookup answered from the local contact group proves nothing).
func answered(res *engine.Result) bool {
	if res == nil {
		return false
	}
	for _, ex := range res.Trace {
		if ex.Status >= 200 && ex.Status < 300 {
			return true
		}
	}
	return false
}
