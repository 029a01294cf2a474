package callbench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ServeConfig says how to start one switchboard serve.
type ServeConfig struct {
	Bin string // the switchboard binary
	// Dir holds the SQLite database (when Database is empty) and the
	// service's log, serve.log.
	Dir string
	// Database is a PostgreSQL URL (with its own search_path); empty:
	// SQLite in Dir.
	Database string
	// Pprof serves Go's profiles on a free port of 127.0.0.1 (PprofURL).
	Pprof bool
	// Token is the admin API token (SWITCHBOARD_ADMIN_TOKEN) and SecretKey
	// the key that seals secrets (SWITCHBOARD_SECRET_KEY, PostgreSQL
	// only); empty: fresh random ones. Replicas of one database must share
	// both: the key opens the integration's sealed API token, and the
	// senders use one token for every replica.
	Token, SecretKey string
	// JobWorkers is serve's --job-workers (jobs one replica runs at once);
	// 0: the service's default.
	JobWorkers int
}

// Serve is one running `switchboard serve`.
type Serve struct {
	Addr     string // host:port of the API
	PprofURL string // …/debug/pprof/ when ServeConfig.Pprof
	token    string
	cmd      *exec.Cmd
	logPath  string
	client   *http.Client
	exited   chan struct{} // closed when the process has ended
	waitErr  error         // its exit, once exited is closed
}

var (
	listeningLine = regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	profilesLine  = regexp.MustCompile(`^Profiles at (http://127\.0\.0\.1:\d+/debug/pprof/)$`)
)

// StartServe starts the binary on a free port of 127.0.0.1 with a fresh
// admin token and returns once it listens. The process is killed if ctx
// ends before Stop.
func StartServe(ctx context.Context, cfg ServeConfig) (*Serve, error) {
	if cfg.Token == "" {
		cfg.Token = "bench-" + randomHex(16)
	}
	if cfg.SecretKey == "" {
		cfg.SecretKey = randomHex(32)
	}
	s := &Serve{token: cfg.Token, logPath: filepath.Join(cfg.Dir, "serve.log"), exited: make(chan struct{}),
		client: &http.Client{Timeout: time.Minute}}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(cfg.Dir, "data")}
	env := append(os.Environ(), "SWITCHBOARD_ADMIN_TOKEN="+s.token)
	if cfg.Database != "" {
		args = append(args, "--database", cfg.Database)
		// Any key does; PostgreSQL replicas share it instead of a key file.
		env = append(env, "SWITCHBOARD_SECRET_KEY="+cfg.SecretKey)
	}
	if cfg.Pprof {
		args = append(args, "--pprof-addr", "127.0.0.1:0")
	}
	if cfg.JobWorkers > 0 {
		args = append(args, "--job-workers", strconv.Itoa(cfg.JobWorkers))
	}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child holds its own descriptor
	s.cmd = exec.CommandContext(ctx, cfg.Bin, args...)
	s.cmd.Env = env
	s.cmd.Stderr = logFile
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(out)
	for s.Addr == "" && sc.Scan() {
		if m := profilesLine.FindStringSubmatch(sc.Text()); m != nil {
			s.PprofURL = m[1]
		}
		if m := listeningLine.FindStringSubmatch(sc.Text()); m != nil {
			s.Addr = m[1]
		}
	}
	go func() {
		_, _ = io.Copy(io.Discard, out) // Wait closes the pipe: read it to the end first
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if s.Addr == "" {
		<-s.exited
		return nil, fmt.Errorf("serve did not start (%v); the end of its log:\n%s", s.waitErr, s.LogTail(15))
	}
	if cfg.Pprof && s.PprofURL == "" {
		s.Kill()
		return nil, errors.New("serve printed no profiles address before it listened")
	}
	return s, nil
}

// Exited is closed when the process has ended, for whatever reason.
func (s *Serve) Exited() <-chan struct{} { return s.exited }

// Stop asks the service to shut down (SIGTERM) and waits for it to end,
// killing it after wait; a shutdown that is not clean is an error.
func (s *Serve) Stop(wait time.Duration) error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-s.exited:
	case <-time.After(wait):
		s.Kill()
		return fmt.Errorf("serve did not stop within %s of SIGTERM; the end of its log:\n%s", wait, s.LogTail(15))
	}
	if s.waitErr != nil {
		return fmt.Errorf("serve ended with %v after SIGTERM; the end of its log:\n%s", s.waitErr, s.LogTail(15))
	}
	return nil
}

// Kill ends the process at once and waits for it; for the ways out of a
// failed run.
func (s *Serve) Kill() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// LogTail is the last n lines of the service's log (its stderr).
func (s *Serve) LogTail(n int) string {
	b, _ := os.ReadFile(s.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// LogContains says whether the service's log holds substr anywhere.
func (s *Serve) LogContains(substr string) bool {
	b, _ := os.ReadFile(s.logPath)
	return bytes.Contains(b, []byte(substr))
}

// API sends one admin request to the service and decodes its JSON answer.
func (s *Serve) API(method, path string, body any) (int, map[string]any, error) {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	status, answer, err := s.send(method, path, "application/json", b)
	if err != nil {
		return 0, nil, err
	}
	var m map[string]any
	_ = json.Unmarshal(answer, &m)
	return status, m, nil
}

// send sends one admin request with a body of the given type (none when
// body is nil) and returns the answer as it came.
func (s *Serve) send(method, path, contentType string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+s.Addr+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return resp.StatusCode, answer, err
}

// BuiltinZendesk is the id of the Zendesk template the service ships.
const BuiltinZendesk = "builtin_zendesk"

// Setup connects a Zendesk template (templateID: BuiltinZendesk, or a
// copy uploaded with UploadZendeskCopy) to the desk, binds extension 1001
// to the desk's agent and turns on an after-call ticket (subject "call
// <number>", which the desk knows the call by) and the call journal: the
// same steps as cmd/switchboard's kill test, so that each call is a lookup
// (search, identities), a ticket and a journal entry. It returns the
// integration's id.
func (s *Serve) Setup(deskURL, templateID string) (string, error) {
	steps := []struct {
		method, path string
		body         any
		want         int
	}{
		{"POST", "/api/v1/integrations", map[string]any{"templateId": templateID,
			"fields": map[string]string{"base_url": deskURL, "email": "bench@bench.test", "api_token": "bench"}}, 201},
		{"PUT", "/api/v1/extensions/1001", map[string]string{"email": deskAgentEmail}, 200},
		{"POST", "/api/v1/integrations/{id}/users/sync", nil, 200},
		{"POST", "/api/v1/integrations/{id}/users/autobind", nil, 200},
		{"PUT", "/api/v1/integrations/{id}/settings", map[string]any{
			"ticket":      map[string]any{"enabled": true, "when": "afterCall", "callTypes": []string{"inboundAnswered"}, "subject": "call {{.Phone}}"},
			"callJournal": map[string]any{"enabled": true}}, 200},
	}
	id := ""
	for _, st := range steps {
		path := strings.ReplaceAll(st.path, "{id}", id)
		status, answer, err := s.API(st.method, path, st.body)
		if err != nil {
			return "", fmt.Errorf("setup %s %s: %w", st.method, path, err)
		}
		if status != st.want {
			return "", fmt.Errorf("setup %s %s: %d, want %d: %v", st.method, path, status, st.want, answer)
		}
		if id == "" {
			id, _ = answer["id"].(string)
			if answer["status"] != "connected" {
				return "", fmt.Errorf("setup: the integration is %v, not connected: %v", answer["status"], answer["statusReason"])
			}
		}
	}
	return id, nil
}

// UploadZendeskCopy uploads the builtin Zendesk template again as a custom
// template, key callbench_zendesk, with MaxConcurrentRequest set to limit,
// and returns its id. The copy is the service's own download of the
// builtin, so that it sends exactly the builtin's requests: only the
// limit differs.
func (s *Serve) UploadZendeskCopy(limit int) (string, error) {
	status, xml, err := s.send("GET", "/api/v1/templates/"+BuiltinZendesk+"/xml", "", nil)
	if err != nil {
		return "", fmt.Errorf("downloading the builtin Zendesk template: %w", err)
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("downloading the builtin Zendesk template: %d: %s", status, xml)
	}
	cp, err := zendeskCopy(xml, limit)
	if err != nil {
		return "", err
	}
	status, answer, err := s.send("POST", "/api/v1/templates", "application/xml", cp)
	if err != nil {
		return "", fmt.Errorf("uploading the Zendesk copy: %w", err)
	}
	var created struct {
		ID string `json:"id"`
	}
	if status != http.StatusCreated || json.Unmarshal(answer, &created) != nil || created.ID == "" {
		return "", fmt.Errorf("uploading the Zendesk copy: %d, want 201: %s", status, answer)
	}
	return created.ID, nil
}

var (
	informationTag = regexp.MustCompile(`<Information\s[^>]*>`)
	keyAttr        = regexp.MustCompile(`\sKey="[^"]*"`)
	nameAttr       = regexp.MustCompile(`\sName="[^"]*"`)
	limitAttr      = regexp.MustCompile(`\sMaxConcurrentRequest="[^"]*"`)
)

// zendeskCopy rewrites the attributes of a template's Information element:
// its own Key and Name (a custom template may not take a builtin's key),
// and MaxConcurrentRequest.
func zendeskCopy(xml []byte, limit int) ([]byte, error) {
	loc := informationTag.FindIndex(xml)
	if loc == nil {
		return nil, errors.New("the Zendesk template has no <Information> element")
	}
	info := xml[loc[0]:loc[1]]
	for _, attr := range []*regexp.Regexp{keyAttr, nameAttr, limitAttr} {
		if n := len(attr.FindAll(info, -1)); n != 1 {
			return nil, fmt.Errorf("the Zendesk template's <Information> has %d attributes matching %s, want 1", n, attr)
		}
	}
	info = keyAttr.ReplaceAll(info, []byte(` Key="callbench_zendesk"`))
	info = nameAttr.ReplaceAll(info, []byte(fmt.Sprintf(` Name="Zendesk (callbench, at most %d in flight)"`, limit)))
	info = limitAttr.ReplaceAll(info, []byte(fmt.Sprintf(` MaxConcurrentRequest="%d"`, limit)))
	out := append([]byte{}, xml[:loc[0]]...)
	out = append(out, info...)
	return append(out, xml[loc[1]:]...), nil
}

// CheckIntegration says whether this service sees integration id,
// connected, of template templateID: a replica started on a database
// another one set up must work its calls.
func (s *Serve) CheckIntegration(id, templateID string) error {
	status, answer, err := s.API("GET", "/api/v1/integrations/"+id, nil)
	if err != nil {
		return fmt.Errorf("reading integration %s: %w", id, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("integration %s: %d, want 200: %v", id, status, answer)
	}
	if answer["status"] != "connected" || answer["templateId"] != templateID {
		return fmt.Errorf("integration %s is %v of template %v, want connected of %s: %v", id, answer["status"], answer["templateId"], templateID, answer["statusReason"])
	}
	return nil
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat:
// 100 on every Linux architecture Go runs on.
const clockTicks = 100

// CPU is the processor time the process has used so far, user and system.
func (s *Serve) CPU() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

func parseStatCPU(stat string) (time.Duration, error) {
	// The command name (field 2) may hold spaces; the fields after its
	// closing parenthesis are state (3) … utime (14), stime (15).
	j := strings.LastIndexByte(stat, ')')
	if j < 0 {
		return 0, errors.New("/proc stat without a command name")
	}
	f := strings.Fields(stat[j+1:])
	if len(f) < 13 {
		return 0, errors.New("/proc stat too short")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// PeakRSS is the most resident memory the process has had (VmHWM), in bytes.
func (s *Serve) PeakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// CPUProfile fetches a CPU profile of the given length into path.
func (s *Serve) CPUProfile(ctx context.Context, seconds int, path string) error {
	return s.Profile(ctx, "profile?seconds="+strconv.Itoa(seconds), path)
}

// Profile saves the service's pprof profile name (with its query) into
// path.
func (s *Serve) Profile(ctx context.Context, name, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", s.PprofURL+name, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("CPU profile: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// describeCalls says what the service knows of calls a run is waiting
// for (their runs, statuses and last errors), for a run that timed out.
func (s *Serve) describeCalls(run string, calls []int) string {
	var b strings.Builder
	for _, i := range calls {
		id := CallID(run, i)
		status, body, err := s.send("GET", "/api/v1/calls/"+id, "", nil)
		switch {
		case err != nil:
			fmt.Fprintf(&b, "  %s: %v\n", id, err)
		case status != 200:
			fmt.Fprintf(&b, "  %s: HTTP %d %s\n", id, status, body)
		default:
			if len(body) > 3000 { // the runs' traces can be long; the head says what is stuck
				body = append(body[:3000:3000], "…"...)
			}
			fmt.Fprintf(&b, "  %s: %s\n", id, body)
		}
	}
	return b.String()
}
