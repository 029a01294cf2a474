package engine

import (
	"fmt"
	"strings"
	"testing"
)

// benchContacts is a contact search answer with n contacts, as Zendesk
// gives it; every third contact has no "url" and no "notes", the shape
// where rows must stay with their own element.
func benchContacts(n int) string {
	var b strings.Builder
	b.WriteString(`{"results":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"Contact %d","email":"c%d@acme.test","phone":"+1415555%04d","created_at":"2025-01-02T10:00:00Z","role":"end-user","tags":["vip"],"user_fields":{"plan":"gold"}`, 1000+i, i, i, i)
		if i%3 != 0 {
			fmt.Fprintf(&b, `,"url":"https://acme.zendesk.com/agent/users/%d","notes":"VIP"`, 1000+i)
		}
		b.WriteByte('}')
	}
	b.WriteString(`],"next_page":null,"count":` + fmt.Sprint(n) + `}`)
	return b.String()
}

// BenchmarkExtractRows reads a lookup answer's outputs into rows: one
// contact (the usual answer) and twenty (a busy number), with the
// screen-pop URL read alongside the template's outputs.
func BenchmarkExtractRows(b *testing.B) {
	outs := []Output{{Name: "ContactsId", Path: "results.#.id"}, {Name: "FirstName", Path: "results.#.name"},
		{Name: "Email", Path: "results.#.email"}, {Name: "BusinessNumber", Path: "results.#.phone"},
		{Name: "Notes", Path: "results.#.notes"}, {Name: "__ContactUrl", Path: "results.#.url"}, {Name: "Count", Path: "count"}}
	for _, n := range []int{1, 20} {
		body := benchContacts(n)
		b.Run(fmt.Sprintf("contacts=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				rows, err := extractRows(body, outs)
				if err != nil || len(rows) != n {
					b.Fatal(err, len(rows))
				}
			}
		})
	}
}
