package smpp

import (
	"slices"
	"strings"
	"testing"
)

func TestEncodeSplitsAtTheRightSizes(t *testing.T) {
	all, err := ParseCharsets("GSM7,LATIN1,UCS2")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		text    string
		charset string
		parts   []int // octets of each part (before its UDH)
	}{
		{"short GSM7", "Hello @ £5", "GSM7", []int{10}},
		{"160 septets fit one", strings.Repeat("a", 160), "GSM7", []int{160}},
		{"161 septets take two of 153", strings.Repeat("a", 161), "GSM7", []int{153, 8}},
		{"an escape pair is never cut", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 10), "GSM7", []int{152, 12}},
		{"escapes count two septets", strings.Repeat("{", 80), "GSM7", []int{160}},
		{"Latin-1 when GSM7 cannot", "naïve " + strings.Repeat("b", 135), "LATIN1", []int{134, 7}},
		{"140 Latin-1 octets fit one", "ï" + strings.Repeat("b", 139), "LATIN1", []int{140}},
		{"UCS2 when nothing else can", strings.Repeat("Ж", 70), "UCS2", []int{140}},
		{"UCS2 parts of 67 characters", strings.Repeat("Ж", 71), "UCS2", []int{134, 8}},
		{"a surrogate pair is never cut", strings.Repeat("Ж", 66) + "😀" + strings.Repeat("Ж", 5), "UCS2", []int{132, 14}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := Encode(tc.text, all)
			if err != nil {
				t.Fatal(err)
			}
			if enc.Charset.Name != tc.charset {
				t.Fatalf("charset %s, want %s", enc.Charset.Name, tc.charset)
			}
			var got []int
			var back strings.Builder
			for _, p := range enc.Parts {
				got = append(got, len(p))
				s, err := Decode(enc.Charset.DataCoding(), p)
				if err != nil {
					t.Fatal(err)
				}
				back.WriteString(s)
			}
			if !slices.Equal(got, tc.parts) {
				t.Fatalf("parts of %v octets, want %v", got, tc.parts)
			}
			if back.String() != tc.text {
				t.Fatalf("the parts decode to %q, want %q", back.String(), tc.text)
			}
		})
	}
}

func TestEncodeFallsBackInTheListsOrder(t *testing.T) {
	latinFirst, _ := ParseCharsets("LATIN1, GSM7")
	enc, err := Encode("Café", latinFirst)
	if err != nil || enc.Charset.Name != "LATIN1" || enc.Charset.DataCoding() != 3 {
		t.Fatalf("Café with LATIN1 first: %s (%v), want LATIN1", enc.Charset.Name, err)
	}
	ascii, _ := ParseCharsets("ascii,ucs2")
	if enc, _ := Encode("plain", ascii); enc.Charset.Name != "ASCII" {
		t.Fatalf("plain text: %s, want ASCII", enc.Charset.Name)
	}
	if enc, _ := Encode("naïve", ascii); enc.Charset.Name != "UCS2" {
		t.Fatalf("naïve with ASCII,UCS2: %s, want UCS2", enc.Charset.Name)
	}
	gsmOnly, _ := ParseCharsets("GSM7")
	if _, err := Encode("Привет", gsmOnly); err == nil || !strings.Contains(err.Error(), "GSM7 cannot encode 'П'") {
		t.Fatalf("Cyrillic with GSM7 alone: %v, want an error naming the character", err)
	}
}

func TestParseCharsets(t *testing.T) {
	got, err := ParseCharsets("gsm_0338, ISO-8859-1 ,utf-16be")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "GSM7,LATIN1,UCS2" {
		t.Fatalf("seed 004's names read as %v", names)
	}
	if def, _ := ParseCharsets(" "); len(def) != 2 || def[0].Name != "GSM7" || def[1].Name != "UCS2" {
		t.Fatalf("the default is %v", def)
	}
	if _, err := ParseCharsets("GSM7,KOI8"); err == nil || !strings.Contains(err.Error(), `"KOI8" is not one of GSM7, ASCII`) {
		t.Fatalf("an unknown charset: %v", err)
	}
}

func TestParseReceipt(t *testing.T) {
	r, ok := ParseReceipt("id:m17 sub:001 dlvrd:001 submit date:2611251200 done date:2611251201 stat:DELIVRD err:000 text:Hello world")
	if !ok || r.MessageID != "m17" || r.Stat != "DELIVRD" || r.Err != "000" {
		t.Fatalf("got %+v", r)
	}
	r, ok = ParseReceipt("id:0A1B2C sub:001 dlvrd:000 submit date:2611251200 done date:2611251300 stat:undeliv err:034 Text:x")
	if !ok || r.MessageID != "0A1B2C" || r.Stat != "UNDELIV" || r.Err != "034" {
		t.Fatalf("lower-case stat and Text: got %+v", r)
	}
	if _, ok := ParseReceipt("Hello, this is a message mentioning stat:DELIVRD"); ok {
		t.Fatal("a text without id: read as a receipt")
	}
}
