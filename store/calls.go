package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard/switchboard/internal/groupcommit"
)

// Run statuses.
const (
	RunPending   = "pending"
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"
	RunSkipped   = "skipped"
)

// Run is one step of a call for one integration.
type Run struct {
	ID            string
	CallID        string
	IntegrationID string
	Step          string // lookup, createContact, createTicket, updateTicket, journal
	Scenario      string
	Status        string
	Attempts      int
	LastError     string // the last failure; for a skipped run, why it was skipped
	Trace         []byte // JSON, masked
	Outputs       map[string]string
	JobID         int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// RunFilter selects runs.
type RunFilter struct {
	Status string // empty: any
	CallID string
	Limit  int // default 100
}

// GroupContact is one contact of the local contact group, under one of
// its numbers.
type GroupContact struct {
	IntegrationID string
	ContactType   string
	ContactID     string
	NumberKey     string // the number's digits
	Data          []byte // JSON of the contact
}

// CallStore keeps calls and what was done for them.
type CallStore interface {
	// UpdateCall changes a call's data under a lock: f gets the stored JSON
	// (nil for a new call) and returns the new one.
	// A call's data is JSON whose keys "extension", "state" and
	// "external"."number" are copied to columns ListCalls filters on.
	UpdateCall(ctx context.Context, id string, f func(data []byte) ([]byte, error)) ([]byte, error)
	GetCall(ctx context.Context, id string) ([]byte, error)
	// ListCalls lists calls newest first, each with what its
	// integrations learned and the count of its runs by status.
	ListCalls(ctx context.Context, f CallFilter) ([]*CallSummary, error)
	// UpdateCallLink changes what an integration learned about a call.
	UpdateCallLink(ctx context.Context, callID, integrationID string, f func(map[string]string)) (map[string]string, error)
	CallLinks(ctx context.Context, callID string) (map[string]map[string]string, error)
	// CallWork takes the work's lease when lease is set, then reads what a
	// call's work for one integration needs before its steps, in one round
	// trip where the database allows; ErrNotFound when the call is not
	// stored. When the lease is not taken, only Leased (false) is set.
	CallWork(ctx context.Context, callID, integrationID string, lease *WorkLease) (*CallWork, error)
	// CallBindings returns the integrations that take an extension's
	// calls, with the helpdesk user bound to it, in one query.
	CallBindings(ctx context.Context, extension string) ([]CallBinding, error)

	// GetRunByStep returns the run of a step, ErrNotFound if none yet.
	GetRunByStep(ctx context.Context, callID, integrationID, step string) (*Run, error)
	// SaveRun inserts or updates a run (by call, integration and step).
	SaveRun(ctx context.Context, r *Run) error
	// SaveStepResult saves a run, what its step learned about the call
	// (merged into the integration's link) and the contacts it found, in
	// one transaction.
	SaveStepResult(ctx context.Context, r StepResult) (map[string]string, error)
	GetRun(ctx context.Context, id string) (*Run, error)
	ListRuns(ctx context.Context, f RunFilter) ([]*Run, error)

	// PutGroupContacts adds or refreshes contacts of the local group.
	PutGroupContacts(ctx context.Context, contacts []GroupContact) error
	// FindGroupContacts returns the contacts of an integration under a
	// number key.
	FindGroupContacts(ctx context.Context, integrationID, numberKey string) ([]GroupContact, error)

	// CallCounts counts the period's calls hour by hour, its failed runs
	// and the runs waiting now, for an overview.
	CallCounts(ctx context.Context, p Hours) (CallCounts, error)
}

func (s *sqlStore) UpdateCall(ctx context.Context, id string, f func([]byte) ([]byte, error)) ([]byte, error) {
	var out []byte
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = updateCall(ctx, sqlTx{tx, s}, id, f)
		return err
	})
	return out, err
}

// updateCall is UpdateCall in a transaction the caller commits.
func updateCall(ctx context.Context, tx dbtx, id string, f func([]byte) ([]byte, error)) ([]byte, error) {
	// The row exists (empty for a new call) before it is locked, so
	// concurrent first updates of one call queue on the same row lock
	// instead of racing to insert it.
	now := ms(time.Now())
	if _, err := tx.exec(ctx, "INSERT INTO calls (id, data, created_at, updated_at) VALUES (?, '', ?, ?) ON CONFLICT (id) DO NOTHING", id, now, now); err != nil {
		return nil, err
	}
	var raw string
	if err := tx.queryRow(ctx, "SELECT data FROM calls WHERE id = ?"+forUpdate(tx), id).Scan(&raw); err != nil {
		return nil, err
	}
	var data []byte
	if raw != "" {
		data = []byte(raw)
	}
	out, err := f(data)
	if err != nil {
		return nil, err
	}
	return out, putCall(ctx, tx, id, out, now)
}

// putCall writes a call's data, copying its indexed keys to their columns.
func putCall(ctx context.Context, tx dbtx, id string, data []byte, now int64) error {
	st := callPut(id, data, now)
	_, err := tx.exec(ctx, st.query, st.args...)
	return err
}

// callPut writes a call's data and its indexed columns.
func callPut(id string, data []byte, now int64) stmt {
	ix := indexOf(data)
	return stmt{"UPDATE calls SET data = ?, updated_at = ?, extension = ?, number = ?, number_key = ?, state = ? WHERE id = ?",
		[]any{string(data), now, ix.Extension, ix.External.Number, digits(ix.External.Number), ix.State, id}}
}

func (s *sqlStore) GetCall(ctx context.Context, id string) ([]byte, error) {
	var raw string
	err := s.rdb.QueryRowContext(ctx, s.q("SELECT data FROM calls WHERE id = ? AND data <> ''"), id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return []byte(raw), err
}

func (s *sqlStore) UpdateCallLink(ctx context.Context, callID, integrationID string, f func(map[string]string)) (map[string]string, error) {
	var out map[string]string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = updateCallLink(ctx, sqlTx{tx, s}, callID, integrationID, f)
		return err
	})
	return out, err
}

// mergeCallLink adds learned to what an integration learned about a call
// and returns the result, in one statement: the database merges the JSON
// objects (json_patch on SQLite, jsonb's || on PostgreSQL), so a step's
// result needs no read of the link first.
func (s *sqlStore) mergeCallLink(ctx context.Context, tx dbtx, callID, integrationID string, learned map[string]string) (map[string]string, error) {
	st := s.linkMerge(callID, integrationID, learned)
	var raw string
	if err := tx.queryRow(ctx, st.query, st.args...).Scan(&raw); err != nil {
		return nil, err
	}
	return decodeLink(raw)
}

// linkMerge adds learned to a call's link and returns the link's data.
func (s *sqlStore) linkMerge(callID, integrationID string, learned map[string]string) stmt {
	merge := "json_patch(call_links.data, excluded.data)"
	if s.d.numbered {
		merge = "(call_links.data::jsonb || excluded.data::jsonb)::text"
	}
	return stmt{"INSERT INTO call_links (call_id, integration_id, data, updated_at) VALUES (?, ?, ?, ?) " +
		"ON CONFLICT (call_id, integration_id) DO UPDATE SET data = " + merge + ", updated_at = excluded.updated_at RETURNING data",
		[]any{callID, integrationID, marshalMap(learned), ms(time.Now())}}
}

func decodeLink(raw string) (map[string]string, error) {
	vars := map[string]string{}
	return vars, json.Unmarshal([]byte(raw), &vars)
}

// updateCallLink is UpdateCallLink in a transaction the caller commits.
func updateCallLink(ctx context.Context, tx dbtx, callID, integrationID string, f func(map[string]string)) (map[string]string, error) {
	now := ms(time.Now())
	if _, err := tx.exec(ctx, "INSERT INTO call_links (call_id, integration_id, data, updated_at) VALUES (?, ?, '{}', ?) ON CONFLICT (call_id, integration_id) DO NOTHING",
		callID, integrationID, now); err != nil {
		return nil, err
	}
	var raw string
	if err := tx.queryRow(ctx, "SELECT data FROM call_links WHERE call_id = ? AND integration_id = ?"+forUpdate(tx), callID, integrationID).Scan(&raw); err != nil {
		return nil, err
	}
	vars := map[string]string{}
	if err := json.Unmarshal([]byte(raw), &vars); err != nil {
		return nil, err
	}
	f(vars)
	if _, err := tx.exec(ctx, "UPDATE call_links SET data = ?, updated_at = ? WHERE call_id = ? AND integration_id = ?",
		marshalMap(vars), now, callID, integrationID); err != nil {
		return nil, err
	}
	return vars, nil
}

func (s *sqlStore) CallLinks(ctx context.Context, callID string) (map[string]map[string]string, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q("SELECT integration_id, data FROM call_links WHERE call_id = ?"), callID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, err
		}
		out[id] = m
	}
	return out, rows.Err()
}

const runCols = "id, call_id, integration_id, step, scenario, status, attempts, last_error, trace, outputs, job_id, created_at, updated_at"

func scanRun(row interface{ Scan(...any) error }) (*Run, error) {
	var r Run
	var trace, outputs string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.CallID, &r.IntegrationID, &r.Step, &r.Scenario, &r.Status, &r.Attempts, &r.LastError, &trace, &outputs, &r.JobID, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	r.Trace, r.CreatedAt, r.UpdatedAt = []byte(trace), fromMS(created), fromMS(updated)
	if err := json.Unmarshal([]byte(outputs), &r.Outputs); err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *sqlStore) GetRunByStep(ctx context.Context, callID, integrationID, step string) (*Run, error) {
	return scanRun(s.db.QueryRowContext(ctx, s.q("SELECT "+runCols+" FROM runs WHERE call_id = ? AND integration_id = ? AND step = ?"), callID, integrationID, step))
}

func (s *sqlStore) GetRun(ctx context.Context, id string) (*Run, error) {
	return scanRun(s.db.QueryRowContext(ctx, s.q("SELECT "+runCols+" FROM runs WHERE id = ?"), id))
}

func (s *sqlStore) SaveRun(ctx context.Context, r *Run) error {
	return saveRun(ctx, sqlTx{s.db, s}, r)
}

// StepResult is how a step of a call ended, with what it learned.
type StepResult struct {
	Run *Run
	// Learned is merged into what the run's integration learned about the
	// call (its link).
	Learned map[string]string
	// Contacts are added to the local contact group.
	Contacts []GroupContact
}

// SaveStepResult saves a step's run, what it learned and the contacts it
// found in one transaction: a run read as succeeded has its outputs in the
// link. It returns the link as stored (nil when nothing was learned).
// The results of steps ending at the same time are saved together, one
// transaction for many (see stepWriter), each still stored before its
// caller goes on.
func (s *sqlStore) SaveStepResult(ctx context.Context, r StepResult) (map[string]string, error) {
	w := &stepSave{r: r}
	if err := s.steps.Do(ctx, w); err != nil {
		return nil, err
	}
	return w.link, nil
}

// saveStepsBatched saves a group of step results on PostgreSQL in one
// transaction and one round trip (a pgx batch): with its statements sent
// one after the other, a group's time went to the network, not the work.
func (s *sqlStore) saveStepsBatched(ctx context.Context, group []*stepSave) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // nothing after a commit
	b := &pgx.Batch{}
	queue := func(st stmt) *pgx.QueuedQuery { return b.Queue(s.q(st.query), st.args...) }
	now := ms(time.Now())
	for _, w := range group {
		w.link = nil
		r := w.r
		if len(r.Learned) > 0 {
			queue(s.linkMerge(r.Run.CallID, r.Run.IntegrationID, r.Learned)).QueryRow(func(row pgx.Row) error {
				var raw string
				if err := row.Scan(&raw); err != nil {
					return err
				}
				w.link, err = decodeLink(raw)
				return err
			})
		}
		for _, c := range r.Contacts {
			queue(groupContactUpsert(c, now))
		}
		queue(runUpsert(r.Run))
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// stepSave is a step's result waiting for its group's commit.
type stepSave struct {
	r    StepResult
	link map[string]string
}

// stepWriter saves step results in groups: a call's work saves each step's
// result before its next step, and with many calls' work running at once
// their results come together; one commit for many is the difference
// between a few hundred and a few thousand steps a second. PostgreSQL
// commits a few groups at once (their rows are each job's own).
func (s *sqlStore) stepWriter() *groupcommit.Committer[*stepSave] {
	parallel := 1
	if s.d.numbered {
		parallel = 4
	}
	return groupcommit.New(groupcommit.Config[*stepSave]{
		Parallel: parallel,
		Commit: func(ctx context.Context, group []*stepSave) error {
			if s.pool != nil {
				return s.saveStepsBatched(ctx, group)
			}
			return s.inTx(ctx, func(tx *sql.Tx) error {
				db := sqlTx{tx, s}
				for _, w := range group {
					w.link = nil
					r := w.r
					if len(r.Learned) > 0 {
						var err error
						if w.link, err = s.mergeCallLink(ctx, db, r.Run.CallID, r.Run.IntegrationID, r.Learned); err != nil {
							return err
						}
					}
					if err := putGroupContacts(ctx, db, r.Contacts); err != nil {
						return err
					}
					if err := saveRun(ctx, db, r.Run); err != nil {
						return err
					}
				}
				return nil
			})
		},
	})
}

func saveRun(ctx context.Context, tx dbtx, r *Run) error {
	st := runUpsert(r)
	_, err := tx.exec(ctx, st.query, st.args...)
	return err
}

// runUpsert inserts or updates a run.
func runUpsert(r *Run) stmt {
	trace := string(r.Trace)
	if trace == "" {
		trace = "[]"
	}
	return stmt{"INSERT INTO runs (" + runCols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) " +
		"ON CONFLICT (call_id, integration_id, step) DO UPDATE SET scenario = excluded.scenario, status = excluded.status, attempts = excluded.attempts, " +
		"last_error = excluded.last_error, trace = excluded.trace, outputs = excluded.outputs, job_id = excluded.job_id, updated_at = excluded.updated_at",
		[]any{r.ID, r.CallID, r.IntegrationID, r.Step, r.Scenario, r.Status, r.Attempts, r.LastError, trace, marshalMap(r.Outputs), r.JobID, ms(r.CreatedAt), ms(r.UpdatedAt)}}
}

func (s *sqlStore) ListRuns(ctx context.Context, f RunFilter) ([]*Run, error) {
	q := "SELECT " + runCols + " FROM runs WHERE 1 = 1"
	var args []any
	if f.Status != "" {
		q += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.CallID != "" {
		q += " AND call_id = ?"
		args = append(args, f.CallID)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q += " ORDER BY created_at, id LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.rdb.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *sqlStore) PutGroupContacts(ctx context.Context, contacts []GroupContact) error {
	if len(contacts) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return putGroupContacts(ctx, sqlTx{tx, s}, contacts) })
}

func putGroupContacts(ctx context.Context, tx dbtx, contacts []GroupContact) error {
	now := ms(time.Now())
	for _, c := range contacts {
		st := groupContactUpsert(c, now)
		if _, err := tx.exec(ctx, st.query, st.args...); err != nil {
			return err
		}
	}
	return nil
}

// groupContactUpsert adds or refreshes a contact of the local group.
func groupContactUpsert(c GroupContact, now int64) stmt {
	return stmt{"INSERT INTO group_contacts (integration_id, contact_type, contact_id, number_key, data, updated_at) VALUES (?, ?, ?, ?, ?, ?) " +
		"ON CONFLICT (integration_id, contact_type, contact_id, number_key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
		[]any{c.IntegrationID, c.ContactType, c.ContactID, c.NumberKey, string(c.Data), now}}
}

func (s *sqlStore) FindGroupContacts(ctx context.Context, integrationID, numberKey string) ([]GroupContact, error) {
	return scanGroupContacts(s.rdb.QueryContext(ctx, s.q("SELECT "+groupContactCols+" FROM group_contacts WHERE integration_id = ? AND number_key = ?"), integrationID, numberKey))
}

const groupContactCols = "integration_id, contact_type, contact_id, number_key, data"

// rowScanner is what database/sql's and pgx's rows have in common.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

func scanGroupContacts(rows *sql.Rows, err error) ([]GroupContact, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanGroupContactRows(rows)
}

// scanGroupContactRows reads group contacts sorted by type and id: here,
// not by the query, since SQLite answered ORDER BY contact_type,
// contact_id by walking the primary key over every contact of the
// integration instead of using the number's index.
func scanGroupContactRows(rows rowScanner) ([]GroupContact, error) {
	var out []GroupContact
	for rows.Next() {
		var c GroupContact
		var data string
		if err := rows.Scan(&c.IntegrationID, &c.ContactType, &c.ContactID, &c.NumberKey, &data); err != nil {
			return nil, err
		}
		c.Data = []byte(data)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b GroupContact) int {
		return cmp.Or(cmp.Compare(a.ContactType, b.ContactType), cmp.Compare(a.ContactID, b.ContactID))
	})
	return out, nil
}

// forUpdate locks selected rows until the transaction ends. SQLite needs
// none: its write transactions (BEGIN IMMEDIATE) already exclude each other.
func (s *sqlStore) forUpdate() string {
	if s.d.numbered {
		return " FOR UPDATE"
	}
	return ""
}

// forUpdate is sqlStore.forUpdate for a transaction.
func forUpdate(tx dbtx) string {
	switch t := tx.(type) {
	case sqlTx:
		return t.s.forUpdate()
	case pgxTx:
		return t.s.forUpdate()
	}
	return ""
}

// CallFilter selects calls.
type CallFilter struct {
	Extension string // empty: any
	// Number matches calls whose external number holds its digits (or,
	// when it has none, its text).
	Number        string
	State         string // empty: any
	Limit, Offset int    // Limit default 100
}

// CallSummary is one call of a list.
type CallSummary struct {
	ID                   string
	Data                 []byte // the call's JSON
	CreatedAt, UpdatedAt time.Time
	Links                map[string]map[string]string // by integration, as CallLinks
	Steps                map[string]int               // runs by status
}

// callIndex is what UpdateCall copies from a call's JSON to its columns.
type callIndex struct {
	Extension string `json:"extension"`
	State     string `json:"state"`
	External  struct {
		Number string `json:"number"`
	} `json:"external"`
}

// indexOf reads the indexed keys of a call's JSON; data that is not a
// JSON object indexes as empty.
func indexOf(data []byte) callIndex {
	var ix callIndex
	_ = json.Unmarshal(data, &ix)
	return ix
}

// digits keeps the digits of a number.
func digits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// likeEscape escapes LIKE's wildcards (the escape character is \).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s *sqlStore) ListCalls(ctx context.Context, f CallFilter) ([]*CallSummary, error) {
	q := "SELECT id, data, created_at, updated_at FROM calls WHERE data <> ''"
	var args []any
	if f.Extension != "" {
		q += " AND extension = ?"
		args = append(args, f.Extension)
	}
	if n := strings.TrimSpace(f.Number); n != "" {
		if d := digits(n); d != "" {
			q += ` AND number_key LIKE ? ESCAPE '\'`
			args = append(args, "%"+d+"%")
		} else {
			// lower() on both sides: SQLite's LIKE ignores case, and
			// PostgreSQL's does not.
			q += ` AND lower(number) LIKE ? ESCAPE '\'`
			args = append(args, "%"+likeEscape(strings.ToLower(n))+"%")
		}
	}
	if f.State != "" {
		q += " AND state = ?"
		args = append(args, f.State)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
	args = append(args, f.Limit, max(f.Offset, 0))
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*CallSummary{}
	byID := map[string]*CallSummary{}
	for rows.Next() {
		var c CallSummary
		var data string
		var created, updated int64
		if err := rows.Scan(&c.ID, &data, &created, &updated); err != nil {
			return nil, err
		}
		c.Data, c.CreatedAt, c.UpdatedAt = []byte(data), fromMS(created), fromMS(updated)
		c.Links, c.Steps = map[string]map[string]string{}, map[string]int{}
		out = append(out, &c)
		byID[c.ID] = &c
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	return out, s.callExtras(ctx, byID)
}

// callExtras adds the links and run counts of the listed calls.
func (s *sqlStore) callExtras(ctx context.Context, byID map[string]*CallSummary) error {
	ids := make([]any, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")"
	rows, err := s.db.QueryContext(ctx, s.q("SELECT call_id, integration_id, data FROM call_links WHERE call_id IN "+in), ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var callID, integration, raw string
		if err := rows.Scan(&callID, &integration, &raw); err != nil {
			return err
		}
		m := map[string]string{}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return err
		}
		byID[callID].Links[integration] = m
	}
	if err := rows.Err(); err != nil {
		return err
	}
	counts, err := s.db.QueryContext(ctx, s.q("SELECT call_id, status, COUNT(*) FROM runs WHERE call_id IN "+in+" GROUP BY call_id, status"), ids...)
	if err != nil {
		return err
	}
	defer counts.Close()
	for counts.Next() {
		var callID, status string
		var n int
		if err := counts.Scan(&callID, &status, &n); err != nil {
			return err
		}
		byID[callID].Steps[status] = n
	}
	return counts.Err()
}
