package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/integrations"
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
		if len(mp.Details) > 0 {
			ae.Details = mp.Details
		}
	case errors.As(err, &mbe):
		ae = errorf(http.StatusRequestEntityTooLarge, "too_large", "the body is larger than %d bytes", mbe.Limit)
	case errors.Is(err, store.ErrNotFound):
		ae = errorf(http.StatusNotFound, "not_found", "%s", err.Error())
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrLimitReached), errors.Is(err, store.ErrInUse):
		ae = errorf(http.StatusConflict, "conflict", "%s", err.Error())
	case r.Context().Err() != nil:
		// The client went away (or stopped sending) mid-request: its
		// trouble, not the service's, and nobody reads the answer.
		s.log.Info("request abandoned by the client", slog.String("method", r.Method), slog.String("path", maskedPath(r)), slog.Any("err", err))
		ae = errorf(http.StatusBadRequest, "abandoned", "the request was abandoned")
	default:
		s.log.Error("request failed", slog.String("method", r.Method), slog.String("path", maskedPath(r)), slog.Any("err", err))
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
	messaging.KindNumberTaken:   http.StatusConflict,
	messaging.KindQueueInUse:    http.StatusConflict,
	messaging.KindSystemMessage: http.StatusConflict,
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decodeJSON reads a JSON body of at most 1 MiB into v, refusing unknown
// fields so a typo is an error rather than a setting silently ignored, and
// anything after the value: two concatenated events are not one.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := s.jsonBody(w, r)
	if err != nil {
		return err
	}
	return decodeJSONBytes(body, v)
}

// jsonBody reads a body declared JSON (or not declared) of at most 1 MiB.
func (s *Server) jsonBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := requireJSON(r); err != nil {
		return nil, err
	}
	return s.readBody(w, r, 1<<20)
}

// decodeJSONBytes decodes a JSON body into v: every key must be one v has,
// spelt exactly (with a did-you-mean), and nothing may follow the value.
func decodeJSONBytes(body []byte, v any) error {
	if problems := keyProblems(body, reflect.TypeOf(v)); len(problems) > 0 {
		slices.Sort(problems)
		return &apiError{Status: http.StatusBadRequest, Code: "unknown_keys",
			Message: "the body has keys this route does not take: " + strings.Join(problems, "; "), Details: problems}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return badRequest("the body is empty; send a JSON object")
		}
		return badRequest("invalid JSON body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("the body has more after its JSON value (at byte %d); send one JSON value per request", dec.InputOffset())
	}
	return nil
}

// requireJSON refuses a body declared as anything but JSON with 415: a
// form-encoded body (what curl -d sends unless told otherwise) would
// otherwise fail with a puzzling JSON syntax error. No Content-Type is
// taken as JSON.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type",
		"the body is %q; this route takes JSON: send Content-Type: application/json", ct)
}

// readBody reads a whole request body of at most limit bytes (413 above).
// A body cut off on the way — the client stopped sending, or went away —
// is a 400 logged at Info: the client's trouble, not the service's.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		return data, nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, err
	}
	s.log.Info("request body cut off", slog.String("method", r.Method), slog.String("path", maskedPath(r)), slog.Any("err", err))
	return nil, errorf(http.StatusBadRequest, "body_cut_off", "the body was cut off after %d bytes: %v", len(data), err)
}

// fieldsError answers field values that do not fit the template: 400
// with every problem.
func fieldsError(err error) error {
	var fe *integrations.FieldsError
	if errors.As(err, &fe) {
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_fields", Message: "the fields do not fit the template", Details: fe.Problems}
	}
	return err
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
