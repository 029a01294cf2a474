package messaging

import (
	"crypto/x509"
	"encoding/pem"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging/smpp"
)

func TestSMPPSetupDefaults(t *testing.T) {
	st, err := smppSetupOf(engine.Vars{"host": "smsc.example.net", "system_id": "acme", "password": "s3cret"})
	require.NoError(t, err)
	require.Equal(t, "smsc.example.net:2776", st.cfg.Addr, "seed 004's port")
	require.NotNil(t, st.cfg.TLS, "TLS unless told otherwise")
	require.Equal(t, "smsc.example.net", st.cfg.TLS.ServerName)
	require.Equal(t, smpp.Transceiver, st.cfg.Bind)
	require.Equal(t, smpp.Address{}, st.cfg.Source)
	var names []string
	for _, c := range st.cfg.Charsets {
		names = append(names, c.Name)
	}
	require.Equal(t, []string{"GSM7", "UCS2"}, names)

	again, _ := smppSetupOf(engine.Vars{"host": "smsc.example.net", "system_id": "acme", "password": "s3cret"})
	changed, _ := smppSetupOf(engine.Vars{"host": "smsc.example.net", "system_id": "acme", "password": "other"})
	require.Equal(t, st.key, again.key)
	require.NotEqual(t, st.key, changed.key, "a new password binds again")

	plain, err := smppSetupOf(engine.Vars{"host": "10.0.0.5", "port": "2775", "tls": "off", "system_id": "acme", "password": "x",
		"bind_type": "transmitter+receiver", "source_ton": "5", "source_npi": "0", "dest_ton": "1", "dest_npi": "1"})
	require.NoError(t, err)
	require.Nil(t, plain.cfg.TLS)
	require.Equal(t, "10.0.0.5:2775", plain.cfg.Addr)
	require.Equal(t, smpp.Pair, plain.cfg.Bind)
	require.Equal(t, smpp.Address{TON: 5, NPI: 0}, plain.cfg.Source)
	require.Equal(t, smpp.Address{TON: 1, NPI: 1}, plain.cfg.Dest)
}

// A PEM pasted into a one-line field loses its line breaks; it is read
// all the same.
func TestSMPPSetupReadsACertificateWithoutLineBreaks(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	for _, ca := range []string{pemText, strings.ReplaceAll(pemText, "\n", ""), strings.ReplaceAll(pemText, "\n", " ")} {
		st, err := smppSetupOf(engine.Vars{"host": "127.0.0.1", "system_id": "a", "password": "b", "tls_ca": ca})
		require.NoError(t, err)
		_, err = srv.Certificate().Verify(x509.VerifyOptions{Roots: st.cfg.TLS.RootCAs})
		require.NoError(t, err, "the pool trusts the certificate")
	}
}

func TestSMPPSetupRefusesWhatCannotBind(t *testing.T) {
	_, err := smppSetupOf(engine.Vars{"host": "", "port": "70000", "tls": "maybe", "tls_ca": "not a certificate",
		"system_id": "a-system-id-that-is-too-long", "password": "longer than eight", "dest_npi": "2"})
	require.Error(t, err)
	for _, want := range []string{"host (SMSC Address) is required", `port "70000" is not a TCP port`, `tls "maybe" is not on or off`,
		`system_id "a-system-id-that-is-too-long" is longer than SMPP's 15 characters`, "password is longer than SMPP's 8 characters",
		`dest_npi "2" is not one of 0 1 3 4 6 8 9 10 13 18`} {
		require.Contains(t, err.Error(), want)
	}
	require.NotContains(t, err.Error(), "longer than eight", "the password itself is never told")
	_, err = smppSetupOf(engine.Vars{"host": "h", "system_id": "a", "password": "b", "tls_ca": "not a certificate"})
	require.ErrorContains(t, err, "tls_ca: holds no PEM certificate")
}

// The advanced configuration of seed 004: the codes it names change, with
// genericErrorCode 2 temporary, 3 permanent and AUTHENTICATION_FAILED
// refusing the credentials.
func TestReadErrorMapping(t *testing.T) {
	got := map[string]ErrorDef{"11": {Message: "from the template", Kind: "permanent"}}
	err := readErrorMapping(`{
  "protocolSpecificCodeMapping": {
    "0": {"genericErrorCode": 0, "genericErrorCause": "DELIVERED", "description": "Message delivered"},
    "11": {"genericErrorCode": 2, "genericErrorCause": "CARRIER_CONGESTED", "description": "Our carrier says 11 when it is busy"},
    "15": {"genericErrorCode": 2, "genericErrorCause": "AUTHENTICATION_FAILED", "description": "Invalid system ID"},
    "1045": {"genericErrorCode": 3, "genericErrorCause": "OTHER_PERMANENT_FAILURE", "description": "Vendor: number ported"}
  },
  "charsets": [{"dcs": 0, "charset": "gsm_0338"}]
}`, got)
	require.NoError(t, err)
	require.Equal(t, map[string]ErrorDef{
		"11":   {Message: "CARRIER_CONGESTED: Our carrier says 11 when it is busy", Kind: "temporary"},
		"15":   {Message: "AUTHENTICATION_FAILED: Invalid system ID", Kind: "auth"},
		"1045": {Message: "OTHER_PERMANENT_FAILURE: Vendor: number ported", Kind: "permanent"},
	}, got)
	for raw, want := range map[string]string{
		`{"protocolSpecificCodeMapping": {"88": {"genericErrorCode": 1}}}`:   "genericErrorCode 1 is not 2 (temporary) or 3 (permanent)",
		`{"protocolSpecificCodeMapping": {"88": {}}}`:                        "code 88 has no genericErrorCode",
		`{"protocolSpecificCodeMapping": {"0x58": {"genericErrorCode": 2}}}`: `code "0x58" is not a command_status in decimal`,
		`[1,2]`: "not the JSON of an error mapping",
	} {
		err := readErrorMapping(raw, map[string]ErrorDef{})
		require.ErrorContains(t, err, want, raw)
	}
}

func TestPartLedgerReadsPerPartReceipts(t *testing.T) {
	var l partLedger
	l.track([]string{"m1"}) // a short message is not tracked
	first, final := l.receipt("m1", "delivered")
	require.Equal(t, "m1", first)
	require.True(t, final)

	l.track([]string{"m2", "m3", "m4"})
	_, final = l.receipt("m3", "delivered")
	require.False(t, final, "one part of three")
	first, final = l.receipt("m2", "sent")
	require.Equal(t, "m2", first)
	require.True(t, final, "the first part's en-route receipt is the message's")
	_, final = l.receipt("m2", "delivered")
	require.False(t, final)
	first, final = l.receipt("m4", "delivered")
	require.True(t, final)
	require.Equal(t, "m2", first, "every part delivered: the message is")

	l.track([]string{"m5", "m6"})
	first, final = l.receipt("m6", "failed")
	require.True(t, final)
	require.Equal(t, "m5", first, "one part failed: the message did")
	first, _ = l.receipt("m5", "delivered")
	require.Equal(t, "m5", first, "forgotten once its outcome is known")
}
