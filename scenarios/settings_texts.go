package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// Texts are the subject and description an admin wrote in the settings,
// compiled once when the settings are saved and kept with the integration:
// a step renders them, it never compiles them. A nil Text means the
// scenario's own default renders instead.
type Texts struct {
	TicketSubject, TicketDescription   *engine.Text
	JournalSubject, JournalDescription *engine.Text
	ChatSubject, ChatDescription       *engine.Text
}

// CompileTexts compiles the settings' subjects and descriptions with the
// template functions in the PBX's time zone.
func CompileTexts(st Settings, loc *time.Location) (Texts, error) {
	var out Texts
	var err error
	compile := func(where, src string) *engine.Text {
		if err != nil || strings.TrimSpace(src) == "" {
			return nil
		}
		t, cerr := engine.CompileText(src, engine.FuncMap(loc))
		if cerr != nil {
			err = fmt.Errorf("the settings' %s: %w", where, cerr)
		}
		return t
	}
	if tk := st.Ticket; tk != nil {
		out.TicketSubject = compile("ticket.subject", tk.Subject)
		out.TicketDescription = compile("ticket.description", tk.Description)
	}
	if cj := st.CallJournal; cj != nil {
		out.JournalSubject = compile("callJournal.subject", cj.Subject)
		out.JournalDescription = compile("callJournal.description", cj.Description)
	}
	if cj := st.ChatJournal; cj != nil {
		out.ChatSubject = compile("chatJournal.subject", cj.Subject)
		out.ChatDescription = compile("chatJournal.description", cj.Description)
	}
	return out, err
}

// ForStep returns the subject and description of a step: the ticket's for
// the ticket steps, the journal's for the journal, none for the others.
func (t Texts) ForStep(step string) (subject, description *engine.Text) {
	switch step {
	case StepCreateTicket, StepUpdateTicket:
		return t.TicketSubject, t.TicketDescription
	case StepJournal:
		return t.JournalSubject, t.JournalDescription
	}
	return nil, nil
}
