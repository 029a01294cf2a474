package store

import (
	"context"
	"encoding/json"
	"slices"
)

// CallBinding is an integration that works on an extension's calls, with
// the helpdesk user bound to the extension there (the call's CrmId).
type CallBinding struct {
	IntegrationID string
	UserID        string
}

// CallBindings returns, in one query, the integrations that take calls —
// connected, or failed after having been connected (their calls wait in the
// queue until the credentials are fixed) — with a helpdesk user bound to
// the extension. When several users of one integration are bound to it,
// the last by user id is the one.
func (s *sqlStore) CallBindings(ctx context.Context, extension string) ([]CallBinding, error) {
	return callBindings(ctx, sqlTx{s.rdb, s}, s.pool != nil, extension)
}

// Which rows CallBindings reads, by the SQL function finding a substring:
// instr on SQLite, strpos on PostgreSQL.
const (
	callBindingsSQLite   = callBindingsSelect + `instr(h.extensions, ?) > 0` + callBindingsOrder
	callBindingsPostgres = callBindingsSelect + `strpos(h.extensions, ?) > 0` + callBindingsOrder
	callBindingsSelect   = `SELECT h.integration_id, h.user_id, h.extensions FROM helpdesk_users h ` +
		`JOIN integrations i ON i.id = h.integration_id ` +
		`WHERE (i.status = ? OR (i.status = ? AND i.connected_at <> 0)) AND `
	callBindingsOrder = ` ORDER BY h.integration_id, h.user_id`
)

func callBindings(ctx context.Context, tx dbtx, pg bool, extension string) ([]CallBinding, error) {
	// The extensions are a JSON array of strings: the quoted extension as
	// a substring narrows the rows, the decoded array decides. Not LIKE:
	// SQLite prepares a statement again each time a LIKE pattern is bound
	// anew, since the pattern may change its plan.
	quoted, _ := json.Marshal(extension) // a string always marshals
	query := callBindingsSQLite
	if pg {
		query = callBindingsPostgres
	}
	rows, err := tx.query(ctx, query, StatusConnected, StatusFailed, string(quoted))
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
