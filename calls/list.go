package calls

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// Viewer is who lists calls: an admin sees every call, an agent only the
// calls of their own extension.
type Viewer struct {
	Admin     bool
	Extension string
}

// States are the states a call can be in, in order.
var States = []string{scenarios.EventRinging, scenarios.EventAnswered, scenarios.EventHangup}

// Summary is one call of a list: the call, the contact found, the ticket
// and how its steps stand.
type Summary struct {
	Call      *scenarios.Call
	CreatedAt time.Time
	UpdatedAt time.Time
	// Contact is the first contact an integration found or made for the
	// call (by integration id); nil when none did.
	Contact *FoundContact
	// TicketURL and TicketID are the first ticket made for the call.
	TicketID, TicketURL string
	Steps               map[string]int // runs by status
}

// FoundContact is the contact an integration found for a call.
type FoundContact struct {
	IntegrationID, ID, Name, URL string
}

// ListCalls lists the calls a viewer may see, newest first. An agent's
// list is always of their own extension, whatever extension the filter
// names; an agent bound to no extension sees none. An unknown state is
// an *InvalidError.
func (s *Service) ListCalls(ctx context.Context, v Viewer, f store.CallFilter) ([]Summary, error) {
	if f.State != "" && !slices.Contains(States, f.State) {
		return nil, invalid("state %q is not one of %s", f.State, strings.Join(States, ", "))
	}
	if !v.Admin {
		if v.Extension == "" {
			return []Summary{}, nil
		}
		f.Extension = v.Extension
	}
	list, err := s.store.ListCalls(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(list))
	for _, c := range list {
		var call scenarios.Call
		if err := json.Unmarshal(c.Data, &call); err != nil {
			return nil, err
		}
		sum := Summary{Call: &call, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Steps: c.Steps}
		ids := make([]string, 0, len(c.Links))
		for id := range c.Links {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			l := c.Links[id]
			if sum.Contact == nil && (l["ContactId"] != "" || l["ContactUrl"] != "") {
				sum.Contact = &FoundContact{IntegrationID: id, ID: l["ContactId"], URL: l["ContactUrl"],
					Name: strings.TrimSpace(l["FirstName"] + " " + l["LastName"])}
			}
			if sum.TicketID == "" && l["TicketId"] != "" {
				sum.TicketID, sum.TicketURL = l["TicketId"], l["TicketUrl"]
			}
		}
		out = append(out, sum)
	}
	return out, nil
}
