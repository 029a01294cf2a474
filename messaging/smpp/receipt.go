package smpp

import (
	"slices"
	"strings"
)

// Receipt is a delivery receipt: a deliver_sm whose esm_class says so,
// with its text in the form SMPP 3.4's appendix B suggests
// ("id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:…")
// and, from SMSCs that send them, the receipted_message_id and
// message_state TLVs, which win over the text.
type Receipt struct {
	MessageID string // the id submit_sm_resp gave the message (part)
	Stat      string // DELIVRD, UNDELIV, REJECTD, EXPIRED, DELETED, ACCEPTD, ENROUTE, UNKNOWN
	Err       string // the network's error code, "000" when none
	Text      string // the receipt's text, as it came
}

// messageStates are the message_state TLV's values (SMPP 3.4 §5.2.28) as
// the stat words of a receipt's text.
var messageStates = map[byte]string{1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV",
	6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD"}

// ParseReceipt reads a receipt's text; ok is false when it names no
// message id.
func ParseReceipt(text string) (r Receipt, ok bool) {
	r.Text = text
	fields := receiptFields(text)
	r.MessageID, r.Stat, r.Err = fields["id"], strings.ToUpper(fields["stat"]), fields["err"]
	return r, r.MessageID != ""
}

// receiptFields splits "key:value key two:value …" at the keys the format
// knows; a value runs to the next known key, so "submit date:2611251200"
// and a text after "text:" with spaces in it are read whole.
func receiptFields(text string) map[string]string {
	keys := []string{"id", "sub", "dlvrd", "submit date", "done date", "stat", "err", "text"}
	out := map[string]string{}
	// Lowered byte by byte, ASCII only, so the offsets stay the text's
	// (strings.ToLower changes the length of invalid UTF-8).
	lower := asciiLower(text)
	type at struct {
		key        string
		start, end int // of the key and its colon; of the value's start
	}
	var found []at
	for _, k := range keys {
		from := 0
		for {
			i := strings.Index(lower[from:], k+":")
			if i < 0 {
				break
			}
			i += from
			if i == 0 || lower[i-1] == ' ' {
				found = append(found, at{k, i, i + len(k) + 1})
				break
			}
			from = i + 1
		}
	}
	// In the order they appear, each value ends where the next key starts.
	slices.SortFunc(found, func(a, b at) int { return a.start - b.start })
	for i, f := range found {
		end := len(text)
		if i+1 < len(found) {
			end = found[i+1].start
		}
		out[f.key] = strings.TrimSpace(text[f.end:end])
	}
	return out
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
