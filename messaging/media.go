package messaging

import (
	"context"
	"io"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
)

// Medium is a medium a customer sent, as the agent gets it: a link to
// follow, or the medium fetched with the channel's credentials.
type Medium struct {
	// Link, when set, is where the caller is sent: the channel's media
	// URLs need no credentials (its template has no FetchMedia).
	Link string
	// Body is the medium otherwise, fetched with the channel's
	// credentials; the caller closes it.
	Body io.ReadCloser
	// Length is Body's length; -1 when unknown.
	Length int64
	// ContentType is what FetchMedia says the medium is, else what the
	// download's answer says; "" when neither says.
	ContentType string
}

// FetchError is a medium the provider would not give: FetchMedia failed
// (Run shows how), or the download did (Err).
type FetchError struct {
	Run *engine.Result // FetchMedia's run, when it failed
	Err error          // the download's error otherwise
}

func (e *FetchError) Error() string {
	if e.Run != nil {
		return "fetching the medium from the provider failed: " + e.Run.Error
	}
	return "downloading the medium failed: " + e.Err.Error()
}

func (e *FetchError) Unwrap() error {
	if e.Run != nil {
		return e.Run.Err
	}
	return e.Err
}

// OpenMedium gives the n-th medium of a message a customer sent in a
// session (which the caller has checked the actor may see: Session). Only
// what customers sent: an agent's own media URLs are whatever the agent
// typed, and the channel's credentials must not follow them. Where the
// channel's media URLs need its credentials (its template has FetchMedia,
// as WhatsApp's does), the medium is fetched with them; otherwise its URL
// is the link to follow.
func (s *Service) OpenMedium(ctx context.Context, ses *store.Session, messageID string, n int) (*Medium, error) {
	list, err := s.store.Messages(ctx, ses.ID)
	if err != nil {
		return nil, err
	}
	var mediaURL string
	for _, m := range list {
		if m.ID == messageID && m.Direction == store.DirectionIn {
			if n >= len(m.MediaURLs) {
				return nil, problem(KindNotFound, "medium %d of message %s (it has %d) not found", n, m.ID, len(m.MediaURLs))
			}
			mediaURL = m.MediaURLs[n]
		}
	}
	if mediaURL == "" {
		return nil, problem(KindNotFound, "message %s in session %s not found", messageID, ses.ID)
	}
	ch, err := s.store.GetChannel(ctx, ses.ChannelID)
	if err != nil {
		return nil, err
	}
	res, err := s.resolve(ctx, ch)
	if err != nil {
		return nil, err
	}
	if res.client.Template().Scenario(templates.ScenarioFetchMedia) == nil {
		if !strings.HasPrefix(mediaURL, "https://") && !strings.HasPrefix(mediaURL, "http://") {
			return nil, problem(KindNotFound, "the medium is not a link the channel can fetch")
		}
		return &Medium{Link: mediaURL}, nil
	}
	run := res.client.Run(ctx, templates.ScenarioFetchMedia, engine.Vars{"MediaUrl": mediaURL}, engine.RunOptions{})
	if run.Err != nil {
		return nil, &FetchError{Run: run}
	}
	resp, err := res.client.Download(ctx, run.Vars["DownloadUrl"])
	if err != nil {
		return nil, &FetchError{Err: err}
	}
	ct := run.Vars["MimeType"]
	if ct == "" {
		ct = resp.Header.Get("Content-Type")
	}
	return &Medium{Body: resp.Body, Length: resp.ContentLength, ContentType: ct}, nil
}
