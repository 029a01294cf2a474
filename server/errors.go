package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// apiError is an error with the HTTP status and code it is answered with.
// Handlers return errors; one function writes them (writeError).
type apiError struct {
	Status  int
	Code    string
	Message string
	Details any
}

func (e *apiError) Error() string { return e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "bad_request", format, args...)
}

func notFound(what string) *apiError {
	return errorf(http.StatusNotFound, "not_found", "%s not found", what)
}

// handler is an http.Handler that returns its error.
type handler func(w http.ResponseWriter, r *http.Request) error

// serve adapts a handler: errors become the JSON error body.
func (s *Server) serve(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// writeError answers {"error":{"code","message","details"}} with the status
// the error calls for. Store errors map to 404/409; anything unexpected is
// a 500 whose cause goes to the log, not to the caller.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var mbe *http.MaxBytesError
	var mp *messaging.Problem
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &mp):
		ae = errorf(problemStatus[mp.Kind], mp.Kind, "%s", mp.Message)
	case errors.As(err, &mbe):
		ae = errorf(http.StatusRequestEntityTooLarge, "too_large", "the body is larger than %d bytes", mbe.Limit)
	case errors.Is(err, store.ErrNotFound):
		ae = errorf(http.StatusNotFound, "not_found", "%s", err.Error())
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrLimitReached), errors.Is(err, store.ErrInUse):
		ae = errorf(http.StatusConflict, "conflict", "%s", err.Error())
	default:
		s.log.Error("request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		ae = errorf(http.StatusInternalServerError, "internal", "internal error")
	}
	body := map[string]any{"code": ae.Code, "message": ae.Message}
	if ae.Details != nil {
		body["details"] = ae.Details
	}
	writeJSON(w, ae.Status, map[string]any{"error": body})
}

// problemStatus is the HTTP status of each kind of messaging problem.
var problemStatus = map[string]int{
	messaging.KindInvalid:       http.StatusBadRequest,
	messaging.KindForbidden:     http.StatusForbidden,
	messaging.KindNotFound:      http.StatusNotFound,
	messaging.KindConflict:      http.StatusConflict,
	messaging.KindClosed:        http.StatusConflict,
	messaging.KindOptedOut:      http.StatusConflict,
	messaging.KindOutsideWindow: http.StatusConflict,
	messaging.KindBadSignature:  http.StatusBadRequest,
	messaging.KindNotChallenge:  http.StatusForbidden,
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decodeJSON reads a JSON body of at most 1 MiB into v, refusing unknown
// fields so a typo is an error rather than a setting silently ignored.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("invalid JSON body: %v", err)
	}
	return nil
}
