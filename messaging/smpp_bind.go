package messaging

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard/switchboard/messaging/smpp"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// An SMPP channel's bind lives with its sender: the replica holding the
// channel's sender lease binds (one bound replica per channel), keeps the
// bind up — bound again after a growing wait when it drops or is refused —
// and unbinds when it stops sending for the channel. While the bind is
// down the sender sends nothing, so messages stay queued, none counted as
// failed, until it is back.

// maxBindWait caps the wait between two binds that failed.
const maxBindWait = time.Minute

// binder keeps one SMPP channel bound.
type binder struct {
	key    string // the fields' digest it binds with (smppSetup.key)
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	link   *smpp.Link // nil while not bound
	setup  *smppSetup
	status string // the channel's status as the last bind left it; "" before the first try
	reason string
}

// bound returns the live link and the setup it was bound with, or nil.
func (b *binder) bound() (*smpp.Link, *smppSetup) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.link == nil || b.link.Err() != nil {
		return nil, nil
	}
	return b.link, b.setup
}

func (b *binder) state() (status, reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status, b.reason
}

func (b *binder) set(l *smpp.Link, status, reason string) {
	b.mu.Lock()
	b.link, b.status, b.reason = l, status, reason
	b.mu.Unlock()
}

func (b *binder) stop() {
	b.cancel()
	<-b.done
}

// keepBound makes sure the channel's binder runs with its current fields,
// starting or replacing it, and returns it. The sender calls it at each
// look for messages; it owns the binder and stops it when it ends.
func (s *Service) keepBound(ctx context.Context, cur *binder, ch *store.Channel, res *resolved, sd *sender) (*binder, error) {
	// The sender asks at every look for messages: fields unchanged since
	// the binder was made are not read again (a CA pool, a JSON mapping).
	if cur != nil && cur.key == fieldsDigest(res.vars) {
		return cur, nil
	}
	setup, err := smppSetupOf(res.vars)
	if err != nil {
		if cur != nil {
			cur.stop()
		}
		s.setStatus(ctx, ch.ID, StatusRequestFailed, err.Error())
		return nil, err
	}
	if cur != nil {
		cur.stop() // the fields changed: unbind, and bind with the new ones
	}
	bctx, cancel := context.WithCancel(ctx)
	b := &binder{key: setup.key, cancel: cancel, done: make(chan struct{}), setup: setup}
	s.mu.Lock()
	s.binders[ch.ID] = b
	s.mu.Unlock()
	go func() {
		defer close(b.done)
		defer func() {
			s.mu.Lock()
			if s.binders[ch.ID] == b {
				delete(s.binders, ch.ID)
			}
			s.mu.Unlock()
		}()
		s.runBinder(bctx, b, ch.ID, setup, sd)
	}()
	return b, nil
}

// runBinder binds, waits for the bind to end, and binds again, until ctx
// ends; then it unbinds.
func (s *Service) runBinder(ctx context.Context, b *binder, channelID string, setup *smppSetup, sd *sender) {
	cfg := setup.cfg
	cfg.Receive = s.smppReceiver(channelID)
	cfg.Log = s.log
	wait := s.cfg.BindRetryWait
	for ctx.Err() == nil {
		l, err := smpp.Dial(ctx, cfg)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			status := StatusRequestFailed
			var be *smpp.BindError
			if errors.As(err, &be) {
				status = StatusUnauthorized
			}
			b.set(nil, status, err.Error())
			s.setStatus(ctx, channelID, status, err.Error())
			s.log.Warn("SMPP bind failed", slog.String("channel", channelID), slog.Duration("retryIn", wait), slog.Any("err", err))
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, maxBindWait)
			continue
		}
		wait = s.cfg.BindRetryWait
		b.set(l, StatusConnected, "")
		s.setStatus(ctx, channelID, StatusConnected, "")
		s.log.Info("SMPP bound", slog.String("channel", channelID), slog.String("smsc", cfg.Addr), slog.String("bind", string(cfg.Bind)))
		sd.wake() // messages queued while unbound go now
		select {
		case <-ctx.Done():
			l.Close()
			b.set(nil, "", "")
			return
		case <-l.Done():
		}
		reason := l.Err().Error()
		b.set(nil, StatusRequestFailed, reason)
		s.setStatus(ctx, channelID, StatusRequestFailed, reason)
		s.log.Warn("SMPP bind ended; binding again", slog.String("channel", channelID), slog.String("reason", reason))
	}
}

// binderOf is the channel's binder in this process, or nil.
func (s *Service) binderOf(channelID string) *binder {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.binders[channelID]
}

// verifySMPP is an SMPP channel's status: its binder's, when this process
// binds it with the current fields; else, when probe is set, a bind made
// for the check and let go at once (its Receive refuses what the SMSC
// sends it, so nothing is acknowledged that the channel's own bind would
// not keep); else "" (the binder on the lease holder keeps the status).
func (s *Service) verifySMPP(ctx context.Context, ch *store.Channel, res *resolved, probe bool) (status, reason string) {
	setup, err := smppSetupOf(res.vars)
	if err != nil {
		return StatusRequestFailed, err.Error()
	}
	if b := s.binderOf(ch.ID); b != nil && b.key == setup.key {
		if st, why := b.state(); st != "" {
			return st, why
		}
	}
	if !probe {
		return "", ""
	}
	cfg := setup.cfg
	cfg.Receive = func(context.Context, smpp.Incoming) error { return errors.New("a check's bind keeps nothing") }
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	l, err := smpp.Dial(pctx, cfg)
	if err != nil {
		var be *smpp.BindError
		if errors.As(err, &be) {
			return StatusUnauthorized, err.Error()
		}
		return StatusRequestFailed, err.Error()
	}
	l.Close()
	return StatusConnected, ""
}

// submitSMPP sends one message over the channel's bind. A message whose
// bind ended on the way (it may or may not have reached the SMSC) comes
// back with requeue set: it waits for the next bind, this attempt not
// counted. The parts of a long message that the SMSC took are remembered,
// so sending it again sends only the rest, joined to them by the same
// reference.
func (s *Service) submitSMPP(ctx context.Context, l *smpp.Link, setup *smppSetup, d *delivery, pace func(context.Context) error) (id string, fail *SendFailure, requeue bool) {
	m := d.m
	sent, _ := s.smppSent.Load(m.ID)
	done, _ := sent.([]string)
	out := smpp.Outgoing{From: scenarios.Digits(m.Number), To: scenarios.Digits(m.Customer), Text: m.Text,
		Ref: refOf(m.ID), Skip: len(done)}
	ids, err := l.Submit(ctx, out, pace)
	all := append(append([]string(nil), done...), ids...)
	if err == nil {
		s.smppSent.Delete(m.ID)
		s.smppParts.track(all)
		if len(all) == 0 {
			return "", &SendFailure{Kind: "permanent", Message: "the SMSC gave no message id"}, false
		}
		return all[0], nil, false
	}
	if len(all) > 0 {
		s.smppSent.Store(m.ID, all)
	}
	var se *smpp.SubmitError
	switch {
	case errors.As(err, &se):
		fail := s.smppFailure(d.res.def, setup, se)
		if !fail.Temporary() {
			s.smppSent.Delete(m.ID) // not sent again
		}
		return "", fail, false
	case errors.Is(err, smpp.ErrLinkDown), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), ctx.Err() != nil:
		// The bind ended, or the sender stopped (its pace gave up): the
		// parts not out yet wait for the next bind or sender.
		return "", nil, true
	default:
		s.smppSent.Delete(m.ID)
		return "", &SendFailure{Kind: "permanent", Message: err.Error()}, false
	}
}

// smppFailure says what a refused submit_sm means: by the channel's
// error_map, then the template's ErrorMap, then the protocol's own
// temporary statuses.
func (s *Service) smppFailure(def *Definition, setup *smppSetup, se *smpp.SubmitError) *SendFailure {
	code := se.Code()
	e, ok := setup.errors[code]
	if !ok {
		e, ok = def.Errors[code]
	}
	if !ok {
		kind := "permanent"
		switch code {
		case "8", "20", "88", "100", "254": // system error, queue full, throttled, try later, delivery failure
			kind = "temporary"
		}
		return &SendFailure{Kind: kind, Code: code, Message: se.Error()}
	}
	return &SendFailure{Kind: e.Kind, Code: code, Message: fmt.Sprintf("%s (command_status %s)", e.Message, code)}
}

// refOf is a message's concatenation reference: the same for every try.
func refOf(messageID string) byte {
	h := fnv.New32a()
	_, _ = h.Write([]byte(messageID))
	return byte(h.Sum32())
}

// smppReceiver takes the channel's deliver_sm: messages go the way a
// webhook's do (sessions, keywords, once per id), receipts become the
// message's status. An error has the SMSC deliver it again later.
func (s *Service) smppReceiver(channelID string) func(context.Context, smpp.Incoming) error {
	return func(ctx context.Context, in smpp.Incoming) error {
		ch, res, err := s.channel(ctx, channelID)
		if err != nil {
			return err
		}
		if r := in.Receipt; r != nil {
			return s.smppReceipt(ctx, ch, res, r)
		}
		// The SMSC's id when it gives one; else the PDU's place on its
		// bind, so a deliver_sm sent again on the same bind is kept once.
		id := fmt.Sprintf("smpp:%s:%d:%d", in.Source, in.Bound.UnixNano(), in.Seq)
		if in.ID != "" {
			id = "smpp:" + in.Source + ":" + in.ID
		}
		msg := Inbound{ProviderID: id, From: in.Source, To: in.Dest, Text: in.Text, MediaURLs: []string{}}
		if in.Total < 2 {
			return s.receive(ctx, ch, res, msg)
		}
		// A part of a long message: held until the others came (each
		// deliver_sm answered once the whole is stored), or kept with
		// those that did when the window passed.
		return s.parts.join(ctx, msg, part{key: fmt.Sprintf("smpp\x00%s\x00%s\x00%d/%d", ch.ID, in.Source, in.Ref, in.Total),
			n: int(in.Part), want: int(in.Total), window: smppPartsWindow, merge: mergeSMSParts,
			keep: func(ctx context.Context, whole Inbound) error { return s.receive(ctx, ch, res, whole) },
			held: func() { s.cfg.Count(ch.ID, "in", "held") }})
	}
}

// smppPartsWindow is how long the parts of a long incoming message wait
// for the rest: SMSCs commonly wait half a minute or more for a
// deliver_sm's answer before sending it again.
const smppPartsWindow = 20 * time.Second

// smppReceipt applies a delivery receipt. A long message has one per part
// (seed 004): it is delivered when every part is, failed when one failed.
func (s *Service) smppReceipt(ctx context.Context, ch *store.Channel, res *resolved, r *smpp.Receipt) error {
	status := res.def.status(r.Stat)
	first, final := s.smppParts.receipt(r.MessageID, status)
	if !final {
		return nil // more parts to hear of
	}
	rep := Report{ProviderID: first, Status: status, ProviderText: r.Stat}
	if status == "failed" && r.Err != "" && r.Err != "000" {
		rep.ErrorCode = r.Err
	}
	return s.report(ctx, ch, rep)
}

// partLedger remembers the parts of long messages sent by this process,
// to read their per-part receipts as the message's. A receipt for a part
// it does not know (sent before a restart) counts as the message's when
// it names the first part.
type partLedger struct {
	mu     sync.Mutex
	groups map[string]*partGroup // every part's id → its message's group
}

type partGroup struct {
	ids       []string
	delivered int
	at        time.Time
}

// maxTrackedParts bounds the ledger: receipts not come after two days
// are not waited for.
const maxTrackedParts = 100_000

func (p *partLedger) track(ids []string) {
	if len(ids) < 2 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.groups == nil {
		p.groups = map[string]*partGroup{}
	}
	if len(p.groups) > maxTrackedParts {
		for id, g := range p.groups {
			if time.Since(g.at) > 48*time.Hour {
				delete(p.groups, id)
			}
		}
	}
	g := &partGroup{ids: ids, at: time.Now()}
	for _, id := range ids {
		p.groups[id] = g
	}
}

// receipt counts a part's receipt; it returns the message's provider id
// (its first part's) and whether the message's status is now known.
func (p *partLedger) receipt(id, status string) (first string, final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.groups[id]
	if g == nil {
		return id, true
	}
	forget := func() {
		for _, pid := range g.ids {
			delete(p.groups, pid)
		}
	}
	switch status {
	case "failed":
		forget()
		return g.ids[0], true
	case "delivered", "read":
		g.delivered++
		delete(p.groups, id)
		if g.delivered < len(g.ids) {
			return "", false
		}
		forget()
		return g.ids[0], true
	default: // sent, en route: only the first part's says so
		return g.ids[0], id == g.ids[0]
	}
}
