package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
)

// maxMediaBytes bounds a medium streamed to an agent (WhatsApp's largest,
// documents, are 100 MB).
const maxMediaBytes = 100 << 20

// messageMedia gives the caller the n-th medium of a message of a session
// it may see. Where the channel's media URLs need the channel's
// credentials (its template has FetchMedia, as WhatsApp's does), the
// medium is fetched with them and streamed; otherwise the caller is sent
// to the URL.
func (s *Server) messageMedia(w http.ResponseWriter, r *http.Request) error {
	ses, err := s.msg.Session(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 {
		return badRequest("media number %q: 0, 1, …", r.PathValue("n"))
	}
	m, err := s.msg.OpenMedium(r.Context(), ses, r.PathValue("messageId"), n)
	var fe *messaging.FetchError
	switch {
	case errors.As(err, &fe) && fe.Run != nil:
		return remoteFailure(r, "fetching the medium from the provider", fe.Run)
	case errors.As(err, &fe):
		var se *engine.HTTPStatusError
		if errors.As(fe.Err, &se) || r.Context().Err() == nil {
			return errorf(http.StatusBadGateway, "remote_failed", "downloading the medium failed: %v", fe.Err)
		}
		return fe.Err
	case err != nil:
		return err
	}
	if m.Link != "" {
		http.Redirect(w, r, m.Link, http.StatusFound)
		return nil
	}
	defer m.Body.Close()
	if m.Length > maxMediaBytes {
		return errorf(http.StatusBadGateway, "too_large", "the medium is %d bytes; at most %d are passed on", m.Length, maxMediaBytes)
	}
	ct := firstNonEmpty(m.ContentType, "application/octet-stream")
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		ct = "application/octet-stream"
	}
	longAnswer(w)
	// A customer chooses what they send: anything but pictures, sound,
	// video and PDF is a download, and nothing served from this origin may
	// run script (an HTML "document" would otherwise run as the console).
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", disposition(ct))
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=300")
	if m.Length >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(m.Length, 10))
	}
	w.WriteHeader(http.StatusOK)
	_, err = io.Copy(w, io.LimitReader(m.Body, maxMediaBytes))
	return err
}

func disposition(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	if strings.HasPrefix(mt, "image/") || strings.HasPrefix(mt, "audio/") || strings.HasPrefix(mt, "video/") || mt == "application/pdf" {
		return "inline"
	}
	return "attachment"
}
