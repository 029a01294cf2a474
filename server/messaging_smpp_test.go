package server_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/server"
)

// SMPP channels end to end against a real SMSC no one here wrote: the npm
// smpp server (internal/testpeers/smsc.cjs), over TLS and plain TCP.

const (
	smppNumber   = "+447700900001" // the channel's number
	smppCustomer = "+447700900123"
)

// smppFields are an SMPP channel's fields for the test SMSC.
func smppFields(smsc *testpeers.SMSC, changes map[string]string) map[string]string {
	f := map[string]string{"host": smsc.Host, "port": strconv.Itoa(smsc.Port), "system_id": "test", "password": "secret",
		"charsets": "GSM7,LATIN1,UCS2", "tls": "off"}
	if smsc.CertPEM != nil {
		f["tls"], f["tls_ca"] = "on", string(smsc.CertPEM)
	}
	for k, v := range changes {
		f[k] = v
	}
	return f
}

// createSMPP creates an SMPP channel routed to extension 1001, which may
// also start sessions on it.
func createSMPP(e *env, name string, fields map[string]string) resp {
	return e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_smpp", "name": name, "fields": fields,
		"numbers": []map[string]any{{"number": smppNumber, "destination": map[string]string{"type": "extension", "id": "1001"},
			"allowedExtensions": []string{"1001"}}}})
}

// waitChannelBound waits until the channel's own binds are up: binds
// successful binds in all (the check's bind made when the channel was
// saved counts), and only the channel's sessions bound — the check's
// has ended. It returns the bound sessions by bind command.
func waitChannelBound(t *testing.T, smsc *testpeers.SMSC, binds, sessions int) map[string]int {
	t.Helper()
	out := map[string]int{}
	smsc.Await(t, fmt.Sprintf("%d binds with %d of them bound", binds, sessions), func(rec []testpeers.SMSCPDU, bound map[int]string) bool {
		ok := 0
		for _, p := range rec {
			if strings.HasPrefix(p.Command, "bind_") && p.BindStatus == 0 {
				ok++
			}
		}
		if ok < binds || len(bound) != sessions {
			return false
		}
		for n, cmd := range bound {
			out[cmd] = n
		}
		return true
	})
	return out
}

// submits returns the submit_sm the SMSC took, with their texts.
func submits(smsc *testpeers.SMSC) []testpeers.SMSCPDU {
	var out []testpeers.SMSCPDU
	for _, p := range smsc.Received() {
		if p.Command == "submit_sm" {
			out = append(out, p)
		}
	}
	return out
}

func TestSMPPConversation(t *testing.T) {
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		smsc := testpeers.StartSMSC(t, testpeers.SMSCConfig{TLS: true})
		smppConversation(t, open(t, func(c *server.Config) { c.Messaging.BindRetryWait = 20 * time.Millisecond }), smsc)
	})
}

func smppConversation(t *testing.T, e *env, smsc *testpeers.SMSC) {
	e.extensions("1001")

	// A wrong password: the SMSC refuses the bind, and the channel says so.
	bad := e.expect(createSMPP(e, "SMSC (wrong password)", smppFields(smsc, map[string]string{"password": "wrong"})), 201)
	require.Equal(t, "unauthorized", bad["status"])
	require.Contains(t, bad["statusReason"], "ESME_RINVPASWD")
	e.expect(e.admin("DELETE", "/api/v1/channels/"+bad["id"].(string), nil), 204)

	// Fields that could never bind are refused before anything is saved.
	r := createSMPP(e, "SMSC (bad fields)", smppFields(smsc, map[string]string{"source_ton": "9", "charsets": "GSM7,KOI8", "error_map": `{"protocolSpecificCodeMapping":{"x":{}}}`}))
	require.Equal(t, 400, r.Status, string(r.Body))
	for _, want := range []string{`source_ton \"9\" is not one of 0 1 2 3 4 5 6`, `\"KOI8\" is not one of`, `error_map: code \"x\" is not a command_status`} {
		require.Contains(t, string(r.Body), want)
	}
	r = createSMPP(e, "SMSC (bad bind type)", smppFields(smsc, map[string]string{"bind_type": "both"}))
	require.Equal(t, 400, r.Status, string(r.Body))
	require.Contains(t, string(r.Body), `must be one of transceiver, transmitter, receiver, transmitter+receiver`)

	ch := e.expect(createSMPP(e, "Our SMSC", smppFields(smsc, nil)), 201)
	require.Equal(t, "connected", ch["status"], ch["statusReason"])
	require.Empty(t, ch["webhookUrl"], "an SMPP channel receives over its bind")
	waitChannelBound(t, smsc, 2, 1)
	agent := e.token("agent", "1001")
	st := e.stream(agent)

	// A customer's message (GSM 03.38, with the SMSC's id for it) becomes
	// a session; sent again, it is kept once.
	mo := testpeers.MO{Source: "447700900123", Destination: "447700900001", SourceTON: 1, SourceNPI: 1,
		Text: "Hi @ £5, where's my parcel?", ReceiptedMessageID: "MO-77"}
	require.Equal(t, 0, smsc.Deliver(t, mo))
	sid := st.next("session.created", nil)["id"].(string)
	require.Equal(t, mo.Text, st.next("message.created", nil)["text"])
	require.Equal(t, 0, smsc.Deliver(t, mo), "the same message again")
	require.Len(t, e.messages(agent, sid), 1, "a message the SMSC sent twice is kept once")

	// A long message in two parts, the second first: one message, in
	// order, each part answered once it is stored.
	half := func(text string, n byte) testpeers.MO {
		return testpeers.MO{Source: "447700900123", Destination: "447700900001", Text: text, UDH: []byte{5, 0, 3, 0x2a, 2, n}}
	}
	require.Equal(t, []int{0, 0}, smsc.DeliverAll(t, half("and this is its second half.", 2), half("This is the first half of a long message, ", 1)))
	joined := st.next("message.created", nil)
	require.Equal(t, "This is the first half of a long message, and this is its second half.", joined["text"])
	require.Len(t, e.messages(agent, sid), 2)

	// Replies, each in the first charset of the list that carries it.
	long := strings.Repeat("Your parcel is on its way. ", 7) + "Track it at acme.test/t/42." // 216 GSM7 septets: two parts
	replies := []struct{ text, charset string }{
		{"Today, 17:00 {€5}", "GSM7"},
		{"Naïve question: ½ price?", "LATIN1"},
		{"Спасибо! ✓", "UCS2"},
		{long, "GSM7"},
	}
	ids := map[string]string{}
	for _, rp := range replies {
		m := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": rp.text}), 202)
		ids[rp.text] = m["id"].(string)
		e.waitMessage(agent, sid, m["id"].(string), "sent")
	}
	subs := submits(smsc)
	require.Len(t, subs, 5, "one submit_sm per short message, two for the long one")
	coding := map[string]int{"GSM7": 0, "LATIN1": 3, "UCS2": 8}
	for i, rp := range replies[:3] {
		p := subs[i]
		require.Equal(t, rp.text, p.Text)
		require.Equal(t, coding[rp.charset], p.DataCoding, rp.text)
		require.Equal(t, "447700900001", p.SourceAddr)
		require.Equal(t, "447700900123", p.DestinationAddr)
		require.Equal(t, 1, p.RegisteredDelivery, "a receipt is asked for")
		require.Zero(t, p.EsmClass&0x40, "a short message has no UDH")
	}
	p1, p2 := subs[3], subs[4]
	require.Equal(t, long, p1.Text+p2.Text)
	require.Len(t, p1.Text, 153, "a GSM7 part carries 153 septets")
	require.Equal(t, 0x40, p1.EsmClass&0x40)
	require.Equal(t, 0x40, p2.EsmClass&0x40)
	require.Len(t, p1.UDH, 6)
	require.Equal(t, []byte{5, 0, 3, p1.UDH[3], 2, 1}, p1.UDH, "concatenation IE: reference, 2 parts, part 1")
	require.Equal(t, []byte{5, 0, 3, p1.UDH[3], 2, 2}, p2.UDH, "the same reference, part 2")

	// Receipts: the short message's, then the long one's per part.
	gsm := e.waitMessage(agent, sid, ids[replies[0].text], "sent")
	require.Equal(t, subs[0].MessageID, gsm["providerId"])
	require.Equal(t, 0, smsc.Receipt(t, subs[0].MessageID, "DELIVRD", "447700900123", "447700900001"))
	e.waitMessage(agent, sid, ids[replies[0].text], "delivered")
	require.Equal(t, 0, smsc.Receipt(t, subs[2].MessageID, "UNDELIV", "447700900123", "447700900001"))
	e.waitMessage(agent, sid, ids[replies[2].text], "failed")
	require.Equal(t, subs[3].MessageID, e.waitMessage(agent, sid, ids[long], "sent")["providerId"])
	require.Equal(t, 0, smsc.Receipt(t, subs[3].MessageID, "DELIVRD", "447700900123", "447700900001"))
	require.Equal(t, "sent", e.waitMessage(agent, sid, ids[long], "sent")["status"], "one part of two delivered")
	require.Equal(t, 0, smsc.Receipt(t, subs[4].MessageID, "DELIVRD", "447700900123", "447700900001"))
	e.waitMessage(agent, sid, ids[long], "delivered")

	// Throttled: sent again; a refused destination: failed with the
	// mapping's text.
	smsc.FailSubmits(t, 0x58, 1)
	m := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": "Throttled once"}), 202)
	e.waitMessage(agent, sid, m["id"].(string), "sent")
	smsc.FailSubmits(t, 0x0B, 1)
	m = e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": "Nowhere"}), 202)
	failed := e.waitMessage(agent, sid, m["id"].(string), "failed")
	require.Equal(t, "DEST_ADDR_INVALID: Invalid destination address (command_status 11)", failed["error"])

	// The SMSC goes away; what agents send meanwhile waits, and goes once
	// when it is back.
	before := len(submits(smsc))
	smsc.Stop(t)
	require.Eventually(t, func() bool {
		c := e.expect(e.admin("GET", "/api/v1/channels/"+ch["id"].(string), nil), 200)
		return c["status"] == "request_failed"
	}, 15*time.Second, 20*time.Millisecond, "the channel shows the lost bind")
	var queued []string
	for i := range 3 {
		m := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": fmt.Sprintf("While away %d", i)}), 202)
		queued = append(queued, m["id"].(string))
	}
	for _, id := range queued {
		require.Equal(t, "queued", e.waitMessage(agent, sid, id, "queued")["status"])
	}
	smsc.Restart(t)
	for _, id := range queued {
		e.waitMessage(agent, sid, id, "sent")
	}
	seen := map[string]int{}
	for _, p := range submits(smsc)[before:] {
		seen[p.Text]++
	}
	require.Equal(t, map[string]int{"While away 0": 1, "While away 1": 1, "While away 2": 1}, seen, "each queued message sent once")
	c := e.expect(e.admin("GET", "/api/v1/channels/"+ch["id"].(string), nil), 200)
	require.Equal(t, "connected", c["status"], c["statusReason"])

	// The customer answers after the SMSC came back: the same session.
	require.Equal(t, 0, smsc.Deliver(t, testpeers.MO{Source: "447700900123", Destination: "447700900001", Text: "Merci ✓", Charset: "UCS2"}))
	got := st.next("message.created", func(d map[string]any) bool { return d["text"] == "Merci ✓" })
	require.Equal(t, sid, got["sessionId"])
}

// Each bind type over plain TCP: a transmitter sends, a receiver
// receives, and a transmitter and a receiver as a pair do both, each on
// its own connection.
func TestSMPPBindTypes(t *testing.T) {
	for _, bind := range []string{"transmitter", "receiver", "transmitter+receiver"} {
		t.Run(bind, func(t *testing.T) {
			t.Parallel()
			smsc := testpeers.StartSMSC(t, testpeers.SMSCConfig{})
			e := newEnv(t, func(c *server.Config) { c.Messaging.BindRetryWait = 20 * time.Millisecond })
			e.extensions("1001")
			ch := e.expect(createSMPP(e, "SMSC "+bind, smppFields(smsc, map[string]string{"bind_type": bind, "system_type": "SB"})), 201)
			require.Equal(t, "connected", ch["status"], ch["statusReason"])
			binds, sessions := 2, 1
			if bind == "transmitter+receiver" {
				binds, sessions = 4, 2
			}
			bound := waitChannelBound(t, smsc, binds, sessions)
			agent := e.token("agent", "1001")
			st := e.stream(agent)
			for _, p := range smsc.Received() {
				if strings.HasPrefix(p.Command, "bind_") {
					require.Equal(t, "SB", p.SystemType)
				}
			}

			if strings.Contains(bind, "receiver") {
				require.NotZero(t, bound["bind_receiver"], "bound: %v", bound)
				require.Equal(t, 0, smsc.Deliver(t, testpeers.MO{Source: "447700900123", Destination: "447700900001", Text: "Hello from " + bind}))
				st.next("session.created", nil)
				require.Equal(t, "Hello from "+bind, st.next("message.created", nil)["text"])
			}
			if strings.Contains(bind, "transmitter") {
				require.NotZero(t, bound["bind_transmitter"], "bound: %v", bound)
				started := e.expect(e.do("POST", "/api/v1/sessions", agent, map[string]any{"channelNumber": smppNumber, "to": "+447700900456", "text": "We called you"}), 201)
				ses := started["session"].(map[string]any)["id"].(string)
				e.waitMessage(agent, ses, started["message"].(map[string]any)["id"].(string), "sent")
				subs := submits(smsc)
				require.Len(t, subs, 1)
				require.Equal(t, bound["bind_transmitter"], subs[0].Session, "sent on the transmitter's connection")
				require.Equal(t, "447700900456", subs[0].DestinationAddr)
			}
		})
	}
}

// One replica binds a channel: the one holding its sender lease. When it
// stops, it unbinds, and another replica binds and sends what was queued.
func TestSMPPBindMovesToAnotherReplica(t *testing.T) {
	smsc := testpeers.StartSMSC(t, testpeers.SMSCConfig{})
	tune := func(c *server.Config) {
		c.Messaging.BindRetryWait = 20 * time.Millisecond
		c.Messaging.LeaseTTL = 3 * time.Second
	}
	a := newEnvPostgres(t, tune)
	a.extensions("1001")
	ch := a.expect(createSMPP(a, "SMSC", smppFields(smsc, nil)), 201)
	require.Equal(t, "connected", ch["status"], ch["statusReason"])
	waitChannelBound(t, smsc, 2, 1) // the check's bind, and a's

	b := newEnvOnSame(t, a, tune)
	agent := b.token("agent", "1001")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, a.s.Stop(ctx))
	smsc.WaitSessions(t, 0) // a unbound as it stopped

	started := b.expect(b.do("POST", "/api/v1/sessions", agent, map[string]any{"channelNumber": smppNumber, "to": smppCustomer, "text": "Sent by the other replica"}), 201)
	b.waitMessage(agent, started["session"].(map[string]any)["id"].(string), started["message"].(map[string]any)["id"].(string), "sent")
	waitChannelBound(t, smsc, 3, 1) // b's
	subs := submits(smsc)
	require.Len(t, subs, 1)
	require.Equal(t, "Sent by the other replica", subs[0].Text)
}
