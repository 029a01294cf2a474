package messaging_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/messaging"
)

// Telesign's callbacks are signed here as "Authenticate callbacks" says:
// TSA <customer id>:<base64 HMAC-SHA256 of the body, keyed with the
// base64-decoded API key>; its sends are compared with the request
// Telesign's own SDK makes.

const (
	telesignCustomer = "FFFFFFFF-EEEE-DDDD-1234-AB1234567890"
	// telesignKey is base64, as the Telesign portal shows API keys.
	telesignKey = "EXAMPLETE8sTgg45yusumoN6BYsBVkh+yRJ5czgsnCehZaOYldPJdmFh6NeX8kunZ2zU1YWaUw/0wV6xfw=="
)

func telesignSign(customer, key, body string) string {
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, raw)
	m.Write([]byte(body))
	return "TSA " + customer + ":" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// telesignMO is an incoming message callback (mo_sms).
func telesignMO(ref, from, to, text string) string {
	return fmt.Sprintf(`{"reference_id":%q,"status":{"code":1500,"description":"Received SMS","updated_on":"2026-11-26T07:30:00.000000Z"},`+
		`"submit_timestamp":"2026-11-26T07:30:00.000000Z","user_response":{"iso_country_code":"US","phone_number":%q,"sender_id":%q,`+
		`"mo_message":%q,"keyword":"","action":"generic"}}`, ref, from, to, text)
}

// telesignDLR is a delivery report callback.
func telesignDLR(ref string, code int, description string) string {
	return fmt.Sprintf(`{"reference_id":%q,"external_id":null,"status":{"code":%d,"description":%q,"updated_on":"2026-11-26T07:31:00.000000Z"},`+
		`"additional_info":{"message_parts_count":1,"mnc":"260","mcc":"310"}}`, ref, code, description)
}

func TestTelesignCallbacks(t *testing.T) {
	d := builtIn(t, "telesign.xml")
	vars := engine.Vars{"customer_id": telesignCustomer, "api_key": telesignKey}
	now := time.Now()
	body := telesignMO("0123456789ABCDEF0123456789ABCDEF", "11234567890", "14155550100", "Hi there")
	verify := func(body, auth string, vars engine.Vars) error {
		return d.VerifyWebhook(messaging.WebhookRequest{URL: "https://switchboard.example.com/webhooks/channels/k", Body: []byte(body),
			Header: headers("Authorization", auth)}, vars, now)
	}
	require.NoError(t, verify(body, telesignSign(telesignCustomer, telesignKey, body), vars))
	require.ErrorIs(t, verify(strings.Replace(body, "Hi there", "Refund me", 1), telesignSign(telesignCustomer, telesignKey, body), vars), messaging.ErrBadSignature)
	require.ErrorIs(t, verify(body, telesignSign("00000000-0000-0000-0000-000000000000", telesignKey, body), vars), messaging.ErrBadSignature,
		"the customer id is part of the header")
	otherKey := base64.StdEncoding.EncodeToString([]byte("another key of the same customer"))
	require.ErrorIs(t, verify(body, telesignSign(telesignCustomer, otherKey, body), vars), messaging.ErrBadSignature)
	require.ErrorIs(t, verify(body, "", vars), messaging.ErrBadSignature)

	parsed, err := d.Parse([]byte(body), nil)
	require.NoError(t, err)
	require.Empty(t, parsed.Reports, "an incoming message is no delivery report")
	require.Len(t, parsed.Messages, 1)
	m := parsed.Messages[0]
	require.Equal(t, []string{"0123456789ABCDEF0123456789ABCDEF", "11234567890", "14155550100", "Hi there"}, []string{m.ProviderID, m.From, m.To, m.Text})

	for code, want := range map[int]string{200: "delivered", 203: "sent", 290: "sent", 251: "sent", 207: "failed", 237: "failed", 505: "failed", 515: "failed"} {
		parsed, err := d.Parse([]byte(telesignDLR("REF1", code, "a description")), nil)
		require.NoError(t, err)
		require.Empty(t, parsed.Messages, "code %d", code)
		require.Equal(t, []messaging.Report{{ProviderID: "REF1", Status: want, ProviderText: fmt.Sprint(code), ErrorMessage: "a description"}}, parsed.Reports, "code %d", code)
	}
	require.Equal(t, 1600, d.Rules.MaxTextLength, "the seed's limit")
}

// Switchboard's send and the official SDK's, to the same fake API: the
// same method, path and content type, every field the SDK sends with the
// same value, and with Basic authentication the same header.
func TestTelesignSendMatchesTheSDK(t *testing.T) {
	sdk := testpeers.StartTelesignClient(t)
	d := builtIn(t, "telesign.xml")
	var answer = 200
	p := newProvider(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(answer)
		if answer == 200 {
			fmt.Fprint(w, `{"reference_id":"35C8B5A87A0C0A4C9026B44AAD8A6A1B","external_id":null,"status":{"code":290,"description":"Message in progress","updated_on":"2026-11-26T07:30:00.000000Z"},"additional_info":{"message_parts_count":1}}`)
		} else {
			fmt.Fprint(w, `{"errors":[{"code":-30000,"description":"Invalid Customer ID."}],"status":{"code":10000,"description":"Invalid credentials"}}`)
		}
	})
	text := `Your order "A-1" ships today & arrives Friday. Reply STOP to opt out.`
	sdk.Send(t, testpeers.TelesignSend{CustomerID: telesignCustomer, APIKey: telesignKey, Endpoint: p.URL,
		PhoneNumber: "14155550123", Message: text, MessageType: "ARN", AuthMethod: "Basic"})
	sdk.Send(t, testpeers.TelesignSend{CustomerID: telesignCustomer, APIKey: telesignKey, Endpoint: p.URL,
		PhoneNumber: "14155550123", Message: text, MessageType: "ARN", AuthMethod: "HMAC-SHA256"})
	c := clientFor(t, d, engine.Vars{"customer_id": telesignCustomer, "api_key": telesignKey, "api_url": p.URL})
	id, _, fail := d.Send(context.Background(), c, messaging.Outgoing{From: "+14155550100", To: "+14155550123", Text: text}, "")
	require.Nil(t, fail)
	require.Equal(t, "35C8B5A87A0C0A4C9026B44AAD8A6A1B", id)

	reqs := p.take()
	require.Len(t, reqs, 3)
	basic, digest, ours := reqs[0], reqs[1], reqs[2]
	require.True(t, strings.HasPrefix(digest.Header.Get("Authorization"), "TSA "+telesignCustomer+":"), "the SDK's default is its digest")
	for _, sdkReq := range []seen{basic, digest} {
		require.Equal(t, sdkReq.Method+" "+sdkReq.Path, ours.Method+" "+ours.Path)
		require.Equal(t, sdkReq.Header.Get("Content-Type"), ours.Header.Get("Content-Type"))
		sdkForm, err := url.ParseQuery(sdkReq.Body)
		require.NoError(t, err)
		ourForm, err := url.ParseQuery(ours.Body)
		require.NoError(t, err)
		for k, v := range sdkForm {
			require.Equal(t, v, ourForm[k], "field %s", k)
		}
		require.Equal(t, []string{"14155550100"}, ourForm["sender_id"], "the channel number as the sender, digits only")
	}
	require.Equal(t, basic.Header.Get("Authorization"), ours.Header.Get("Authorization"), "Basic CustomerID:APIKey, as the SDK sends it")

	answer = 401
	_, _, fail = d.Send(context.Background(), c, messaging.Outgoing{From: "+14155550100", To: "+14155550123", Text: "x"}, "")
	require.Equal(t, "auth", fail.Kind)
	_, _, fail = d.Send(context.Background(), c, messaging.Outgoing{From: "+14155550100", To: "+14155550123", Text: "x"}, "")
	require.Contains(t, fail.Message, "Invalid Customer ID.")
}
