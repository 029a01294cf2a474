package messaging

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
)

// ChannelSpec is what an administrator gives for a channel: it is created
// with it, or changed to it.
type ChannelSpec struct {
	// TemplateID is the channel template; on an update "" keeps the
	// channel's, and another is refused.
	TemplateID string
	Name       string
	// Fields are the template's custom field values; a secret field left
	// out of an update keeps its value.
	Fields map[string]string
	// MessagesPerSecond is the sending rate; 0: the template's default.
	MessagesPerSecond int
	// AutoCloseDays closes sessions idle that many days; 0: never.
	AutoCloseDays int
	// Settings are ChannelSettings as JSON, unknown keys refused; empty or
	// null: the defaults.
	Settings json.RawMessage
	Numbers  []NumberSpec
}

// NumberSpec is one number of a channel and where its sessions go.
type NumberSpec struct {
	Number string // E.164
	// NumberID is the provider's id of the number, needed when the
	// template's requests send it (WhatsApp's phone number id).
	NumberID    string
	Destination Target
	// AllowedExtensions may start sessions from the number (channels
	// whose agents may start them: SMS).
	AllowedExtensions []string
}

// checkedSpec is a spec that passed the checks, with what they found.
type checkedSpec struct {
	tmpl     *engine.Template
	mps      int    // the rate, the template's default filled in
	settings []byte // ChannelSettings as stored
	numbers  []store.ChannelNumber
}

// Channel returns a channel.
func (s *Service) Channel(ctx context.Context, id string) (*store.Channel, error) {
	ch, err := s.store.GetChannel(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem(KindNotFound, "channel %s not found", id)
	}
	return ch, err
}

// Channels returns every channel.
func (s *Service) Channels(ctx context.Context) ([]*store.Channel, error) {
	return s.store.ListChannels(ctx)
}

// IsChannel reports whether an integration id is a channel's: a channel's
// integration is the channel's business, not the integrations API's.
func (s *Service) IsChannel(ctx context.Context, id string) (bool, error) {
	_, err := s.store.GetChannel(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ChannelIDs are the ids of all channels, sorted.
func (s *Service) ChannelIDs(ctx context.Context) ([]string, error) {
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

// ChannelInfo is what a channel's views show besides the channel itself.
type ChannelInfo struct {
	// Integration holds the channel's template id, status and field
	// values.
	Integration *store.Integration
	// Def is its template's definition (kind, rules); nil when the
	// template no longer compiles or defines a channel.
	Def *Definition
	// WebhookURL is the URL the provider is to call: the channel's
	// webhook, with the token when the template checks one in the URL.
	WebhookURL string
}

// ChannelInfo returns a channel's integration and its template's
// definition.
func (s *Service) ChannelInfo(ctx context.Context, ch *store.Channel) (ChannelInfo, error) {
	in, err := s.store.GetIntegration(ctx, ch.ID)
	if err != nil {
		return ChannelInfo{}, err
	}
	info := ChannelInfo{Integration: in, WebhookURL: s.WebhookURL(ch)}
	if d, err := s.definitionOf(ctx, in); err == nil {
		info.Def = d
		info.WebhookURL = s.channelWebhookURL(ch, d, in)
	}
	return info, nil
}

// CreateChannel checks a new channel against its template and the
// extensions and queues there are — a KindInvalid Problem listing every
// problem, then a KindNumberTaken one when another channel has one of its
// numbers — and the field values against the template (the integrations'
// error as it is), saves it with a new webhook key and verify token, and
// checks its connection (Verify).
func (s *Service) CreateChannel(ctx context.Context, spec ChannelSpec) (*store.Channel, error) {
	c, err := s.checkSpec(ctx, spec, "")
	if err != nil {
		return nil, err
	}
	fields, secrets, err := s.integ.SplitFields(c.tmpl, spec.Fields, nil)
	if err != nil {
		return nil, err
	}
	if err := s.checkTransportFields(c.tmpl, fields, secrets); err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	id := store.NewID("chn")
	in := &store.Integration{ID: id, TemplateID: spec.TemplateID, Status: StatusUnverified, Fields: fields, Secrets: secrets,
		Settings: []byte("{}"), CreatedAt: now, UpdatedAt: now}
	ch := &store.Channel{ID: id, WebhookKey: randomKey(18), Name: strings.TrimSpace(spec.Name), MessagesPerSecond: c.mps,
		AutoCloseDays: spec.AutoCloseDays, VerifyToken: randomKey(24), Settings: c.settings, Numbers: c.numbers, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateChannel(ctx, in, ch); err != nil {
		return nil, err
	}
	if _, _, err := s.Verify(ctx, ch); err != nil {
		return nil, err
	}
	return ch, nil
}

// UpdateChannel replaces a channel's name, fields (secret ones left out
// keep theirs), rate, idle time, settings and numbers, checked as
// CreateChannel checks them, then checks the connection again. The
// template stays.
func (s *Service) UpdateChannel(ctx context.Context, id string, spec ChannelSpec) (*store.Channel, error) {
	ch, err := s.Channel(ctx, id)
	if err != nil {
		return nil, err
	}
	in, err := s.store.GetIntegration(ctx, ch.ID)
	if err != nil {
		return nil, err
	}
	if spec.TemplateID == "" {
		spec.TemplateID = in.TemplateID
	}
	if spec.TemplateID != in.TemplateID {
		return nil, problem(KindInvalid, "templateId cannot change; create another channel for another provider")
	}
	c, err := s.checkSpec(ctx, spec, ch.ID)
	if err != nil {
		return nil, err
	}
	fields, secrets, err := s.integ.SplitFields(c.tmpl, spec.Fields, in.Secrets)
	if err != nil {
		return nil, err
	}
	if err := s.checkTransportFields(c.tmpl, fields, secrets); err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	in.Fields, in.Secrets, in.UpdatedAt = fields, secrets, now
	if err := s.store.UpdateIntegration(ctx, in); err != nil {
		return nil, err
	}
	ch.Name, ch.MessagesPerSecond, ch.AutoCloseDays, ch.Settings, ch.Numbers, ch.UpdatedAt =
		strings.TrimSpace(spec.Name), c.mps, spec.AutoCloseDays, c.settings, c.numbers, now
	if err := s.store.UpdateChannel(ctx, ch); err != nil {
		return nil, err
	}
	if _, _, err := s.Verify(ctx, ch); err != nil {
		return nil, err
	}
	return ch, nil
}

// DeleteChannel deletes a channel: its sessions are closed and stay in the
// history, its webhook is gone, and its integration forgotten.
func (s *Service) DeleteChannel(ctx context.Context, id string) error {
	if err := s.store.DeleteChannel(ctx, id, s.cfg.Now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return problem(KindNotFound, "channel %s not found", id)
		}
		return err
	}
	s.integ.Forget(id)
	return nil
}

// checkSpec checks a channel against its template and the extensions and
// queues there are (a KindInvalid Problem with every problem in Details),
// then that no other channel has its numbers (KindNumberTaken). self is
// the channel being changed, "" for a new one.
func (s *Service) checkSpec(ctx context.Context, spec ChannelSpec, self string) (*checkedSpec, error) {
	t, err := s.store.GetTemplate(ctx, spec.TemplateID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem(KindInvalid, "templateId %q: no such template", spec.TemplateID)
	}
	if err != nil {
		return nil, err
	}
	c := &checkedSpec{}
	if c.tmpl, err = s.integ.Compile(t); err != nil {
		return nil, err
	}
	if !c.tmpl.Source.IsChannel() {
		return nil, problem(KindInvalid, "template %s is a %s template; a channel needs a channel template (Provider sms or messaging)", t.Key, t.Provider)
	}
	def, err := s.definition(c.tmpl)
	if err != nil {
		return nil, err
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(spec.Name) == "" {
		add("name is required")
	}
	rules := def.Rules
	c.mps = spec.MessagesPerSecond
	if c.mps == 0 {
		c.mps = rules.MessagesPerSecond
	}
	if c.mps < 1 || c.mps > rules.MaxMessagesPerSecond {
		add("messagesPerSecond %d: this channel sends 1 to %d messages per second", c.mps, rules.MaxMessagesPerSecond)
	}
	if spec.AutoCloseDays < 0 {
		add("autoCloseDays %d: 0 (never) or more days", spec.AutoCloseDays)
	}
	var settings ChannelSettings
	if len(spec.Settings) > 0 && !bytes.Equal(bytes.TrimSpace(spec.Settings), []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(spec.Settings))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&settings); err != nil {
			add("settings: %v", err)
		}
	}
	c.settings, _ = json.Marshal(settings) // plain values always marshal
	if len(spec.Numbers) == 0 {
		add("numbers: a channel needs at least one number")
	}
	numberProblems, err := s.checkNumbers(ctx, spec.Numbers, def)
	if err != nil {
		return nil, err
	}
	if problems = append(problems, numberProblems...); len(problems) > 0 {
		return nil, &Problem{Kind: KindInvalid, Message: "the channel has problems", Details: problems}
	}
	if err := s.numbersTaken(ctx, spec.Numbers, self); err != nil {
		return nil, err
	}
	c.numbers = storedNumbers(spec.Numbers)
	return c, nil
}

// checkNumbers lists what is wrong with a channel's numbers: not E.164 or
// given twice, the provider's id missing where the template sends it,
// destinations and allowed extensions that do not exist, and extensions
// allowed to start sessions on a channel that only answers customers.
func (s *Service) checkNumbers(ctx context.Context, numbers []NumberSpec, def *Definition) ([]string, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	needsID := usesNumberID(def.Template)
	extensions, err := s.store.ListExtensions(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, e := range extensions {
		known[e.Number] = true
	}
	seen := map[string]bool{}
	for i, n := range numbers {
		at := fmt.Sprintf("numbers[%d]", i)
		if err := CheckE164(n.Number); err != nil {
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
				return nil, err
			}
		default:
			add("%s.destination.type %q: \"extension\" or \"queue\"", at, n.Destination.Type)
		}
		if len(n.AllowedExtensions) > 0 && !def.Rules.AgentInitiated {
			add("%s.allowedExtensions: %s channels only answer customers; no extension can start sessions", at, def.Template.Source.Name)
		}
		for _, e := range n.AllowedExtensions {
			if !known[e] {
				add("%s.allowedExtensions: no extension %q", at, e)
			}
		}
	}
	return problems, nil
}

// numbersTaken refuses numbers another channel has (KindNumberTaken): the
// provider sends a number's messages to one webhook, and two channels
// answering it would split its conversations. self is the channel being
// changed.
func (s *Service) numbersTaken(ctx context.Context, numbers []NumberSpec, self string) error {
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
	for _, n := range numbers {
		if ch := owner[n.Number]; ch != nil && ch.ID != self {
			taken = append(taken, fmt.Sprintf("%s is on channel %s (%s)", n.Number, ch.Name, ch.ID))
		}
	}
	if len(taken) > 0 {
		return &Problem{Kind: KindNumberTaken, Message: "a number belongs to one channel: " + strings.Join(taken, "; "), Details: taken}
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

// storedNumbers are a spec's numbers as the store keeps them.
func storedNumbers(numbers []NumberSpec) []store.ChannelNumber {
	out := make([]store.ChannelNumber, 0, len(numbers))
	for _, n := range numbers {
		allowed := n.AllowedExtensions
		if allowed == nil {
			allowed = []string{}
		}
		out = append(out, store.ChannelNumber{Number: n.Number, NumberID: strings.TrimSpace(n.NumberID), DestType: n.Destination.Type,
			DestID: n.Destination.ID, AllowedExtensions: allowed})
	}
	return out
}

// randomKey is n random bytes, URL-safe: webhook keys and verify tokens.
func randomKey(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
