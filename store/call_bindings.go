package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
)

// CallBinding is an integration that works on an extension's calls, with
// the helpdesk user bound to the extension there (the call's CrmId).
type CallBinding struct {
	IntegrationID string
	UserID        string
}

// likeEscaper escapes the LIKE wildcards of a value matched literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// CallBindings returns, in one query, the integrations that take calls —
// connected, or failed after having been connected (their calls wait in the
// queue until the credentials are fixed) — with a helpdesk user bound to
// the extension. When several users of one integration are bound to it,
// the last by user id is the one.
func (s *sqlStore) CallBindings(ctx context.Context, extension string) ([]CallBinding, error) {
	return callBindings(ctx, sqlTx{s.rdb, s}, extension)
}

func callBindings(ctx context.Context, tx dbtx, extension string) ([]CallBinding, error) {
	// The extensions are a JSON array of strings: LIKE narrows the rows,
	// the decoded array decides.
	quoted, _ := json.Marshal(extension) // a string always marshals
	rows, err := tx.query(ctx, `SELECT h.integration_id, h.user_id, h.extensions FROM helpdesk_users h `+
		`JOIN integrations i ON i.id = h.integration_id `+
		`WHERE (i.status = ? OR (i.status = ? AND i.connected_at <> 0)) AND h.extensions LIKE ? ESCAPE '\' `+
		`ORDER BY h.integration_id, h.user_id`,
		StatusConnected, StatusFailed, "%"+likeEscaper.Replace(string(quoted))+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CallBinding
	for rows.Next() {
		var b CallBinding
		var exts string
		if err := rows.Scan(&b.IntegrationID, &b.UserID, &exts); err != nil {
			return nil, err
		}
		var list []string
		if err := json.Unmarshal([]byte(exts), &list); err != nil {
			return nil, err
		}
		if !slices.Contains(list, extension) {
			continue
		}
		if n := len(out); n > 0 && out[n-1].IntegrationID == b.IntegrationID {
			out[n-1] = b
			continue
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
