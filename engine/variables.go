package engine

// Variables lists the variables a template string reads at its top level
// ({{.Name}}), for callers that reason about what a request needs: a
// journal whose URL reads TicketId needs a ticket.
func (t *Text) Variables() []string { return t.fields() }
