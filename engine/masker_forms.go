package engine

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
)

// A secret reaches a trace in other spellings than its own: percent-
// encoded in a URL, escaped in a JSON body, base64-encoded in a Basic
// credential (auth/basic.go sends base64("user:secret")), in hex. The
// masker looks for each of them.

// derivedForms returns the spellings of a secret a trace may hold: the
// secret itself; URL-encoded (QueryEscape, PathEscape, UrlEncode's
// RFC 3986 form); JSON-escaped (with and without the HTML escapes of
// json.Marshal); hex, lower and upper case; base64 in the standard and
// URL alphabets, padded and not; and the middles of base64 encodings of
// the secret inside longer text, with their query-escaped forms.
func derivedForms(s string) []string {
	out := []string{s, url.QueryEscape(s), url.PathEscape(s), URLEncode(s), JSONEscape(s), jsonMarshalled(s),
		hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s)))}
	var b64 []string
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		b64 = append(b64, enc.EncodeToString([]byte(s)))
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for offset := range 3 {
			b64 = append(b64, base64Middle(enc, s, offset))
		}
	}
	for _, f := range b64 {
		out = append(out, f)
		if q := url.QueryEscape(f); q != f { // + / = in a URL
			out = append(out, q)
		}
	}
	return out
}

// jsonMarshalled is the secret inside a JSON string as json.Marshal writes
// it: < > & and the line separators escaped too.
func jsonMarshalled(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b[1 : len(b)-1])
}

// base64Middle returns the characters of the base64 encoding of a text in
// which the secret starts offset bytes (mod 3) into a group, that depend on
// the secret's bytes alone: base64("user:" + secret) holds them whatever
// the user, where the encoding of the secret alone does not appear. A
// character encodes six bits, so the ones at either end that share bits
// with the text around are left out.
func base64Middle(enc *base64.Encoding, s string, offset int) string {
	padded := make([]byte, offset+len(s))
	copy(padded[offset:], s)
	e := enc.EncodeToString(padded)
	first := (8*offset + 5) / 6      // the first character whose bits all belong to the secret
	end := 8 * (offset + len(s)) / 6 // past the last such character
	if end <= first {
		return ""
	}
	return e[first:end]
}
