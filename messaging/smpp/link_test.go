package smpp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/messaging/smpp"
)

// The link against the npm SMSC; the channel's whole life is tested in
// server/messaging_smpp_test.go.

func config(s *testpeers.SMSC, bind smpp.BindType) smpp.Config {
	cfg := smpp.Config{Addr: s.Addr, SystemID: "test", Password: "secret", Bind: bind}
	if s.CertPEM != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(s.CertPEM)
		cfg.TLS = &tls.Config{RootCAs: pool, ServerName: s.Host, MinVersion: tls.VersionTLS12}
	}
	return cfg
}

func TestRefusedBindSaysWhy(t *testing.T) {
	s := testpeers.StartSMSC(t, testpeers.SMSCConfig{TLS: true})
	cfg := config(s, smpp.Transceiver)
	cfg.Password = "wrong"
	_, err := smpp.Dial(context.Background(), cfg)
	var be *smpp.BindError
	require.ErrorAs(t, err, &be, "a refused bind, not a lost connection: %v", err)
	require.Equal(t, data.ESME_RINVPASWD, be.Status)
	require.Contains(t, err.Error(), "ESME_RINVPASWD, command_status 14")

	cfg = config(s, smpp.Transceiver)
	cfg.TLS = nil
	_, err = smpp.Dial(context.Background(), cfg)
	require.Error(t, err, "plain SMPP to a TLS port")
	require.False(t, errors.As(err, &be))
}

func TestLinkEndsWithItsConnection(t *testing.T) {
	s := testpeers.StartSMSC(t, testpeers.SMSCConfig{})
	var mu sync.Mutex
	var got []smpp.Incoming
	cfg := config(s, smpp.Pair)
	cfg.Receive = func(_ context.Context, in smpp.Incoming) error {
		mu.Lock()
		got = append(got, in)
		mu.Unlock()
		return nil
	}
	l, err := smpp.Dial(context.Background(), cfg)
	require.NoError(t, err)
	defer l.Close()
	s.WaitSessions(t, 2)

	ids, err := l.Submit(context.Background(), smpp.Outgoing{From: "4420", To: "4477", Text: "Hi"}, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"m1"}, ids)
	require.Equal(t, 0, s.Receipt(t, "m1", "EXPIRED", "4477", "4420"))
	require.Equal(t, 0, s.Deliver(t, testpeers.MO{Source: "4477", Destination: "4420", Text: "part two", UDH: []byte{5, 0, 3, 9, 2, 2}}))
	mu.Lock()
	require.Len(t, got, 2)
	require.Equal(t, "m1", got[0].Receipt.MessageID)
	require.Equal(t, "EXPIRED", got[0].Receipt.Stat, "the message_state TLV")
	require.Equal(t, "part two", got[1].Text, "the UDH is not text")
	require.Equal(t, byte(2), got[1].Total)
	require.Equal(t, byte(2), got[1].Part)
	mu.Unlock()

	s.FailSubmits(t, 0x58, 1)
	_, err = l.Submit(context.Background(), smpp.Outgoing{From: "4420", To: "4477", Text: "Hi"}, nil)
	var se *smpp.SubmitError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "88", se.Code())

	s.Stop(t)
	<-l.Done()
	require.ErrorIs(t, l.Err(), smpp.ErrLinkDown)
	_, err = l.Submit(context.Background(), smpp.Outgoing{From: "4420", To: "4477", Text: "Hi"}, nil)
	require.ErrorIs(t, err, smpp.ErrLinkDown, "nothing is submitted on an ended link")
}

// The bind is kept alive by enquire_link, which the SMSC answers.
func TestLinkEnquiresTheLink(t *testing.T) {
	s := testpeers.StartSMSC(t, testpeers.SMSCConfig{})
	cfg := config(s, smpp.Transceiver)
	cfg.EnquireLink = 50 * time.Millisecond
	l, err := smpp.Dial(context.Background(), cfg)
	require.NoError(t, err)
	defer l.Close()
	s.WaitFor(t, "enquire_link", 2)
	require.NoError(t, l.Err(), "still bound")
}

func TestReceiveErrorIsAnsweredTryLater(t *testing.T) {
	s := testpeers.StartSMSC(t, testpeers.SMSCConfig{})
	cfg := config(s, smpp.Receiver)
	cfg.Receive = func(context.Context, smpp.Incoming) error { return errors.New("the database is away") }
	l, err := smpp.Dial(context.Background(), cfg)
	require.NoError(t, err)
	defer l.Close()
	s.WaitSessions(t, 1)
	require.Equal(t, int(data.ESME_RX_T_APPN), s.Deliver(t, testpeers.MO{Source: "4477", Destination: "4420", Text: "Hi"}),
		"what could not be kept is delivered again later")
	_, err = l.Submit(context.Background(), smpp.Outgoing{From: "4420", To: "4477", Text: "Hi"}, nil)
	require.ErrorContains(t, err, "a receiver bind cannot send messages")
}
