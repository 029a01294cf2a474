package scenarios

import "strings"

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
