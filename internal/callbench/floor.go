package callbench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// FloorResult is what the floor took.
type FloorResult struct {
	Start time.Time
	// CPU is the bench process's processor time over the floor: the
	// callers' and the desk's side together, since both run here.
	CPU time.Duration
}

// Floor makes each call's four requests (search, identities, ticket,
// journal) against the desk from cfg.Senders workers with plain net/http,
// nothing stored and nothing queued: the most calls per second this
// machine completes against this desk, the floor under the service's
// figures. It returns once every call's journal was answered.
func Floor(ctx context.Context, desk *Desk, cfg LoadConfig) (FloorResult, error) {
	client := newClient(cfg.Senders)
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("bench@bench.test/token:bench"))
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0 := processCPU()
	res := FloorResult{Start: time.Now()}
	for range cfg.Senders {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= cfg.Calls {
					return
				}
				f := floorCall{ctx: ctx, client: client, base: desk.URL, auth: auth, key: fmt.Sprintf("b-%s-%d", cfg.Run, i)}
				if err := f.run(i); err != nil {
					cancel(fmt.Errorf("floor call #%d: %w", i, err))
				}
			}
		})
	}
	wg.Wait()
	res.CPU = processCPU() - cpu0
	return res, context.Cause(ctx)
}

// floorCall is one call of the floor: the requests the template sends,
// with its headers, decoding the answers the template reads.
type floorCall struct {
	ctx    context.Context
	client *http.Client
	base   string
	auth   string
	key    string // the Idempotency-Key prefix, as the service sends one
}

func (f *floorCall) run(i int) error {
	number := Number(i)
	var found struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	q := url.QueryEscape("role:end-user phone:*" + strings.TrimPrefix(number, "+"))
	if err := f.do("GET", "/api/v2/search.json?query="+q, "", &found); err != nil {
		return err
	}
	if len(found.Results) != 1 {
		return fmt.Errorf("search found %d contacts", len(found.Results))
	}
	contact := found.Results[0].ID
	var identities struct {
		Identities []struct{ Type, Value string } `json:"identities"`
	}
	if err := f.do("GET", "/api/v2/users/"+strconv.FormatInt(contact, 10)+"/identities.json", "", &identities); err != nil {
		return err
	}
	var ticket struct {
		Ticket struct {
			ID int64 `json:"id"`
		} `json:"ticket"`
	}
	body := fmt.Sprintf(`{"ticket":{"subject":"call %s","comment":{"body":"Inbound call Answered\nFrom: %s\nTo: 1001","public":false},"requester_id":%d,"tags":["switchboard","phone_call"]}}`,
		number, number, contact)
	if err := f.do("POST", "/api/v2/tickets.json", body, &ticket); err != nil {
		return err
	}
	body = fmt.Sprintf(`{"ticket":{"comment":{"body":"Inbound call Answered\nFrom: %s\nTo: 1001","public":false}}}`, number)
	return f.do("PUT", "/api/v2/tickets/"+strconv.FormatInt(ticket.Ticket.ID, 10)+".json", body, &struct{}{})
}

func (f *floorCall) do(method, path, body string, into any) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(f.ctx, method, f.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", f.auth)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if method != "GET" {
		req.Header.Set("Idempotency-Key", f.key+":"+method+path)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	return json.Unmarshal(b, into)
}

// processCPU is this process's processor time so far, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
