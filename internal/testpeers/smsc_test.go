package testpeers

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// esme is a small gosmpp client: what Switchboard's SMPP client is built
// on, used here only to prove the SMSC speaks SMPP to it.
type esme struct {
	session *gosmpp.Session
	pdus    chan pdu.PDU       // every PDU gosmpp hands over (deliver_sm, submit_sm_resp…)
	closed  chan gosmpp.State  // each time gosmpp loses the bind
	rebound chan struct{}      // each time gosmpp binds again
	failed  chan error         // each failed rebind attempt
	connect func() (err error) // one bind attempt outside the session
}

// plainDialer dials SMPP over TCP.
func plainDialer(addr string) (net.Conn, error) { return net.Dial("tcp", addr) }

// tlsDialer dials SMPP over TLS, trusting only the SMSC's certificate.
func tlsDialer(t *testing.T, smsc *SMSC) gosmpp.Dialer {
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(smsc.CertPEM))
	return func(addr string) (net.Conn, error) {
		return tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	}
}

// bindTRX binds a transceiver that rebinds every 50ms after losing the
// SMSC, and closes it when the test ends.
func bindTRX(t *testing.T, smsc *SMSC, dial gosmpp.Dialer, password string) (*esme, error) {
	e := &esme{
		pdus:    make(chan pdu.PDU, 100),
		closed:  make(chan gosmpp.State, 10),
		rebound: make(chan struct{}, 10),
		failed:  make(chan error, 1000),
	}
	auth := gosmpp.Auth{SMSC: smsc.Addr, SystemID: "test", Password: password, SystemType: "sb"}
	connector := gosmpp.TRXConnector(dial, auth)
	e.connect = func() error {
		conn, err := connector.Connect()
		if err == nil {
			conn.Close()
		}
		return err
	}
	session, err := gosmpp.NewSession(connector, gosmpp.Settings{
		// Short, so the test sees enquire_link; the read timeout is what
		// gosmpp needs above it.
		EnquireLink: 100 * time.Millisecond,
		ReadTimeout: 10 * time.Second,
		OnPDU:       func(p pdu.PDU, _ bool) { e.pdus <- p },
		OnClosed:    func(s gosmpp.State) { e.closed <- s },
		OnRebind:    func() { e.rebound <- struct{}{} },
		OnRebindingError: func(err error) {
			select {
			case e.failed <- err:
			default:
			}
		},
	}, 50*time.Millisecond)
	if err != nil {
		return nil, err
	}
	e.session = session
	t.Cleanup(func() { _ = session.Close() })
	return e, nil
}

// next waits for the next PDU of type T the client receives, skipping
// others (enquire_link_resp is not handed over, but submit_sm_resp is).
func next[T pdu.PDU](t *testing.T, e *esme) T {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case p := <-e.pdus:
			if v, ok := p.(T); ok {
				return v
			}
		case <-deadline:
			var zero T
			t.Fatalf("the client received no %T within 10s", zero)
			return zero
		}
	}
}

func submit(t *testing.T, e *esme, from, to, text string, enc data.Encoding) *pdu.SubmitSM {
	t.Helper()
	sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
	var err error
	sm.SourceAddr, err = pdu.NewAddressWithTonNpiAddr(5, 0, from)
	require.NoError(t, err)
	sm.DestAddr, err = pdu.NewAddressWithTonNpiAddr(1, 1, to)
	require.NoError(t, err)
	require.NoError(t, sm.Message.SetMessageWithEncoding(text, enc))
	sm.RegisteredDelivery = 1
	require.NoError(t, e.session.Transceiver().Submit(sm))
	return sm
}

func TestSMSCSubmitDeliverReceipt(t *testing.T) {
	smsc := StartSMSC(t, SMSCConfig{})
	e, err := bindTRX(t, smsc, plainDialer, "secret")
	require.NoError(t, err)
	assert.Equal(t, 1, smsc.WaitBound(t, "bind_transceiver"))
	assert.Equal(t, 1, smsc.Sessions())
	bind := smsc.WaitFor(t, "bind_transceiver", 1)[0]
	assert.Equal(t, SMSCPDU{Session: 1, Command: "bind_transceiver", CommandID: 9, SequenceNumber: bind.SequenceNumber,
		SystemID: "test", Password: "secret", SystemType: "sb"}, bind)

	// Latin-1 arrives as data_coding 3, its octets as sent.
	submit(t, e, "Switchbrd", "15551230001", "Grüße, café", data.LATIN1)
	resp := next[*pdu.SubmitSMResp](t, e)
	assert.Equal(t, data.ESME_ROK, resp.CommandStatus)
	assert.Equal(t, "m1", resp.MessageID)
	got := smsc.WaitFor(t, "submit_sm", 1)[0]
	assert.Equal(t, 3, got.DataCoding)
	assert.Equal(t, "Grüße, café", got.Text)
	assert.Equal(t, []byte("Gr\xfc\xdfe, caf\xe9"), got.ShortMessage)
	assert.Nil(t, got.UDH)
	assert.Equal(t, "Switchbrd", got.SourceAddr)
	assert.Equal(t, []int{5, 0, 1, 1}, []int{got.SourceAddrTON, got.SourceAddrNPI, got.DestAddrTON, got.DestAddrNPI})
	assert.Equal(t, "15551230001", got.DestinationAddr)
	assert.Equal(t, 1, got.RegisteredDelivery)
	assert.Equal(t, "m1", got.MessageID)

	// A refused submit gets no message id and does not use one up.
	smsc.FailSubmits(t, 0x58, 1)
	submit(t, e, "Switchbrd", "15551230001", "again", data.GSM7BIT)
	resp = next[*pdu.SubmitSMResp](t, e)
	assert.Equal(t, data.ESME_RTHROTTLED, resp.CommandStatus)
	submit(t, e, "Switchbrd", "15551230001", "again", data.GSM7BIT)
	resp = next[*pdu.SubmitSMResp](t, e)
	assert.Equal(t, "m2", resp.MessageID)
	subs := smsc.WaitFor(t, "submit_sm", 3)
	assert.Equal(t, []int{0x58, 0}, []int{subs[1].AnswerStatus, subs[2].AnswerStatus})
	assert.Equal(t, []string{"", "m2"}, []string{subs[1].MessageID, subs[2].MessageID})
	assert.Equal(t, "again", subs[2].Text)

	// GSM 03.38: '@' and '£' are the octets 0x00 and 0x01.
	status := smsc.Deliver(t, MO{Source: "15551230001", SourceTON: 1, SourceNPI: 1, Destination: "Switchbrd", Text: "Hi @ £5", Charset: "GSM7"})
	assert.Equal(t, 0, status)
	mo := next[*pdu.DeliverSM](t, e)
	assert.Equal(t, byte(0), mo.Message.Encoding().DataCoding())
	raw, _ := mo.Message.GetMessageData()
	assert.Equal(t, []byte{'H', 'i', ' ', 0x00, ' ', 0x01, '5'}, raw)
	text, err := mo.Message.GetMessage()
	require.NoError(t, err)
	assert.Equal(t, "Hi @ £5", text)
	assert.Equal(t, "15551230001", mo.SourceAddr.Address())
	assert.Equal(t, byte(1), mo.SourceAddr.Ton())
	assert.Equal(t, 0, smsc.WaitFor(t, "deliver_sm_resp", 1)[0].CommandStatus)

	assert.Equal(t, 0, smsc.Receipt(t, "m1", "DELIVRD", "15551230001", "Switchbrd"))
	dlr := next[*pdu.DeliverSM](t, e)
	assert.Equal(t, byte(4), dlr.EsmClass)
	text, err = dlr.Message.GetMessage()
	require.NoError(t, err)
	assert.Equal(t, "id:m1 sub:001 dlvrd:001 submit date:2611251200 done date:2611251201 stat:DELIVRD err:000 text:", text)
	assert.Equal(t, []byte("m1\x00"), dlr.OptionalParameters[pdu.TagReceiptedMessageID].Data)
	assert.Equal(t, []byte{2}, dlr.OptionalParameters[pdu.TagMessageStateOption].Data)
	assert.Equal(t, "Switchbrd", dlr.DestAddr.Address())

	smsc.WaitFor(t, "enquire_link", 1)
	// The SMSC closes after its unbind_resp, and gosmpp may then find its
	// connection closed under it: the error says nothing about the SMSC.
	_ = e.session.Close()
	smsc.WaitFor(t, "unbind", 1)
	smsc.WaitSessions(t, 0)
}

// Each data_coding is decoded as its charset both ways; GSM 03.38's
// extension table ('{', '€') takes two octets.
func TestSMSCCharsets(t *testing.T) {
	smsc := StartSMSC(t, SMSCConfig{})
	e, err := bindTRX(t, smsc, plainDialer, "secret")
	require.NoError(t, err)
	for i, c := range []struct {
		enc        data.Encoding
		charset    string // for Deliver; "" when the SMSC does not send it
		dataCoding int
		text       string
	}{
		{data.GSM7BIT, "GSM7", 0, "a_b@$ {€}"},
		{data.ASCII, "", 1, "a_b@$ {}"},
		{data.LATIN1, "LATIN1", 3, "Grüße"},
		{data.UCS2, "UCS2", 8, "Привет ✓"},
	} {
		submit(t, e, "Switchbrd", "15551230001", c.text, c.enc)
		got := smsc.WaitFor(t, "submit_sm", i+1)[i]
		assert.Equal(t, c.dataCoding, got.DataCoding)
		assert.Equal(t, c.text, got.Text, c.enc)
		if c.charset == "" {
			continue
		}
		assert.Equal(t, 0, smsc.Deliver(t, MO{Source: "15551230001", Destination: "Switchbrd", Text: c.text, Charset: c.charset}))
		mo := next[*pdu.DeliverSM](t, e)
		assert.Equal(t, byte(c.dataCoding), mo.Message.Encoding().DataCoding())
		text, err := mo.Message.GetMessage()
		require.NoError(t, err)
		assert.Equal(t, c.text, text, c.charset)
	}
}

// A long UCS2 text goes as parts whose UDH the SMSC splits off.
func TestSMSCSubmitWithUDH(t *testing.T) {
	smsc := StartSMSC(t, SMSCConfig{})
	e, err := bindTRX(t, smsc, plainDialer, "secret")
	require.NoError(t, err)
	long := strings.Repeat("Привет, мир! ", 10)
	sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
	sm.DestAddr, _ = pdu.NewAddressWithAddr("15551230001")
	require.NoError(t, sm.Message.SetLongMessageWithEnc(long, data.UCS2))
	parts, err := sm.Split()
	require.NoError(t, err)
	require.Len(t, parts, 2)
	for _, part := range parts {
		part.AssignSequenceNumber() // gosmpp's Split copies one sequence number into every part
		require.NoError(t, e.session.Transceiver().Submit(part))
	}
	got := smsc.WaitFor(t, "submit_sm", 2)
	var text string
	for i, p := range got {
		assert.Equal(t, 8, p.DataCoding)
		assert.Equal(t, 0x40, p.EsmClass&0x40)
		require.Len(t, p.UDH, 6)
		assert.Equal(t, []byte{5, 0, 3}, p.UDH[:3])
		assert.Equal(t, []byte{2, byte(i + 1)}, p.UDH[4:])
		assert.Equal(t, p.UDH, p.ShortMessage[:6])
		text += p.Text
	}
	assert.Equal(t, long, text)
}

func TestSMSCOverTLS(t *testing.T) {
	smsc := StartSMSC(t, SMSCConfig{TLS: true})
	require.NotEmpty(t, smsc.CertPEM)
	e, err := bindTRX(t, smsc, tlsDialer(t, smsc), "secret")
	require.NoError(t, err)
	assert.Equal(t, 1, smsc.WaitBound(t, "bind_transceiver"))
	submit(t, e, "Switchbrd", "15551230001", "over TLS", data.GSM7BIT)
	assert.Equal(t, "m1", next[*pdu.SubmitSMResp](t, e).MessageID)
	assert.Equal(t, "over TLS", smsc.WaitFor(t, "submit_sm", 1)[0].Text)

	// Plain SMPP is no way in.
	_, err = gosmpp.TRXConnector(plainDialer, gosmpp.Auth{SMSC: smsc.Addr, SystemID: "test", Password: "secret"}).Connect()
	assert.Error(t, err)
}

func TestSMSCRefusesWrongPassword(t *testing.T) {
	smsc := StartSMSC(t, SMSCConfig{Accounts: map[string]string{"acme": "s3cret"}})
	for _, auth := range []gosmpp.Auth{
		{SMSC: smsc.Addr, SystemID: "acme", Password: "wrong"},
		{SMSC: smsc.Addr, SystemID: "test", Password: "secret"}, // not an account here
	} {
		// gosmpp 0.3.1 reads the SMSC's header-only refusal as a short
		// PDU, so only the failure is certain, not its status.
		_, err := gosmpp.TRXConnector(plainDialer, auth).Connect()
		assert.Error(t, err, auth.SystemID)
	}
	binds := smsc.WaitFor(t, "bind_transceiver", 2)
	assert.Equal(t, []int{0x0E, 0x0E}, []int{binds[0].BindStatus, binds[1].BindStatus})
	assert.Equal(t, 0, smsc.Sessions())

	conn, err := gosmpp.TRXConnector(plainDialer, gosmpp.Auth{SMSC: smsc.Addr, SystemID: "acme", Password: "s3cret"}).Connect()
	require.NoError(t, err)
	conn.Close()
	assert.Equal(t, 0, smsc.WaitFor(t, "bind_transceiver", 3)[2].BindStatus)
}

func TestSMSCStopRestart(t *testing.T) {
	smsc := StartSMSC(t, SMSCConfig{TLS: true})
	e, err := bindTRX(t, smsc, tlsDialer(t, smsc), "secret")
	require.NoError(t, err)
	assert.Equal(t, 1, smsc.WaitBound(t, "bind_transceiver"))
	submit(t, e, "Switchbrd", "15551230001", "before", data.GSM7BIT)
	assert.Equal(t, "m1", next[*pdu.SubmitSMResp](t, e).MessageID)

	smsc.Stop(t)
	assert.Equal(t, 0, smsc.Sessions())
	select {
	case <-e.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not notice the SMSC going away")
	}
	select {
	case err := <-e.failed: // gosmpp's own rebind attempt
		assert.ErrorContains(t, err, "refused")
	case <-time.After(10 * time.Second):
		t.Fatal("the client's rebind did not fail while the SMSC was stopped")
	}
	_, err = net.Dial("tcp", smsc.Addr)
	assert.ErrorContains(t, err, "refused")
	assert.Empty(t, smsc.WaitFor(t, "unbind", 0), "a crash sends no unbind")

	smsc.Restart(t)
	assert.Equal(t, 2, smsc.WaitBound(t, "bind_transceiver"))
	select {
	case <-e.rebound:
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not rebind after the restart")
	}
	submit(t, e, "Switchbrd", "15551230001", "after", data.GSM7BIT)
	assert.Equal(t, "m2", next[*pdu.SubmitSMResp](t, e).MessageID)
}
