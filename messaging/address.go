package messaging

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/switchboard/switchboard/scenarios"
)

// NormalizeAddress turns a provider's way of writing a customer's number
// into the one form sessions are keyed by: E.164 with its "+". WhatsApp
// writes the digits alone ("16505551234"), Twilio's WhatsApp adds
// "whatsapp:", people add spaces and dashes. Anything that is not a number
// is kept as it is (trimmed).
func NormalizeAddress(s string) string {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(strings.ToLower(s), "whatsapp:"); ok {
		s = strings.TrimSpace(s[len(s)-len(rest):])
	}
	d := scenarios.Digits(s)
	if d == "" || len(d) < 3 {
		return s
	}
	// Only separators may be dropped: a letter means it is not a number.
	for _, r := range s {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune("+ -().", r) {
			return s
		}
	}
	return "+" + d
}

// SameNumber reports whether two ways of writing a number are the same
// number.
func SameNumber(a, b string) bool {
	da, db := scenarios.Digits(a), scenarios.Digits(b)
	return da != "" && da == db
}

// CheckE164 checks a number an admin or agent typed: E.164 ("+" and the
// country code) and a possible number for its country.
func CheckE164(n string) error {
	n = strings.TrimSpace(n)
	if !strings.HasPrefix(n, "+") {
		return fmt.Errorf("%q is not in E.164 form: it starts with + and the country code, e.g. +14155550100", n)
	}
	num, err := phonenumbers.Parse(n, "")
	if err != nil {
		return fmt.Errorf("%q is not a phone number: %v", n, err)
	}
	if !phonenumbers.IsPossibleNumber(num) {
		return fmt.Errorf("%q is not a possible phone number for its country code", n)
	}
	if f := phonenumbers.Format(num, phonenumbers.E164); f != n {
		return fmt.Errorf("%q is not in E.164 form; write it %s", n, f)
	}
	return nil
}
