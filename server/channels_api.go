package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// channelBody is what an admin sends to create or change a channel.
type channelBody struct {
	TemplateID        string              `json:"templateId"`
	Name              string              `json:"name"`
	Fields            map[string]string   `json:"fields"`
	MessagesPerSecond int                 `json:"messagesPerSecond"`
	AutoCloseDays     int                 `json:"autoCloseDays"`
	Settings          json.RawMessage     `json:"settings"`
	Numbers           []channelNumberBody `json:"numbers"`
}

type channelNumberBody struct {
	Number            string           `json:"number"`
	NumberID          string           `json:"numberId,omitempty"`
	Destination       messaging.Target `json:"destination"`
	AllowedExtensions []string         `json:"allowedExtensions"`
}

// spec is the body as the messaging service takes it.
func (b *channelBody) spec() messaging.ChannelSpec {
	sp := messaging.ChannelSpec{TemplateID: b.TemplateID, Name: b.Name, Fields: b.Fields, MessagesPerSecond: b.MessagesPerSecond,
		AutoCloseDays: b.AutoCloseDays, Settings: b.Settings}
	for _, n := range b.Numbers {
		sp.Numbers = append(sp.Numbers, messaging.NumberSpec{Number: n.Number, NumberID: n.NumberID, Destination: n.Destination,
			AllowedExtensions: n.AllowedExtensions})
	}
	return sp
}

type channelView struct {
	ID                string                    `json:"id"`
	TemplateID        string                    `json:"templateId"`
	Kind              string                    `json:"kind"` // sms or messaging
	Name              string                    `json:"name"`
	Status            string                    `json:"status"`
	StatusReason      string                    `json:"statusReason,omitempty"`
	WebhookURL        string                    `json:"webhookUrl"`
	VerifyToken       string                    `json:"verifyToken"`
	Fields            map[string]string         `json:"fields"`
	SecretFields      []string                  `json:"secretFields"` // set, never shown
	MessagesPerSecond int                       `json:"messagesPerSecond"`
	AutoCloseDays     int                       `json:"autoCloseDays"`
	AutoCloseHours    int                       `json:"autoCloseHours,omitempty"` // fixed by the channel type
	AgentInitiated    bool                      `json:"agentInitiated"`
	ReplyWindowHours  int                       `json:"replyWindowHours,omitempty"`
	Settings          messaging.ChannelSettings `json:"settings"`
	Numbers           []channelNumberBody       `json:"numbers"`
	CreatedAt         time.Time                 `json:"createdAt"`
	UpdatedAt         time.Time                 `json:"updatedAt"`
}

func (s *Server) viewChannel(ctx context.Context, ch *store.Channel) (channelView, error) {
	info, err := s.msg.ChannelInfo(ctx, ch)
	if err != nil {
		return channelView{}, err
	}
	in := info.Integration
	iv := viewIntegration(in)
	v := channelView{ID: ch.ID, TemplateID: in.TemplateID, Name: ch.Name, Status: in.Status, StatusReason: in.StatusReason,
		WebhookURL: info.WebhookURL, VerifyToken: ch.VerifyToken, Fields: iv.Fields, SecretFields: iv.SecretFields,
		MessagesPerSecond: ch.MessagesPerSecond, AutoCloseDays: ch.AutoCloseDays, Settings: messaging.ParseSettings(ch.Settings),
		Numbers: []channelNumberBody{}, CreatedAt: ch.CreatedAt, UpdatedAt: ch.UpdatedAt}
	if d := info.Def; d != nil {
		v.Kind, v.AgentInitiated = d.Kind, d.Rules.AgentInitiated
		v.AutoCloseHours, v.ReplyWindowHours = int(d.Rules.AutoClose.Hours()), int(d.Rules.ReplyWindow.Hours())
	}
	for _, n := range ch.Numbers {
		v.Numbers = append(v.Numbers, channelNumberBody{Number: n.Number, NumberID: n.NumberID,
			Destination: messaging.Target{Type: n.DestType, ID: n.DestID}, AllowedExtensions: n.AllowedExtensions})
	}
	return v, nil
}

// channelError answers the service's refusals of a channel as the API
// always has: a list of problems is 400 invalid_channel, another invalid
// request 400 bad_request, field values that do not fit the template 400
// invalid_fields. The rest (404, 409 number_taken) are writeError's.
func channelError(err error) error {
	var mp *messaging.Problem
	switch {
	case errors.As(err, &mp) && mp.Kind == messaging.KindInvalid && len(mp.Details) > 0:
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_channel", Message: mp.Message, Details: mp.Details}
	case errors.As(err, &mp) && mp.Kind == messaging.KindInvalid:
		return badRequest("%s", mp.Message)
	}
	return fieldsError(err)
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) error {
	var b channelBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		return err
	}
	ch, err := s.msg.CreateChannel(r.Context(), b.spec())
	if err != nil {
		return channelError(err)
	}
	return s.show(w, r, ch, http.StatusCreated)
}

// show answers with a channel.
func (s *Server) show(w http.ResponseWriter, r *http.Request, ch *store.Channel, status int) error {
	v, err := s.viewChannel(r.Context(), ch)
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request) error {
	list, err := s.msg.Channels(r.Context())
	if err != nil {
		return err
	}
	out := make([]channelView, 0, len(list))
	for _, ch := range list {
		v, err := s.viewChannel(r.Context(), ch)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	writeJSON(w, 200, map[string]any{"channels": out})
	return nil
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) error {
	ch, err := s.msg.Channel(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.show(w, r, ch, http.StatusOK)
}

// updateChannel replaces a channel's name, fields, rate, idle time,
// settings and numbers (messaging.Service.UpdateChannel). A channel that
// does not exist is a 404 whatever the body.
func (s *Server) updateChannel(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.msg.Channel(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	var b channelBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		return err
	}
	ch, err := s.msg.UpdateChannel(r.Context(), r.PathValue("id"), b.spec())
	if err != nil {
		return channelError(err)
	}
	return s.show(w, r, ch, http.StatusOK)
}

// verifyChannel checks the channel's connection now and answers with it.
func (s *Server) verifyChannel(w http.ResponseWriter, r *http.Request) error {
	ch, err := s.msg.Channel(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if _, _, err := s.msg.Verify(r.Context(), ch); err != nil {
		return err
	}
	return s.show(w, r, ch, http.StatusOK)
}

func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request) error {
	if err := s.msg.DeleteChannel(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// numberStats are one number's counts, in a period or in one bucket of a
// series.
type numberStats struct {
	Number    string `json:"number,omitempty"`
	From      string `json:"from,omitempty"` // a bucket's start
	Sent      int    `json:"sent"`
	Succeeded int    `json:"succeeded"`
	Failed    int    `json:"failed"`
	Received  int    `json:"received"`
	// Series is the period's buckets, oldest first, with ?bucket=.
	Series []numberStats `json:"series,omitempty"`
}

// maxBuckets bounds a series: 31 days of hours, or years of days.
const maxBuckets = 1000

// channelStats counts each number's messages in a period: sent in all
// (succeeded and failed), succeeded, failed, received. With ?bucket=hour
// or day each number also has its series: one bucket per hour or per 24
// hours from ?from= (required then; ?to= defaults to now), empty buckets
// included.
func (s *Server) channelStats(w http.ResponseWriter, r *http.Request) error {
	ch, err := s.msg.Channel(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	from, to, err := period(r)
	if err != nil {
		return err
	}
	step, err := bucketStep(r.URL.Query().Get("bucket"))
	if err != nil {
		return err
	}
	if step > 0 {
		if to.IsZero() {
			to = s.now()
		}
		switch {
		case from.IsZero():
			return badRequest("bucket needs from: the series starts there")
		case !to.After(from):
			return badRequest("to must be after from")
		case to.Sub(from) > maxBuckets*step:
			return badRequest("the period holds more than %d buckets of %s; choose a shorter period or bucket=day", maxBuckets, step)
		}
	}
	stats, err := s.store.NumberStats(r.Context(), ch.ID, from, to)
	if err != nil {
		return err
	}
	by := map[string]numberStats{}
	for _, st := range stats {
		by[st.Number] = numberStats{Number: st.Number, Sent: st.Sent, Succeeded: st.Succeeded, Failed: st.Failed, Received: st.Received}
	}
	out := []numberStats{}
	for _, n := range ch.Numbers {
		st := by[n.Number]
		st.Number = n.Number
		out = append(out, st)
		delete(by, n.Number)
	}
	// Numbers the channel no longer has still count in their period.
	var rest []string
	for n := range by {
		rest = append(rest, n)
	}
	sort.Strings(rest)
	for _, n := range rest {
		out = append(out, by[n])
	}
	answer := map[string]any{"channelId": ch.ID, "from": optTime(from), "to": optTime(to), "numbers": out}
	if step > 0 {
		if err := s.fillSeries(r.Context(), ch.ID, out, from, to, step); err != nil {
			return err
		}
		answer["bucket"] = r.URL.Query().Get("bucket")
	}
	writeJSON(w, 200, answer)
	return nil
}

// bucketStep reads ?bucket=: hour, day, or nothing (0).
func bucketStep(v string) (time.Duration, error) {
	switch strings.TrimSpace(v) {
	case "":
		return 0, nil
	case "hour":
		return time.Hour, nil
	case "day":
		return 24 * time.Hour, nil
	}
	return 0, badRequest("bucket %q: hour or day", v)
}

// fillSeries gives each number its series in [from, to), every bucket
// there, empty ones at zero.
func (s *Server) fillSeries(ctx context.Context, channelID string, numbers []numberStats, from, to time.Time, step time.Duration) error {
	buckets, err := s.store.NumberStatsSeries(ctx, channelID, from, to, step)
	if err != nil {
		return err
	}
	type key struct {
		number string
		start  int64
	}
	found := map[key]store.NumberStats{}
	for _, b := range buckets {
		found[key{b.Number, b.Start.UnixMilli()}] = b.NumberStats
	}
	for i := range numbers {
		numbers[i].Series = []numberStats{}
		for start := from.UTC(); start.Before(to); start = start.Add(step) {
			st := found[key{numbers[i].Number, start.UnixMilli()}]
			numbers[i].Series = append(numbers[i].Series, numberStats{From: start.Format(time.RFC3339Nano), Sent: st.Sent,
				Succeeded: st.Succeeded, Failed: st.Failed, Received: st.Received})
		}
	}
	return nil
}

// period reads ?from= and ?to= as RFC 3339 times or dates (a date "to"
// includes its whole day).
func period(r *http.Request) (from, to time.Time, err error) {
	parse := func(name string, endOfDay bool) (time.Time, error) {
		v := strings.TrimSpace(r.URL.Query().Get(name))
		if v == "" {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, nil
		}
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			if endOfDay {
				t = t.AddDate(0, 0, 1)
			}
			return t, nil
		}
		return time.Time{}, badRequest("%s %q: an RFC 3339 time (2026-11-21T10:00:00Z) or a date (2026-11-21)", name, v)
	}
	if from, err = parse("from", false); err != nil {
		return
	}
	to, err = parse("to", true)
	return
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// isChannel reports whether an integration id is a channel's.
func (s *Server) isChannel(ctx context.Context, id string) (bool, error) {
	return s.msg.IsChannel(ctx, id)
}

// channelIDs are the ids of all channels, sorted, to keep them out of the
// integrations API.
func (s *Server) channelIDs(ctx context.Context) ([]string, error) {
	return s.msg.ChannelIDs(ctx)
}
