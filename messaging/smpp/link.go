package smpp

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

// BindType is how a Link binds: one transceiver, a transmitter or a
// receiver alone, or a transmitter and a receiver as a pair (for SMSCs
// that take no transceiver).
type BindType string

// Bind types, as the channel's bind_type field names them.
const (
	Transceiver BindType = "transceiver"
	Transmitter BindType = "transmitter"
	Receiver    BindType = "receiver"
	Pair        BindType = "transmitter+receiver"
)

// BindTypes lists the bind types.
var BindTypes = []BindType{Transceiver, Transmitter, Receiver, Pair}

// Sends reports whether the bind type can submit messages.
func (b BindType) Sends() bool { return b != Receiver }

// Receives reports whether the bind type gets messages and receipts.
func (b BindType) Receives() bool { return b != Transmitter }

// Address is a TON and NPI: how the SMSC reads an address.
type Address struct{ TON, NPI byte }

// Config is what a Link binds with.
type Config struct {
	Addr       string      // host:port
	TLS        *tls.Config // nil: plain TCP
	SystemID   string
	Password   string
	SystemType string
	Bind       BindType
	Source     Address // of the channel's numbers
	Dest       Address // of customers' numbers
	Charsets   []Charset
	// EnquireLink is how often the bind is checked when nothing else
	// passes; 30 s when zero.
	EnquireLink time.Duration
	// Timeout bounds the dial and bind, and the wait for each answer;
	// 10 s when zero.
	Timeout time.Duration
	// Receive takes each deliver_sm: a message or a receipt. It is called
	// on the connection's reading goroutine, one at a time, and the PDU is
	// answered when it returns: with ESME_ROK, or ESME_RX_T_APPN (try
	// again later) when it returns an error, so what it could not keep
	// comes again.
	Receive func(context.Context, Incoming) error
	// Log hears of PDUs that cannot be read (answered ESME_RX_P_APPN, so
	// the SMSC does not send them again); nil: not told.
	Log *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.EnquireLink <= 0 {
		c.EnquireLink = 30 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Bind == "" {
		c.Bind = Transceiver
	}
	if len(c.Charsets) == 0 {
		c.Charsets, _ = ParseCharsets(DefaultCharsets)
	}
	return c
}

// Incoming is a deliver_sm: a message from a handset, or a delivery
// receipt.
type Incoming struct {
	Source, Dest string
	SourceTON    byte
	Text         string
	Receipt      *Receipt // set when it is a receipt
	// Seq is the PDU's sequence number; Bound is when its bind began.
	// Together they tell a PDU the SMSC sent again on the same bind
	// (its answer was late) from a new one.
	Seq   int32
	Bound time.Time
	// ID is the SMSC's id for the message when it gave one (the
	// receipted_message_id TLV on a message); "" when not.
	ID string
	// Ref, Total and Part are the concatenation UDH's, when the message
	// is one part of a longer one (Total > 1).
	Ref         uint16
	Total, Part byte
}

// BindError is a bind the SMSC refused (a wrong password, an unknown
// system id, too many binds).
type BindError struct{ Status data.CommandStatusType }

func (e *BindError) Error() string {
	return fmt.Sprintf("the SMSC refused the bind: %s", describeStatus(e.Status))
}

// SubmitError is a submit_sm the SMSC refused.
type SubmitError struct{ Status data.CommandStatusType }

func (e *SubmitError) Error() string {
	return fmt.Sprintf("the SMSC refused the message: %s", describeStatus(e.Status))
}

// Code is the command_status in decimal, as seed 004's error mapping
// keys it.
func (e *SubmitError) Code() string { return fmt.Sprint(uint32(e.Status)) }

func describeStatus(s data.CommandStatusType) string {
	return fmt.Sprintf("%s, command_status %d (%s)", s.String(), uint32(s), s.Desc())
}

// ErrLinkDown is a message that could not be submitted, or whose answer
// did not come, because the bind ended: it may or may not have reached
// the SMSC.
var ErrLinkDown = errors.New("the SMPP bind ended")

// Link is one bound connection to the SMSC (two for a Pair). It ends when
// a connection does; Done says when, Err why.
type Link struct {
	cfg   Config
	bound time.Time
	tx    *gosmpp.Session // the transceiver or transmitter: submits (nil for a receiver)
	rx    *gosmpp.Session // the receiver, alone or a Pair's
	ctx   context.Context // ends with the link: for Receive
	stop  context.CancelFunc

	mu      sync.Mutex
	waiting map[int32]chan answer

	done     chan struct{}
	doneOnce sync.Once
	err      error
}

type answer struct {
	resp pdu.PDU
	err  error
}

// Dial connects and binds as cfg says. A refused bind is a *BindError; an
// SMSC that cannot be reached, or that closes the connection instead of
// answering, another error.
func Dial(ctx context.Context, cfg Config) (*Link, error) {
	cfg = cfg.withDefaults()
	lctx, stop := context.WithCancel(context.Background())
	l := &Link{cfg: cfg, bound: time.Now(), ctx: lctx, stop: stop, waiting: map[int32]chan answer{}, done: make(chan struct{})}
	types := map[BindType][]pdu.BindingType{
		Transceiver: {pdu.Transceiver}, Transmitter: {pdu.Transmitter}, Receiver: {pdu.Receiver},
		Pair: {pdu.Transmitter, pdu.Receiver},
	}[cfg.Bind]
	if types == nil {
		stop()
		return nil, fmt.Errorf("bind type %q is not one of transceiver, transmitter, receiver, transmitter+receiver", cfg.Bind)
	}
	for _, bt := range types {
		s, err := l.bind(ctx, bt)
		if err != nil {
			l.Close()
			return nil, err
		}
		if bt == pdu.Receiver {
			l.rx = s
		} else {
			l.tx = s
		}
	}
	return l, nil
}

// sessionRef is a connection's session, known once gosmpp returns it:
// answers sent later (a part's, once its message is whole) go on it.
type sessionRef struct {
	ready chan struct{} // closed once s is set
	s     *gosmpp.Session
}

func (l *Link) bind(ctx context.Context, bt pdu.BindingType) (*gosmpp.Session, error) {
	ref := &sessionRef{ready: make(chan struct{})}
	settings := gosmpp.Settings{
		EnquireLink:  l.cfg.EnquireLink,
		ReadTimeout:  2*l.cfg.EnquireLink + l.cfg.Timeout,
		WriteTimeout: l.cfg.Timeout,
		OnAllPDU:     func(p pdu.PDU) (pdu.PDU, bool) { return l.onPDU(p, ref) },
		OnSubmitError: func(p pdu.PDU, err error) {
			l.answer(p.GetSequenceNumber(), answer{err: fmt.Errorf("%w: writing to the SMSC: %v", ErrLinkDown, err)})
		},
		OnClosed: func(st gosmpp.State) {
			l.end(fmt.Errorf("%w: %s", ErrLinkDown, closedReason(st)))
		},
	}
	c := &connector{ctx: ctx, cfg: l.cfg, bt: bt}
	sess, err := gosmpp.NewSession(c, settings, 0)
	if err == nil {
		ref.s = sess
		close(ref.ready)
	}
	return sess, err
}

func closedReason(st gosmpp.State) string {
	switch st {
	case gosmpp.ExplicitClosing:
		return "closed by Switchboard"
	case gosmpp.UnbindClosing:
		return "the SMSC unbound"
	case gosmpp.InvalidStreaming:
		return "the connection to the SMSC was lost or sent something unreadable"
	default:
		return "the connection to the SMSC failed"
	}
}

// Done is closed when the link has ended.
func (l *Link) Done() <-chan struct{} { return l.done }

// Err is why the link ended; nil while it is up.
func (l *Link) Err() error {
	select {
	case <-l.done:
		return l.err
	default:
		return nil
	}
}

// Bind is the link's bind type.
func (l *Link) Bind() BindType { return l.cfg.Bind }

// Close unbinds and closes the connections. Submits waiting for answers
// end with ErrLinkDown.
func (l *Link) Close() {
	l.end(fmt.Errorf("%w: closed by Switchboard", ErrLinkDown))
	for _, s := range []*gosmpp.Session{l.tx, l.rx} {
		if s != nil {
			_ = s.Close()
		}
	}
}

// end marks the link ended, once, and fails every submit waiting.
func (l *Link) end(err error) {
	l.doneOnce.Do(func() {
		l.mu.Lock()
		l.err = err
		waiting := l.waiting
		l.waiting = map[int32]chan answer{}
		l.mu.Unlock()
		for _, ch := range waiting {
			ch <- answer{err: err}
		}
		l.stop()
		close(l.done)
		// One connection of a Pair gone is the link gone: the other
		// closes too, so the caller binds both again.
		go func() {
			for _, s := range []*gosmpp.Session{l.tx, l.rx} {
				if s != nil {
					_ = s.Close()
				}
			}
		}()
	})
}

func (l *Link) answer(seq int32, a answer) {
	l.mu.Lock()
	ch := l.waiting[seq]
	delete(l.waiting, seq)
	l.mu.Unlock()
	if ch != nil {
		ch <- a
	}
}

// onPDU takes every PDU the SMSC sends, on the connection's reading
// goroutine, and returns its answer (nil: none).
func (l *Link) onPDU(p pdu.PDU, ref *sessionRef) (pdu.PDU, bool) {
	switch p := p.(type) {
	case *pdu.SubmitSMResp:
		l.answer(p.GetSequenceNumber(), answer{resp: p})
		return nil, false
	case *pdu.GenericNack:
		l.answer(p.GetSequenceNumber(), answer{resp: p})
		return nil, false
	case *pdu.DeliverSM:
		return l.deliver(p, ref), false
	case *pdu.EnquireLink:
		return p.GetResponse(), false
	case *pdu.Unbind:
		return p.GetResponse(), true
	case *pdu.UnbindResp:
		return nil, true
	case *pdu.EnquireLinkResp, *pdu.DeliverSMResp:
		return nil, false
	}
	if p.CanResponse() {
		nack := pdu.NewGenericNack().(*pdu.GenericNack)
		nack.SequenceNumber, nack.CommandStatus = p.GetSequenceNumber(), data.ESME_RINVCMDID
		return nack, false
	}
	return nil, false
}

// deliver reads a deliver_sm and hands it to Receive; its answer says
// whether Receive kept it. A part of a longer message is answered later,
// on its own goroutine, so the connection goes on reading the other parts
// while Receive holds it until its message is whole.
func (l *Link) deliver(p *pdu.DeliverSM, ref *sessionRef) pdu.PDU {
	resp := pdu.NewDeliverSMRespFromReq(p).(*pdu.DeliverSMResp)
	in, err := l.incoming(p)
	if err != nil {
		if l.cfg.Log != nil {
			l.cfg.Log.Warn("an unreadable deliver_sm was refused", slog.String("smsc", l.cfg.Addr), slog.Any("err", err))
		}
		resp.CommandStatus = data.ESME_RX_P_APPN
		return resp
	}
	if in.Total > 1 {
		go func() {
			l.receive(in, resp)
			select {
			case <-ref.ready:
				_ = ref.s.Transceiver().Submit(resp) // a connection gone: the SMSC sends the part again
			case <-l.done:
			}
		}()
		return nil
	}
	l.receive(in, resp)
	return resp
}

// receive hands a message to Receive and says in resp how that went.
func (l *Link) receive(in Incoming, resp *pdu.DeliverSMResp) {
	if l.cfg.Receive == nil {
		return
	}
	if err := l.cfg.Receive(l.ctx, in); err != nil {
		resp.CommandStatus = data.ESME_RX_T_APPN
	}
}

func (l *Link) incoming(p *pdu.DeliverSM) (Incoming, error) {
	in := Incoming{Source: p.SourceAddr.Address(), Dest: p.DestAddr.Address(), SourceTON: p.SourceAddr.Ton(),
		Seq: p.GetSequenceNumber(), Bound: l.bound}
	raw, _ := p.Message.GetMessageData()
	if payload, ok := p.OptionalParameters[pdu.TagMessagePayload]; ok && len(raw) == 0 {
		raw = payload.Data
	}
	coding := byte(0)
	if enc := p.Message.Encoding(); enc != nil {
		coding = enc.DataCoding()
	}
	text, err := Decode(coding, raw)
	if err != nil {
		return in, fmt.Errorf("decoding a deliver_sm (data_coding %d): %w", coding, err)
	}
	in.Text = text
	if total, part, ref, ok := p.Message.UDH().GetConcatInfo(); ok && total > 1 {
		in.Total, in.Part, in.Ref = total, part, uint16(ref)
	}
	id := ""
	if f, ok := p.OptionalParameters[pdu.TagReceiptedMessageID]; ok {
		id = f.String()
	}
	if p.EsmClass&0x3c == 0x04 || p.EsmClass&0x3c == 0x08 { // SMSC or SME delivery receipt
		r, _ := ParseReceipt(text)
		if id != "" {
			r.MessageID = id
		}
		if f, ok := p.OptionalParameters[pdu.TagMessageStateOption]; ok && len(f.Data) == 1 && messageStates[f.Data[0]] != "" {
			r.Stat = messageStates[f.Data[0]]
		}
		if r.MessageID == "" {
			return in, fmt.Errorf("a delivery receipt without a message id: %q", text)
		}
		in.Receipt = &r
		return in, nil
	}
	in.ID = id
	return in, nil
}

// Outgoing is one message to submit.
type Outgoing struct {
	From, To string // addresses as the SMSC wants them (digits)
	Text     string
	// Ref is the concatenation reference of a long message's parts: the
	// same for every try of the message, so that parts sent again join
	// the ones that went before.
	Ref byte
	// Skip is how many parts already went out (an earlier try got their
	// ids); those are not sent again.
	Skip int
}

// Parts says how many short messages a text takes with the link's
// charsets.
func (l *Link) Parts(text string) (int, error) {
	enc, err := Encode(text, l.cfg.Charsets)
	return len(enc.Parts), err
}

// Submit sends a message, split into parts when it must be, each after
// pace allows it, and returns the SMSC's id of each part it accepted (the
// skipped ones not included). It stops at the first part refused (a
// *SubmitError) or not answered (ErrLinkDown, or the context's error).
func (l *Link) Submit(ctx context.Context, m Outgoing, pace func(context.Context) error) ([]string, error) {
	if l.tx == nil {
		return nil, fmt.Errorf("a %s bind cannot send messages", l.cfg.Bind)
	}
	enc, err := Encode(m.Text, l.cfg.Charsets)
	if err != nil {
		return nil, err
	}
	var ids []string
	for i := m.Skip; i < len(enc.Parts); i++ {
		if pace != nil {
			if err := pace(ctx); err != nil {
				return ids, err
			}
		}
		id, err := l.submitPart(ctx, m, enc, i)
		if err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (l *Link) submitPart(ctx context.Context, m Outgoing, enc Encoded, i int) (string, error) {
	p := pdu.NewSubmitSM().(*pdu.SubmitSM)
	p.SourceAddr = address(m.From, l.cfg.Source)
	p.DestAddr = address(m.To, l.cfg.Dest)
	p.RegisteredDelivery = 1 // a receipt for the final outcome
	if err := p.Message.SetMessageDataWithEncoding(enc.Parts[i], enc.Charset.enc); err != nil {
		return "", err
	}
	if len(enc.Parts) > 1 {
		p.EsmClass |= data.SM_UDH_GSM
		p.Message.SetUDH(pdu.UDH{pdu.NewIEConcatMessage(byte(len(enc.Parts)), byte(i+1), m.Ref)})
	}
	seq := p.GetSequenceNumber()
	ch := make(chan answer, 1)
	l.mu.Lock()
	if l.Err() != nil {
		l.mu.Unlock()
		return "", l.Err()
	}
	l.waiting[seq] = ch
	l.mu.Unlock()
	if err := l.tx.Transceiver().Submit(p); err != nil {
		l.answer(seq, answer{})
		return "", fmt.Errorf("%w: %v", ErrLinkDown, err)
	}
	timer := time.NewTimer(l.cfg.Timeout)
	defer timer.Stop()
	var a answer
	select {
	case a = <-ch:
	case <-ctx.Done():
		l.answer(seq, answer{})
		return "", context.Cause(ctx)
	case <-timer.C:
		// An SMSC that stops answering is as good as gone: the link
		// ends, so the message waits for a new bind instead of being
		// counted a failure.
		l.end(fmt.Errorf("%w: the SMSC did not answer a submit_sm within %s", ErrLinkDown, l.cfg.Timeout))
		return "", l.Err()
	}
	if a.err != nil {
		return "", a.err
	}
	h := a.resp.GetHeader()
	if h.CommandStatus != data.ESME_ROK {
		return "", &SubmitError{Status: h.CommandStatus}
	}
	resp, ok := a.resp.(*pdu.SubmitSMResp)
	if !ok {
		return "", &SubmitError{Status: data.ESME_RSYSERR}
	}
	return resp.MessageID, nil
}

func address(addr string, a Address) pdu.Address {
	out := pdu.NewAddress()
	out.SetTon(a.TON)
	out.SetNpi(a.NPI)
	_ = out.SetAddress(addr) // longer than 20 characters: the SMSC refuses it, with its reason
	return out
}

// connector dials and binds one connection. It reads the bind's answer
// itself: an SMSC may answer a refused bind with the header alone (SMPP
// 3.4 allows it, and the npm smpp server does), which gosmpp v0.3.1 reads
// as the end of the stream and so could not tell from a lost connection.
type connector struct {
	ctx context.Context
	cfg Config
	bt  pdu.BindingType
}

func (c *connector) GetBindType() pdu.BindingType { return c.bt }

func (c *connector) Connect() (*gosmpp.Connection, error) {
	d := &net.Dialer{Timeout: c.cfg.Timeout}
	var conn net.Conn
	var err error
	if c.cfg.TLS != nil {
		conn, err = (&tls.Dialer{NetDialer: d, Config: c.cfg.TLS}).DialContext(c.ctx, "tcp", c.cfg.Addr)
	} else {
		conn, err = d.DialContext(c.ctx, "tcp", c.cfg.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("connecting to the SMSC at %s: %w", c.cfg.Addr, err)
	}
	if err := c.bind(conn); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return gosmpp.NewConnection(conn), nil
}

func (c *connector) bind(conn net.Conn) error {
	_ = conn.SetDeadline(time.Now().Add(c.cfg.Timeout))
	defer conn.SetDeadline(time.Time{})
	req := pdu.NewBindRequest(c.bt)
	req.SystemID, req.Password, req.SystemType = c.cfg.SystemID, c.cfg.Password, c.cfg.SystemType
	buf := pdu.NewBuffer(make([]byte, 0, 64))
	req.Marshal(buf)
	if _, err := conn.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("binding to the SMSC at %s: %w", c.cfg.Addr, err)
	}
	for {
		raw, err := readPDU(conn)
		if err != nil {
			return fmt.Errorf("the SMSC at %s closed the connection instead of answering the bind: %w", c.cfg.Addr, err)
		}
		id, status := binary.BigEndian.Uint32(raw[4:8]), data.CommandStatusType(binary.BigEndian.Uint32(raw[8:12]))
		if id&0x80000000 == 0 || data.CommandIDType(id&^0x80000000) != data.CommandIDType(req.CommandID) {
			continue // not the bind's answer (an SMSC's enquire_link, say)
		}
		if status != data.ESME_ROK {
			return &BindError{Status: status}
		}
		return nil
	}
}

// readPDU reads one PDU's octets, header included.
func readPDU(r io.Reader) ([]byte, error) {
	var head [16]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[:4])
	if n < 16 || n > 64<<10 {
		return nil, fmt.Errorf("a PDU of %d octets", n)
	}
	raw := make([]byte, n)
	copy(raw, head[:])
	if _, err := io.ReadFull(r, raw[16:]); err != nil {
		return nil, err
	}
	return raw, nil
}
