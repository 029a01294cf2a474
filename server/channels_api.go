package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
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
	// Filled in by checkChannel.
	def      *messaging.Definition
	tmpl     *engine.Template
	settings messaging.ChannelSettings
}

type channelNumberBody struct {
	Number            string           `json:"number"`
	NumberID          string           `json:"numberId,omitempty"`
	Destination       messaging.Target `json:"destination"`
	AllowedExtensions []string         `json:"allowedExtensions"`
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
	in, err := s.store.GetIntegration(ctx, ch.ID)
	if err != nil {
		return channelView{}, err
	}
	iv := viewIntegration(in)
	v := channelView{ID: ch.ID, TemplateID: in.TemplateID, Name: ch.Name, Status: in.Status, StatusReason: in.StatusReason,
		WebhookURL: s.msg.WebhookURL(ch), VerifyToken: ch.VerifyToken, Fields: iv.Fields, SecretFields: iv.SecretFields,
		MessagesPerSecond: ch.MessagesPerSecond, AutoCloseDays: ch.AutoCloseDays, Settings: messaging.ParseSettings(ch.Settings),
		Numbers: []channelNumberBody{}, CreatedAt: ch.CreatedAt, UpdatedAt: ch.UpdatedAt}
	if c, err := s.integ.TemplateOf(ctx, in); err == nil {
		if d, err := s.channels.definition(c); err == nil {
			v.Kind, v.AgentInitiated = d.Kind, d.Rules.AgentInitiated
			v.AutoCloseHours, v.ReplyWindowHours = int(d.Rules.AutoClose.Hours()), int(d.Rules.ReplyWindow.Hours())
		}
	}
	for _, n := range ch.Numbers {
		v.Numbers = append(v.Numbers, channelNumberBody{Number: n.Number, NumberID: n.NumberID,
			Destination: messaging.Target{Type: n.DestType, ID: n.DestID}, AllowedExtensions: n.AllowedExtensions})
	}
	return v, nil
}

// check validates a channel body against its template and the extensions
// and queues there are, every problem at once.
// checkChannel checks a channel's body (400 with every problem), then that
// no other channel has its numbers (409). self is the channel being
// changed, "" for a new one.
func (s *Server) checkChannel(ctx context.Context, b *channelBody, self string) error {
	t, err := s.store.GetTemplate(ctx, b.TemplateID)
	if errors.Is(err, store.ErrNotFound) {
		return badRequest("templateId %q: no such template", b.TemplateID)
	}
	if err != nil {
		return err
	}
	if b.tmpl, err = s.integ.Compile(t); err != nil {
		return err
	}
	if !b.tmpl.Source.IsChannel() {
		return badRequest("template %s is a %s template; a channel needs a channel template (Provider sms or messaging)", t.Key, t.Provider)
	}
	if b.def, err = s.channels.definition(b.tmpl); err != nil {
		return err
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(b.Name) == "" {
		add("name is required")
	}
	rules := b.def.Rules
	if b.MessagesPerSecond == 0 {
		b.MessagesPerSecond = rules.MessagesPerSecond
	}
	if b.MessagesPerSecond < 1 || b.MessagesPerSecond > rules.MaxMessagesPerSecond {
		add("messagesPerSecond %d: this channel sends 1 to %d messages per second", b.MessagesPerSecond, rules.MaxMessagesPerSecond)
	}
	if b.AutoCloseDays < 0 {
		add("autoCloseDays %d: 0 (never) or more days", b.AutoCloseDays)
	}
	if len(b.Settings) > 0 && !bytes.Equal(bytes.TrimSpace(b.Settings), []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(b.Settings))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b.settings); err != nil {
			add("settings: %v", err)
		}
	}
	if len(b.Numbers) == 0 {
		add("numbers: a channel needs at least one number")
	}
	needsID := usesNumberID(b.tmpl)
	extensions, err := s.store.ListExtensions(ctx)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, e := range extensions {
		known[e.Number] = true
	}
	seen := map[string]bool{}
	for i, n := range b.Numbers {
		at := fmt.Sprintf("numbers[%d]", i)
		if err := messaging.CheckE164(n.Number); err != nil {
			add("%s.number: %v", at, err)
		} else if seen[n.Number] {
			add("%s.number: %s is given twice", at, n.Number)
		}
		seen[n.Number] = true
		if needsID && strings.TrimSpace(n.NumberID) == "" {
			add("%s.numberId: this channel's requests need the provider's id of the number", at)
		}
		switch n.Destination.Type {
		case store.DestExtension:
			if !known[n.Destination.ID] {
				add("%s.destination: no extension %q (add it with PUT /api/v1/extensions/{number})", at, n.Destination.ID)
			}
		case store.DestQueue:
			if _, err := s.store.GetQueue(ctx, n.Destination.ID); errors.Is(err, store.ErrNotFound) {
				add("%s.destination: no queue %q", at, n.Destination.ID)
			} else if err != nil {
				return err
			}
		default:
			add("%s.destination.type %q: \"extension\" or \"queue\"", at, n.Destination.Type)
		}
		if len(n.AllowedExtensions) > 0 && !rules.AgentInitiated {
			add("%s.allowedExtensions: %s channels only answer customers; no extension can start sessions", at, b.tmpl.Source.Name)
		}
		for _, e := range n.AllowedExtensions {
			if !known[e] {
				add("%s.allowedExtensions: no extension %q", at, e)
			}
		}
	}
	if len(problems) > 0 {
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_channel", Message: "the channel has problems", Details: problems}
	}
	return s.numbersTaken(ctx, b, self)
}

// numbersTaken refuses numbers another channel has (409): the provider
// sends a number's messages to one webhook, and two channels answering
// it would split its conversations. self is the channel being changed.
func (s *Server) numbersTaken(ctx context.Context, b *channelBody, self string) error {
	list, err := s.store.ListChannels(ctx)
	if err != nil {
		return err
	}
	owner := map[string]*store.Channel{}
	for _, ch := range list {
		for _, n := range ch.Numbers {
			owner[n.Number] = ch
		}
	}
	var taken []string
	for _, n := range b.Numbers {
		if ch := owner[n.Number]; ch != nil && ch.ID != self {
			taken = append(taken, fmt.Sprintf("%s is on channel %s (%s)", n.Number, ch.Name, ch.ID))
		}
	}
	if len(taken) > 0 {
		return &apiError{Status: http.StatusConflict, Code: "number_taken", Message: "a number belongs to one channel: " + strings.Join(taken, "; "), Details: taken}
	}
	return nil
}

// usesNumberID reports whether the template sends the provider's id of the
// number (WhatsApp's phone number id), which then must be given.
func usesNumberID(t *engine.Template) bool {
	for _, id := range []string{templates.ScenarioSendMessage, templates.ScenarioVerifyChannel} {
		if sc := t.Source.Scenario(id); sc != nil {
			for _, r := range sc.Requests {
				body := ""
				if p := r.Body(); p != nil {
					body = p.Value
				}
				if strings.Contains(r.URLFormat+body, ".NumberId") {
					return true
				}
			}
		}
	}
	return false
}

func (b *channelBody) numbers() []store.ChannelNumber {
	out := make([]store.ChannelNumber, 0, len(b.Numbers))
	for _, n := range b.Numbers {
		allowed := n.AllowedExtensions
		if allowed == nil {
			allowed = []string{}
		}
		out = append(out, store.ChannelNumber{Number: n.Number, NumberID: strings.TrimSpace(n.NumberID), DestType: n.Destination.Type,
			DestID: n.Destination.ID, AllowedExtensions: allowed})
	}
	return out
}

func randomKey(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) error {
	var b channelBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		return err
	}
	if err := s.checkChannel(r.Context(), &b, ""); err != nil {
		return err
	}
	fields, secrets, err := s.splitFields(b.tmpl, b.Fields, nil)
	if err != nil {
		return err
	}
	settings, _ := json.Marshal(b.settings) // plain values always marshal
	now := s.now()
	id := newID("chn")
	in := &store.Integration{ID: id, TemplateID: b.TemplateID, Status: messaging.StatusUnverified, Fields: fields, Secrets: secrets,
		Settings: []byte("{}"), CreatedAt: now, UpdatedAt: now}
	ch := &store.Channel{ID: id, WebhookKey: randomKey(18), Name: strings.TrimSpace(b.Name), MessagesPerSecond: b.MessagesPerSecond,
		AutoCloseDays: b.AutoCloseDays, VerifyToken: randomKey(24), Settings: settings, Numbers: b.numbers(), CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateChannel(r.Context(), in, ch); err != nil {
		return err
	}
	return s.verifyAndShow(w, r, ch, http.StatusCreated)
}

// verifyAndShow checks the channel's connection now and answers with it.
func (s *Server) verifyAndShow(w http.ResponseWriter, r *http.Request, ch *store.Channel, status int) error {
	if _, _, err := s.msg.Verify(r.Context(), ch); err != nil {
		return err
	}
	v, err := s.viewChannel(r.Context(), ch)
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

func (s *Server) channelByID(ctx context.Context, id string) (*store.Channel, error) {
	ch, err := s.store.GetChannel(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("channel " + id)
	}
	return ch, err
}

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListChannels(r.Context())
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
	ch, err := s.channelByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.viewChannel(r.Context(), ch)
	if err != nil {
		return err
	}
	writeJSON(w, 200, v)
	return nil
}

// updateChannel replaces a channel's name, fields (secret ones left out
// keep theirs), rate, idle time, settings and numbers, then checks the
// connection again. The template stays.
func (s *Server) updateChannel(w http.ResponseWriter, r *http.Request) error {
	ch, err := s.channelByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	in, err := s.store.GetIntegration(r.Context(), ch.ID)
	if err != nil {
		return err
	}
	var b channelBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		return err
	}
	if b.TemplateID == "" {
		b.TemplateID = in.TemplateID
	}
	if b.TemplateID != in.TemplateID {
		return badRequest("templateId cannot change; create another channel for another provider")
	}
	if err := s.checkChannel(r.Context(), &b, ch.ID); err != nil {
		return err
	}
	fields, secrets, err := s.splitFields(b.tmpl, b.Fields, in.Secrets)
	if err != nil {
		return err
	}
	now := s.now()
	in.Fields, in.Secrets, in.UpdatedAt = fields, secrets, now
	if err := s.store.UpdateIntegration(r.Context(), in); err != nil {
		return err
	}
	settings, _ := json.Marshal(b.settings) // plain values always marshal
	ch.Name, ch.MessagesPerSecond, ch.AutoCloseDays, ch.Settings, ch.Numbers, ch.UpdatedAt =
		strings.TrimSpace(b.Name), b.MessagesPerSecond, b.AutoCloseDays, settings, b.numbers(), now
	if err := s.store.UpdateChannel(r.Context(), ch); err != nil {
		return err
	}
	return s.verifyAndShow(w, r, ch, http.StatusOK)
}

func (s *Server) verifyChannel(w http.ResponseWriter, r *http.Request) error {
	ch, err := s.channelByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.verifyAndShow(w, r, ch, http.StatusOK)
}

func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.store.DeleteChannel(r.Context(), id, s.now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("channel " + id)
		}
		return err
	}
	s.integ.Forget(id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// channelStats counts each number's messages in a period: sent in all
// (succeeded and failed), succeeded, failed, received.
func (s *Server) channelStats(w http.ResponseWriter, r *http.Request) error {
	ch, err := s.channelByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	from, to, err := period(r)
	if err != nil {
		return err
	}
	stats, err := s.store.NumberStats(r.Context(), ch.ID, from, to)
	if err != nil {
		return err
	}
	type numberStats struct {
		Number    string `json:"number"`
		Sent      int    `json:"sent"`
		Succeeded int    `json:"succeeded"`
		Failed    int    `json:"failed"`
		Received  int    `json:"received"`
	}
	by := map[string]numberStats{}
	for _, st := range stats {
		by[st.Number] = numberStats{st.Number, st.Sent, st.Succeeded, st.Failed, st.Received}
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
	writeJSON(w, 200, map[string]any{"channelId": ch.ID, "from": optTime(from), "to": optTime(to), "numbers": out})
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
	_, err := s.store.GetChannel(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// channelIDs are the ids of all channels, to keep them out of the
// integrations API.
func (s *Server) channelIDs(ctx context.Context) ([]string, error) {
	list, err := s.store.ListChannels(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(list))
	for _, ch := range list {
		ids = append(ids, ch.ID)
	}
	slices.Sort(ids)
	return ids, nil
}
