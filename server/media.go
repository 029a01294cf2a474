package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
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
	list, err := s.store.Messages(r.Context(), ses.ID)
	if err != nil {
		return err
	}
	var mediaURL string
	for _, m := range list {
		// Only what customers sent: an agent's own media URLs are
		// whatever the agent typed, and the channel's credentials must
		// not follow them.
		if m.ID == r.PathValue("messageId") && m.Direction == store.DirectionIn {
			if n >= len(m.MediaURLs) {
				return notFound(fmt.Sprintf("medium %d of message %s (it has %d)", n, m.ID, len(m.MediaURLs)))
			}
			mediaURL = m.MediaURLs[n]
		}
	}
	if mediaURL == "" {
		return notFound("message " + r.PathValue("messageId") + " in session " + ses.ID)
	}
	ch, err := s.store.GetChannel(r.Context(), ses.ChannelID)
	if err != nil {
		return err
	}
	res, err := s.channels.Resolve(r.Context(), ch)
	if err != nil {
		return err
	}
	if res.Client.Template().Scenario(templates.ScenarioFetchMedia) == nil {
		if !strings.HasPrefix(mediaURL, "https://") && !strings.HasPrefix(mediaURL, "http://") {
			return errorf(http.StatusNotFound, "not_found", "the medium is not a link the channel can fetch")
		}
		http.Redirect(w, r, mediaURL, http.StatusFound)
		return nil
	}
	run := res.Client.Run(r.Context(), templates.ScenarioFetchMedia, engine.Vars{"MediaUrl": mediaURL}, engine.RunOptions{})
	if run.Err != nil {
		return remoteFailure(r, "fetching the medium from the provider", run)
	}
	resp, err := res.Client.Download(r.Context(), run.Vars["DownloadUrl"])
	if err != nil {
		var se *engine.HTTPStatusError
		if errors.As(err, &se) || r.Context().Err() == nil {
			return errorf(http.StatusBadGateway, "remote_failed", "downloading the medium failed: %v", err)
		}
		return err
	}
	defer resp.Body.Close()
	if resp.ContentLength > maxMediaBytes {
		return errorf(http.StatusBadGateway, "too_large", "the medium is %d bytes; at most %d are passed on", resp.ContentLength, maxMediaBytes)
	}
	ct := firstNonEmpty(run.Vars["MimeType"], resp.Header.Get("Content-Type"), "application/octet-stream")
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
	if resp.ContentLength >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	w.WriteHeader(http.StatusOK)
	_, err = io.Copy(w, io.LimitReader(resp.Body, maxMediaBytes))
	return err
}

func disposition(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	if strings.HasPrefix(mt, "image/") || strings.HasPrefix(mt, "audio/") || strings.HasPrefix(mt, "video/") || mt == "application/pdf" {
		return "inline"
	}
	return "attachment"
}
