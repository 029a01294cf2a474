package testpeers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// smscWait bounds every wait on the SMSC, so a client that never answers
// fails its test instead of hanging it.
const smscWait = 30 * time.Second

// SMSCConfig configures a test SMSC.
type SMSCConfig struct {
	// TLS serves SMPP over TLS with a fresh self-signed certificate for
	// 127.0.0.1 (see SMSC.CertPEM).
	TLS bool
	// Accounts maps system_id to password; nil means {"test": "secret"}.
	Accounts map[string]string
}

// SMSC is a running SMSC: node-smpp (npm "smpp") in server mode, so tests
// of Switchboard's SMPP client hold it to a peer it was not written
// against. It records every PDU a client sends.
type SMSC struct {
	Addr    string // "127.0.0.1:PORT"
	Host    string // "127.0.0.1"
	Port    int
	CertPEM []byte // the self-signed certificate when TLS, for the client's RootCAs; nil otherwise

	in      io.Writer
	writeMu sync.Mutex // one request line at a time on the script's stdin
	ready   chan int   // the port, once listening

	mu       sync.Mutex
	received []SMSCPDU
	bound    map[int]string // session → its bind command, while bound
	changed  chan struct{}  // closed and replaced when received or bound change
	nextID   int
	replies  map[int]chan smscReply
}

// SMSCPDU is one PDU the SMSC received from a client, as recorded by the
// node script.
type SMSCPDU struct {
	Session        int    `json:"session"` // the SMSC's number for the TCP session (1, 2, …)
	Command        string `json:"command"` // node-smpp's name: "bind_transceiver", "submit_sm", "enquire_link", "unbind", "deliver_sm_resp", "generic_nack", "unknown"…
	CommandID      int    `json:"command_id"`
	SequenceNumber int    `json:"sequence_number"`
	CommandStatus  int    `json:"command_status"` // for responses (deliver_sm_resp)

	SystemID   string `json:"system_id"` // binds
	Password   string `json:"password"`
	SystemType string `json:"system_type"`
	BindStatus int    `json:"bind_status"` // what the SMSC answered a bind: 0, or 0x0E for a wrong password or unknown system_id

	ServiceType        string `json:"service_type"`
	SourceAddrTON      int    `json:"source_addr_ton"`
	SourceAddrNPI      int    `json:"source_addr_npi"`
	SourceAddr         string `json:"source_addr"`
	DestAddrTON        int    `json:"dest_addr_ton"`
	DestAddrNPI        int    `json:"dest_addr_npi"`
	DestinationAddr    string `json:"destination_addr"`
	EsmClass           int    `json:"esm_class"`
	RegisteredDelivery int    `json:"registered_delivery"`
	DataCoding         int    `json:"data_coding"`
	ShortMessage       []byte `json:"-"` // the raw octets as received
	UDH                []byte `json:"-"` // when esm_class & 0x40: the user data header with its length octet
	// Text is short_message without its UDH, decoded by node-smpp's
	// decoders for data_coding 0 (GSM 03.38), 3 (Latin-1) and 8 (UCS2),
	// as ASCII for 1, and "" for any other data_coding.
	Text string `json:"text"`

	MessageID    string `json:"message_id"`    // for submit_sm: the message_id answered ("m1", "m2", …), "" when refused
	AnswerStatus int    `json:"answer_status"` // for submit_sm: the command_status answered
}

// smscLine is one line the script prints.
type smscLine struct {
	Ready *struct {
		Port int `json:"port"`
	} `json:"ready"`
	PDU *struct {
		SMSCPDU
		ShortMessage string `json:"short_message"` // hex
		UDH          string `json:"udh"`           // hex
	} `json:"pdu"`
	Unbound int        `json:"unbound"` // a session that is no longer bound
	Reply   *smscReply `json:"reply"`
}

// smscReply answers one request line, by its id.
type smscReply struct {
	ID     int    `json:"id"`
	Status int    `json:"status"`
	Error  string `json:"error"`
}

// StartSMSC starts an SMSC on a free 127.0.0.1 port for the test's life.
func StartSMSC(tb testing.TB, cfg SMSCConfig) *SMSC {
	tb.Helper()
	requireInstalled(tb, "smpp")
	accounts := cfg.Accounts
	if accounts == nil {
		accounts = map[string]string{"test": "secret"}
	}
	s := &SMSC{
		Host:    "127.0.0.1",
		ready:   make(chan int, 1),
		bound:   map[int]string{},
		changed: make(chan struct{}),
		replies: map[int]chan smscReply{},
	}
	conf := map[string]any{"accounts": accounts}
	if cfg.TLS {
		var keyFile, certFile string
		s.CertPEM, keyFile, certFile = writeSelfSignedCert(tb)
		conf["key"], conf["cert"] = keyFile, certFile
	}
	arg, err := json.Marshal(conf)
	if err != nil {
		tb.Fatal(err)
	}
	s.in = startNode(tb, []string{"smsc.cjs", string(arg)}, nil, s.onLine)
	select {
	case s.Port = <-s.ready:
	case <-time.After(smscWait):
		tb.Fatal("the SMSC did not start within 30s")
	}
	s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	return s
}

// writeSelfSignedCert makes a certificate for 127.0.0.1 that signs itself,
// so a client trusts exactly this SMSC by putting it in its RootCAs.
func writeSelfSignedCert(tb testing.TB) (certPEM []byte, keyFile, certFile string) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	dir := tb.TempDir()
	keyFile, certFile = filepath.Join(dir, "smsc-key.pem"), filepath.Join(dir, "smsc-cert.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	return certPEM, keyFile, certFile
}

// onLine takes the script's lines, in order, so a reply is seen after
// every PDU the script recorded before it.
func (s *SMSC) onLine(raw []byte) {
	var line smscLine
	if err := json.Unmarshal(raw, &line); err != nil {
		fmt.Fprintf(os.Stderr, "testpeers: the SMSC printed %q: %v\n", raw, err)
		return
	}
	switch {
	case line.Ready != nil:
		s.ready <- line.Ready.Port
	case line.PDU != nil:
		p := line.PDU.SMSCPDU
		p.ShortMessage, _ = hex.DecodeString(line.PDU.ShortMessage)
		p.UDH, _ = hex.DecodeString(line.PDU.UDH)
		if len(p.ShortMessage) == 0 {
			p.ShortMessage = nil
		}
		if len(p.UDH) == 0 {
			p.UDH = nil
		}
		s.update(func() {
			s.received = append(s.received, p)
			if strings.HasPrefix(p.Command, "bind_") && p.BindStatus == 0 {
				s.bound[p.Session] = p.Command
			}
		})
	case line.Unbound != 0:
		s.update(func() { delete(s.bound, line.Unbound) })
	case line.Reply != nil:
		s.mu.Lock()
		ch := s.replies[line.Reply.ID]
		delete(s.replies, line.Reply.ID)
		s.mu.Unlock()
		if ch != nil {
			ch <- *line.Reply
		}
	}
}

// update changes the record and wakes every waiter.
func (s *SMSC) update(change func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change()
	close(s.changed)
	s.changed = make(chan struct{})
}

// await waits until done, which runs under s.mu, holds; it is asked again
// each time the record changes.
func (s *SMSC) await(tb testing.TB, what string, done func() bool) {
	tb.Helper()
	deadline := time.NewTimer(smscWait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok, changed := done(), s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			tb.Fatalf("SMSC: no %s within 30s; received: %s", what, s.commands())
		}
	}
}

// commands lists what was received, for failure messages.
func (s *SMSC) commands() string {
	var out []string
	for _, p := range s.Received() {
		out = append(out, fmt.Sprintf("%d:%s(0x%x)", p.Session, p.Command, p.CommandStatus))
	}
	return "[" + strings.Join(out, " ") + "]"
}

// Received returns every PDU received so far, in order.
func (s *SMSC) Received() []SMSCPDU {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMSCPDU(nil), s.received...)
}

// WaitFor waits until at least n PDUs with the given command have been
// received and returns all of them so far.
func (s *SMSC) WaitFor(tb testing.TB, command string, n int) []SMSCPDU {
	tb.Helper()
	var got []SMSCPDU
	s.await(tb, fmt.Sprintf("%d %s", n, command), func() bool {
		got = got[:0]
		for _, p := range s.received {
			if p.Command == command {
				got = append(got, p)
			}
		}
		return len(got) >= n
	})
	return got
}

// WaitBound waits until a session bound with the given bind command
// ("bind_transceiver", "bind_transmitter", "bind_receiver") is bound and
// returns its number, the newest if there are several.
func (s *SMSC) WaitBound(tb testing.TB, bind string) int {
	tb.Helper()
	session := 0
	s.await(tb, "session bound with "+bind, func() bool {
		for n, b := range s.bound {
			if b == bind && n > session {
				session = n
			}
		}
		return session != 0
	})
	return session
}

// WaitSessions waits until exactly n sessions are bound.
func (s *SMSC) WaitSessions(tb testing.TB, n int) {
	tb.Helper()
	s.await(tb, fmt.Sprintf("%d bound sessions", n), func() bool { return len(s.bound) == n })
}

// Sessions returns how many sessions are bound now.
func (s *SMSC) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bound)
}

// request sends one request line and returns its reply's status; the
// script's error for it fails the test.
func (s *SMSC) request(tb testing.TB, op string, args map[string]any) int {
	tb.Helper()
	return s.wait(tb, op, s.send(tb, op, args))
}

// send sends one request line; wait waits for its reply.
func (s *SMSC) send(tb testing.TB, op string, args map[string]any) chan smscReply {
	tb.Helper()
	ch := make(chan smscReply, 1)
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	s.replies[id] = ch
	s.mu.Unlock()

	req := map[string]any{"id": id, "op": op}
	for k, v := range args {
		req[k] = v
	}
	line, err := json.Marshal(req)
	if err != nil {
		tb.Fatal(err)
	}
	s.writeMu.Lock()
	_, err = s.in.Write(append(line, '\n'))
	s.writeMu.Unlock()
	if err != nil {
		tb.Fatalf("SMSC %s: %v", op, err)
	}
	return ch
}

func (s *SMSC) wait(tb testing.TB, op string, ch chan smscReply) int {
	tb.Helper()
	select {
	case r := <-ch:
		if r.Error != "" {
			tb.Fatalf("SMSC %s: %s", op, r.Error)
		}
		return r.Status
	case <-time.After(smscWait):
		tb.Fatalf("SMSC %s: no answer within 30s; received: %s", op, s.commands())
		return 0
	}
}

// FailSubmits makes the next n submit_sm be answered with command_status
// status (e.g. 0x58 ESME_RTHROTTLED, 0x0B ESME_RINVDSTADR) and no
// message_id.
func (s *SMSC) FailSubmits(tb testing.TB, status, n int) {
	tb.Helper()
	s.request(tb, "fail", map[string]any{"status": status, "n": n})
}

// MO is a deliver_sm the SMSC sends to a bound receiver or transceiver.
type MO struct {
	Source, Destination                    string
	SourceTON, SourceNPI, DestTON, DestNPI int
	// Text is encoded by node-smpp according to Charset.
	Text string
	// Charset is "GSM7" (node-smpp's GSM 03.38 encoder, sent as
	// data_coding 0; "" means GSM7), "LATIN1" (data_coding 3) or "UCS2"
	// (data_coding 8).
	Charset            string
	EsmClass           int    // 0 for a message, 4 for a delivery receipt
	ReceiptedMessageID string // TLV receipted_message_id, when not ""
	MessageState       int    // TLV message_state, when not 0
	UDH                []byte // prepended to the encoded text, with esm_class |= 0x40
}

// Deliver sends mo on the newest bound receiver or transceiver session,
// waits for the client's deliver_sm_resp and returns its command_status.
func (s *SMSC) Deliver(tb testing.TB, mo MO) int {
	tb.Helper()
	return s.request(tb, "deliver", deliverArgs(mo))
}

func deliverArgs(mo MO) map[string]any {
	charset := mo.Charset
	if charset == "" {
		charset = "GSM7"
	}
	return map[string]any{
		"source": mo.Source, "source_ton": mo.SourceTON, "source_npi": mo.SourceNPI,
		"destination": mo.Destination, "dest_ton": mo.DestTON, "dest_npi": mo.DestNPI,
		"text": mo.Text, "charset": charset, "esm_class": mo.EsmClass,
		"receipted_message_id": mo.ReceiptedMessageID, "message_state": mo.MessageState,
		"udh": hex.EncodeToString(mo.UDH),
	}
}

// DeliverAll sends every mo, in order, without waiting for the answer of
// one before sending the next (as an SMSC with a window does), then waits
// for every deliver_sm_resp and returns their command_status in order.
func (s *SMSC) DeliverAll(tb testing.TB, mos ...MO) []int {
	tb.Helper()
	waits := make([]chan smscReply, len(mos))
	for i, mo := range mos {
		waits[i] = s.send(tb, "deliver", deliverArgs(mo))
	}
	out := make([]int, len(mos))
	for i, ch := range waits {
		out[i] = s.wait(tb, "deliver", ch)
	}
	return out
}

// messageStates are SMPP 3.4's message_state values by receipt stat.
var messageStates = map[string]int{
	"ENROUTE": 1, "DELIVRD": 2, "EXPIRED": 3, "DELETED": 4,
	"UNDELIV": 5, "ACCEPTD": 6, "UNKNOWN": 7, "REJECTD": 8,
}

// Receipt sends a delivery receipt for messageID with the given stat
// ("DELIVRD", "UNDELIV"…) in the customary text form and as the TLVs
// receipted_message_id and message_state. source is the original
// message's destination and destination its source. It returns the
// command_status of the client's deliver_sm_resp.
func (s *SMSC) Receipt(tb testing.TB, messageID, stat, source, destination string) int {
	tb.Helper()
	state, ok := messageStates[stat]
	if !ok {
		tb.Fatalf("SMSC: unknown receipt stat %q", stat)
	}
	return s.Deliver(tb, MO{
		Source:      source,
		Destination: destination,
		Text: fmt.Sprintf("id:%s sub:001 dlvrd:001 submit date:2611251200 done date:2611251201 stat:%s err:000 text:",
			messageID, stat),
		Charset:            "GSM7",
		EsmClass:           4,
		ReceiptedMessageID: messageID,
		MessageState:       state,
	})
}

// Stop makes the SMSC go away as a crash would: every session's socket is
// destroyed without unbind and the port is closed, so reconnects are
// refused. It returns once all are closed.
func (s *SMSC) Stop(tb testing.TB) {
	tb.Helper()
	s.request(tb, "stop", nil)
}

// Restart listens again on the same port with the same certificate,
// accounts and message id counter.
func (s *SMSC) Restart(tb testing.TB) {
	tb.Helper()
	s.request(tb, "restart", nil)
}

// Await waits until done holds over what was received so far and the
// sessions bound now (session → bind command); done is asked again each
// time either changes, and must not keep them.
func (s *SMSC) Await(tb testing.TB, what string, done func(received []SMSCPDU, bound map[int]string) bool) {
	tb.Helper()
	s.await(tb, what, func() bool { return done(s.received, s.bound) })
}
