package smpp

import (
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/linxGnu/gosmpp/data"
)

// Charset is one way to encode a message's text, with what one short
// message of it holds: alone, and as a part of a concatenated message
// (whose 6-octet UDH takes room).
type Charset struct {
	Name string // as the admin writes it: GSM7, ASCII, LATIN1, CYRILLIC, HEBREW, UCS2
	enc  data.Encoding
	// cost is how many units of the short message a character takes
	// (GSM7 septets, octets, or UTF-16 code units); 0: not encodable.
	cost        func(r rune) int
	single, per int // units in a message alone, and per part
}

// DataCoding is the data_coding the charset's short messages carry.
func (c Charset) DataCoding() byte { return c.enc.DataCoding() }

// DefaultCharsets is the fallback when a channel names none: GSM 03.38
// where it can, else UCS2, which encodes everything.
const DefaultCharsets = "GSM7,UCS2"

var charsets = []Charset{
	{Name: "GSM7", enc: data.GSM7BIT, cost: gsm7Cost, single: 160, per: 153},
	{Name: "ASCII", enc: data.ASCII, cost: maxRune(0x7f), single: 140, per: 134},
	{Name: "LATIN1", enc: data.LATIN1, cost: encodable(data.LATIN1), single: 140, per: 134},
	{Name: "CYRILLIC", enc: data.CYRILLIC, cost: encodable(data.CYRILLIC), single: 140, per: 134},
	{Name: "HEBREW", enc: data.HEBREW, cost: encodable(data.HEBREW), single: 140, per: 134},
	{Name: "UCS2", enc: data.UCS2, cost: utf16Cost, single: 70, per: 67},
}

// aliases are the names seed 004's advanced configuration uses.
var aliases = map[string]string{
	"GSM": "GSM7", "GSM_0338": "GSM7", "GSM0338": "GSM7", "GSM-7": "GSM7",
	"ISO-8859-1": "LATIN1", "ISO8859-1": "LATIN1", "LATIN-1": "LATIN1",
	"ISO-8859-5": "CYRILLIC", "ISO-8859-8": "HEBREW",
	"UTF-16BE": "UCS2", "UCS-2": "UCS2", "UTF16BE": "UCS2",
}

// CharsetNames are the names ParseCharsets knows.
func CharsetNames() []string {
	names := make([]string, len(charsets))
	for i, c := range charsets {
		names[i] = c.Name
	}
	return names
}

// ParseCharsets reads an ordered, comma-separated list of charsets
// ("GSM7,LATIN1,UCS2"); an empty list is DefaultCharsets.
func ParseCharsets(list string) ([]Charset, error) {
	if strings.TrimSpace(list) == "" {
		list = DefaultCharsets
	}
	var out []Charset
	for _, name := range strings.Split(list, ",") {
		name = strings.ToUpper(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		c, ok := charsetNamed(name)
		if !ok {
			return nil, fmt.Errorf("charset %q is not one of %s", name, strings.Join(CharsetNames(), ", "))
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the charset list %q names no charset", list)
	}
	return out, nil
}

func charsetNamed(name string) (Charset, bool) {
	if a, ok := aliases[name]; ok {
		name = a
	}
	for _, c := range charsets {
		if c.Name == name {
			return c, true
		}
	}
	return Charset{}, false
}

// Encoded is a text encoded for submit_sm: one short message, or the
// parts of a concatenated one (each to carry a UDH).
type Encoded struct {
	Charset Charset
	Parts   [][]byte
}

// Encode encodes text with the first charset of the list that can carry
// every character of it, split into parts when it does not fit one short
// message. A text no charset of the list can carry is an error naming the
// first character that stopped the last one.
func Encode(text string, list []Charset) (Encoded, error) {
	var why error
	for _, c := range list {
		parts, err := c.split(text)
		if err != nil {
			why = err
			continue
		}
		enc := Encoded{Charset: c}
		for _, p := range parts {
			b, err := c.enc.Encode(p)
			if err != nil {
				return Encoded{}, fmt.Errorf("encoding in %s: %w", c.Name, err)
			}
			enc.Parts = append(enc.Parts, b)
		}
		return enc, nil
	}
	return Encoded{}, fmt.Errorf("no charset of the channel can carry the text: %w", why)
}

// split cuts text into the pieces each part carries: every part holds as
// many whole characters as fit (a GSM7 escape pair and a UTF-16 surrogate
// pair are never cut).
func (c Charset) split(text string) ([]string, error) {
	total := 0
	for i, r := range text {
		n := c.cost(r)
		if n == 0 {
			return nil, fmt.Errorf("%s cannot encode %q (at byte %d)", c.Name, r, i)
		}
		total += n
	}
	if total <= c.single {
		return []string{text}, nil
	}
	var parts []string
	start, used := 0, 0
	for i, r := range text {
		n := c.cost(r)
		if used+n > c.per {
			parts = append(parts, text[start:i])
			start, used = i, 0
		}
		used += n
	}
	return append(parts, text[start:]), nil
}

// gsm7Cost counts septets: unpacked GSM7 is one octet per septet, and a
// character of the extension table is two (the escape and itself).
func gsm7Cost(r rune) int {
	b, err := data.GSM7BIT.Encode(string(r))
	if err != nil {
		return 0
	}
	return len(b)
}

func maxRune(limit rune) func(rune) int {
	return func(r rune) int {
		if r > limit {
			return 0
		}
		return 1
	}
}

func encodable(enc data.Encoding) func(rune) int {
	return func(r rune) int {
		if _, err := enc.Encode(string(r)); err != nil {
			return 0
		}
		return 1
	}
}

func utf16Cost(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 0
}

// Decode reads a short message's text by its data_coding. Codings it has
// no charset for are read as Latin-1, so an odd message still arrives.
func Decode(coding byte, b []byte) (string, error) {
	enc := data.FromDataCoding(coding)
	switch coding {
	case data.GSM7BITCoding, data.ASCIICoding, data.LATIN1Coding, data.CYRILLICCoding, data.HEBREWCoding, data.UCS2Coding:
	default:
		enc = data.LATIN1
	}
	return enc.Decode(b)
}
