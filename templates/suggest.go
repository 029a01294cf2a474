package templates

import (
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Suggest returns the candidate closest to name when it is close enough to be
// a likely typo, or "".
func Suggest(name string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		if strings.EqualFold(c, name) {
			return c
		}
		d := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(c))
		if best == "" || d < bestDist {
			best, bestDist = c, d
		}
	}
	// Allow about one edit in three characters; more is a different word.
	if best == "" || bestDist > max(1, (len(name)+1)/3) {
		return ""
	}
	return best
}

// DidYouMean formats the suggestion for a misspelt name as a message
// suffix, " (did you mean \"x\"?)", or "".
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" && s != name {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// oneOf formats the allowed values for a message.
func oneOf(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
