package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Digits returns the digits of a phone number as written anywhere: the key
// numbers are compared by, whatever spaces, dashes, brackets or "+" the
// PBX, a helpdesk or a messaging provider put around them.
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// NumberFormat is how an integration wants the caller's number (3CX has
// it): the PBX gives it as dialled or as the trunk presents it
// ("900441632960961", "01632 960961"), while a helpdesk finds a contact
// only by the form it stored ("+441632960961").
type NumberFormat struct {
	// StripPrefix is a dial-out prefix taken off a number that starts
	// with it (not one written with "+").
	StripPrefix string `json:"stripPrefix,omitempty"`
	// DefaultCountry is the ISO 3166 region of numbers written without
	// their country code ("GB").
	DefaultCountry string `json:"defaultCountry,omitempty"`
	// Format is what the helpdesk gets: e164 ("+441632960961"), national
	// ("01632 960961"), international ("+44 1632 960961") or digits
	// ("441632960961"); empty: the number as the PBX gave it, prefix
	// stripped.
	Format string `json:"format,omitempty"`
}

// NumberFormats are NumberFormat's formats.
var NumberFormats = []string{"e164", "national", "international", "digits"}

// Apply formats a number. One that cannot be read as a phone number (an
// extension, a withheld caller) is returned as it came, prefix stripped.
func (f *NumberFormat) Apply(raw string) string {
	s := strings.TrimSpace(raw)
	if f == nil || s == "" {
		return s
	}
	if p := f.StripPrefix; p != "" && !strings.HasPrefix(s, "+") && strings.HasPrefix(Digits(s), p) && len(Digits(s)) > len(p) {
		s = strings.TrimLeft(afterDigits(s, len(p)), " -.")
	}
	if f.Format == "" {
		return s
	}
	num, err := phonenumbers.Parse(s, strings.ToUpper(f.DefaultCountry))
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return s
	}
	switch f.Format {
	case "national":
		return phonenumbers.Format(num, phonenumbers.NATIONAL)
	case "international":
		return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
	case "digits":
		return Digits(phonenumbers.Format(num, phonenumbers.E164))
	default:
		return phonenumbers.Format(num, phonenumbers.E164)
	}
}

// afterDigits is s after its first n digits (and whatever is between
// them).
func afterDigits(s string, n int) string {
	for i, r := range s {
		if n == 0 {
			return s[i:]
		}
		if r >= '0' && r <= '9' {
			n--
		}
	}
	return ""
}

// problems says what is wrong with the settings, each under name.
func (f *NumberFormat) problems(name string) []string {
	var out []string
	if f.StripPrefix != "" && Digits(f.StripPrefix) != f.StripPrefix {
		out = append(out, fmt.Sprintf("%s.stripPrefix: %q is not digits (a dial-out prefix such as 9)", name, f.StripPrefix))
	}
	if f.DefaultCountry != "" && !phonenumbers.GetSupportedRegions()[strings.ToUpper(f.DefaultCountry)] {
		out = append(out, fmt.Sprintf("%s.defaultCountry: %q is not an ISO 3166 region phone numbers know (GB, US, DE …)", name, f.DefaultCountry))
	}
	if f.Format != "" && !slices.Contains(NumberFormats, f.Format) {
		out = append(out, fmt.Sprintf("%s.format: %q is not one of %s", name, f.Format, strings.Join(NumberFormats, ", ")))
	}
	return out
}
