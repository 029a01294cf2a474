package smpp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A receipt's text comes from the SMSC: reading it must never fail badly,
// and what it reads must come from the text.
func FuzzParseReceipt(f *testing.F) {
	f.Add("id:m17 sub:001 dlvrd:001 submit date:2611251200 done date:2611251201 stat:DELIVRD err:000 text:Hello")
	f.Add("id: stat: err:")
	f.Add("text:id:x stat:UNDELIV")
	f.Fuzz(func(t *testing.T, text string) {
		r, ok := ParseReceipt(text)
		if ok != (r.MessageID != "") {
			t.Fatalf("ok=%v with id %q", ok, r.MessageID)
		}
		if ok && !strings.Contains(text, r.MessageID) {
			t.Fatalf("id %q is not in %q", r.MessageID, text)
		}
	})
}

// Whatever an agent writes is either encoded whole, in parts that join
// back to it, each within a short message, or refused with a reason.
func FuzzEncode(f *testing.F) {
	f.Add("Hello @ £5 {€}")
	f.Add(strings.Repeat("Ж", 71) + "😀")
	f.Add("naïve " + strings.Repeat("b", 140))
	all, _ := ParseCharsets("GSM7,LATIN1,UCS2")
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return
		}
		enc, err := Encode(text, all)
		if err != nil {
			return // a character no charset carries (UCS2 carries all but invalid runes)
		}
		// Octets a short message may hold: GSM7 septets are one octet
		// each (unpacked), UCS2 units two.
		limit := enc.Charset.single
		if len(enc.Parts) > 1 {
			limit = enc.Charset.per
		}
		if enc.Charset.Name == "UCS2" {
			limit *= 2
		}
		var back strings.Builder
		for _, p := range enc.Parts {
			if len(p) > limit {
				t.Fatalf("a part of %d octets in %s, at most %d", len(p), enc.Charset.Name, limit)
			}
			s, err := Decode(enc.Charset.DataCoding(), p)
			if err != nil {
				t.Fatal(err)
			}
			back.WriteString(s)
		}
		if back.String() != text {
			t.Fatalf("%s parts decode to %q, want %q", enc.Charset.Name, back.String(), text)
		}
	})
}
