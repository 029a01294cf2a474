package messaging

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// ErrBadSignature means a webhook did not prove it comes from the
// provider. The service answers it with 400 and keeps nothing.
var ErrBadSignature = errors.New("the webhook's signature does not verify")

// WebhookRequest is a webhook as it arrived: the raw body is kept exactly,
// as signatures are computed over its bytes.
type WebhookRequest struct {
	// URL is the full URL the provider called, as it was configured there
	// (the service's public URL and the request's path and query).
	URL    string
	Header http.Header
	Body   []byte
}

// WebhookURL is base with the webhook token in its query when the template
// checks webhooks by a token (Verification=token) and the token renders
// with vars; base as it is otherwise, and when the token needs a value
// vars do not hold (a secret field: the admin adds it to the URL).
func (d *Definition) WebhookURL(base string, vars engine.Vars) string {
	if d.Transport == templates.TransportSMPP {
		return "" // it receives over its bind
	}
	w := d.Webhook
	if w.Verification != "token" || w.Token == nil || w.TokenParam == "" {
		return base
	}
	token, err := w.Token.Render(vars)
	if err != nil || token == "" {
		return base
	}
	return base + "?" + url.Values{w.TokenParam: {token}}.Encode()
}

// VerifyWebhook checks a webhook by the template's Verification with the
// channel's variables (its fields: the secret, the auth token …). Every
// comparison of secret material is constant-time.
func (d *Definition) VerifyWebhook(r WebhookRequest, vars engine.Vars, now time.Time) error {
	w := d.Webhook
	render := func(t *engine.Text) ([]byte, error) {
		v, err := t.Render(vars)
		if err != nil {
			return nil, fmt.Errorf("rendering the webhook secret: %w", err)
		}
		if v == "" {
			return nil, fmt.Errorf("%w: the channel has no secret to check it with", ErrBadSignature)
		}
		return []byte(v), nil
	}
	switch w.Verification {
	case "none", "":
		return nil
	case "hmac-sha256", "hmac-sha1":
		secret, err := render(w.Secret)
		if err != nil {
			return err
		}
		h := sha256.New
		if w.Verification == "hmac-sha1" {
			h = sha1.New
		}
		prefix := ""
		if w.SignaturePrefix != nil {
			if prefix, err = w.SignaturePrefix.Render(vars); err != nil {
				return fmt.Errorf("rendering the signature prefix: %w", err)
			}
		}
		return checkHMAC(h, secret, prefix, r, w)
	case "twilio":
		secret, err := render(w.Secret)
		if err != nil {
			return err
		}
		return checkTwilio(secret, r, w.SignatureHeader)
	case "ed25519":
		key, err := render(w.Secret)
		if err != nil {
			return err
		}
		return checkEd25519(key, r, w.SignatureHeader, w.TimestampHeader, w.MaxAge, now)
	case "basic":
		user, err := render(w.Username)
		if err != nil {
			return err
		}
		pass, err := render(w.Password)
		if err != nil {
			return err
		}
		gotUser, gotPass, ok := (&http.Request{Header: r.Header}).BasicAuth()
		if !ok {
			return fmt.Errorf("%w: no Basic credentials", ErrBadSignature)
		}
		// Both compared, whatever the first gives, so timing tells nothing.
		u := subtle.ConstantTimeCompare([]byte(gotUser), user)
		p := subtle.ConstantTimeCompare([]byte(gotPass), pass)
		if u&p != 1 {
			return fmt.Errorf("%w: wrong Basic credentials", ErrBadSignature)
		}
		return nil
	case "token":
		token, err := render(w.Token)
		if err != nil {
			return err
		}
		u, err := url.Parse(r.URL)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadSignature, err)
		}
		if subtle.ConstantTimeCompare([]byte(u.Query().Get(w.TokenParam)), token) != 1 {
			return fmt.Errorf("%w: the %s parameter is missing or wrong", ErrBadSignature, w.TokenParam)
		}
		return nil
	}
	return fmt.Errorf("unknown webhook verification %q", w.Verification)
}

// checkHMAC compares the webhook's signature header with the prefix and
// the HMAC of the body, encoded as w says. The whole header value is
// compared as text: the generic SMS API requires the hex in lower case,
// and an upper-case signature is not the one it defines.
func checkHMAC(h func() hash.Hash, secret []byte, prefix string, r WebhookRequest, w Webhook) error {
	got := r.Header.Get(w.SignatureHeader)
	if got == "" {
		return fmt.Errorf("%w: the %s header is missing", ErrBadSignature, w.SignatureHeader)
	}
	mac := hmac.New(h, secret)
	mac.Write(r.Body)
	sum := mac.Sum(nil)
	want := prefix + hex.EncodeToString(sum)
	if w.SignatureEncoding == "base64" {
		want = prefix + base64.StdEncoding.EncodeToString(sum)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return fmt.Errorf("%w: %s does not match the body", ErrBadSignature, w.SignatureHeader)
	}
	return nil
}

// checkTwilio verifies X-Twilio-Signature: base64 HMAC-SHA1, keyed with the
// auth token, of the URL followed by each form field's name and value in
// name order (a repeated field's distinct values sorted). A JSON webhook
// signs the URL alone, which then carries the body's SHA-256 as bodySHA256.
// As Twilio's own library does, the URL is tried as configured, with and
// without its default port.
func checkTwilio(token []byte, r WebhookRequest, header string) error {
	got := r.Header.Get(header)
	if got == "" {
		return fmt.Errorf("%w: the %s header is missing", ErrBadSignature, header)
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	var params url.Values
	if bodyHash := u.Query().Get("bodySHA256"); bodyHash != "" {
		sum := sha256.Sum256(r.Body)
		if subtle.ConstantTimeCompare([]byte(bodyHash), []byte(hex.EncodeToString(sum[:]))) != 1 {
			return fmt.Errorf("%w: bodySHA256 does not match the body", ErrBadSignature)
		}
	} else if params, err = url.ParseQuery(string(r.Body)); err != nil {
		return fmt.Errorf("%w: the body is not a form: %v", ErrBadSignature, err)
	}
	ok := 0
	for _, candidate := range []string{r.URL, withoutPort(u), withPort(u)} {
		ok |= subtle.ConstantTimeCompare([]byte(got), []byte(TwilioSignature(token, candidate, params)))
	}
	if ok != 1 {
		return fmt.Errorf("%w: %s does not match the URL and fields", ErrBadSignature, header)
	}
	return nil
}

// TwilioSignature computes Twilio's signature of a request to url with the
// form fields.
func TwilioSignature(token []byte, rawURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareUTF16)
	var b strings.Builder
	b.WriteString(rawURL)
	for _, k := range keys {
		vals := slices.Clone(params[k])
		slices.SortFunc(vals, compareUTF16)
		vals = slices.Compact(vals)
		for _, v := range vals {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, token)
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// compareUTF16 orders strings as JavaScript's sort does, by UTF-16 code
// units, so signatures agree with Twilio's for any text.
func compareUTF16(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func withoutPort(u *url.URL) string {
	c := *u
	c.Host = u.Hostname()
	if strings.Contains(c.Host, ":") {
		c.Host = "[" + c.Host + "]"
	}
	return c.String()
}

func withPort(u *url.URL) string {
	if u.Port() != "" {
		return u.String()
	}
	c := *u
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	c.Host = host + ":" + port
	return c.String()
}

// checkEd25519 verifies a Telnyx-style signature: Ed25519 over
// "timestamp|body" with the provider's public key (base64), the timestamp
// in Unix seconds and no older than maxAge, so a captured webhook cannot be
// replayed later.
func checkEd25519(key []byte, r WebhookRequest, sigHeader, tsHeader string, maxAge time.Duration, now time.Time) error {
	pub, err := base64.StdEncoding.DecodeString(string(key))
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: the channel's public key is not a base64 Ed25519 key", ErrBadSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get(sigHeader))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: the %s header is missing or not a base64 signature", ErrBadSignature, sigHeader)
	}
	ts := r.Header.Get(tsHeader)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: the %s header is missing or not Unix seconds", ErrBadSignature, tsHeader)
	}
	if age := now.Sub(time.Unix(sec, 0)); age > maxAge || age < -maxAge {
		return fmt.Errorf("%w: the webhook is %s old (at most %s)", ErrBadSignature, age.Round(time.Second), maxAge)
	}
	msg := append([]byte(ts+"|"), r.Body...)
	if !ed25519.Verify(pub, msg, sig) {
		return fmt.Errorf("%w: %s does not match", ErrBadSignature, sigHeader)
	}
	return nil
}
