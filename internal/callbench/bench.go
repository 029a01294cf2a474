package callbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// The systems a run measures, in the order they are interleaved.
const (
	SystemSQLite   = "sqlite"
	SystemPostgres = "postgres"
	SystemFloor    = "floor"
)

// Defaults of Config.
const (
	DefaultCalls          = 2000
	DefaultSenders        = 16
	DefaultRuns           = 1
	DefaultTimeout        = 10 * time.Minute
	DefaultProfileSeconds = 10
	stopWait              = time.Minute
)

// Config is one benchmark: every system, Runs times, interleaved.
type Config struct {
	// Bin is the switchboard binary; empty: built from this module
	// (go build ./cmd/switchboard) into a temporary directory.
	Bin      string
	Calls    int // N, one hangup event per call
	Senders  int // C, events (the floor: calls) in flight at once
	Runs     int // each system this many times, interleaved; the report gives medians
	Postgres string
	// DeskLatency is added to each of the helpdesk's answers.
	DeskLatency time.Duration
	// CPUProfile, when set, is where a CPU profile of the service on
	// SQLite is written, taken during the first run's load for
	// ProfileSeconds; the service on PostgreSQL is profiled into
	// CPUProfile with .postgres before the extension (cpu.postgres.pprof).
	// The allocations of that run's whole life go beside each, with
	// .allocs (cpu.allocs.pprof). In the scale-out mode, each count K's
	// first run profiles its first replica into CPUProfile with .kK
	// (cpu.k2.pprof).
	CPUProfile     string
	ProfileSeconds int
	// Dir is where each run's data directory is made (default: the
	// system's temporary directory). SQLite's figures depend on the disk
	// under it: a tmpfs makes its syncs free.
	Dir string
	// Timeout bounds one run, from its first event to its last journal.
	Timeout time.Duration
	// Log receives a line per run as it ends (nil: none).
	Log io.Writer

	// Replicas, for RunScale (the scale-out mode, PostgreSQL only), are
	// the replica counts to measure, each on a schema of its own.
	Replicas []int
	// MaxConcurrent is, for RunScale, the MaxConcurrentRequest of the copy
	// of the Zendesk template the replicas share (default
	// DefaultMaxConcurrent).
	MaxConcurrent int
	// JobWorkers is each service's --job-workers; 0: the service's
	// default. The scale-out mode needs one replica's workers, not the
	// shared limit, to bound its calls.
	JobWorkers int
}

// WithDefaults fills in the zero fields; N and C have defaults of their
// own in the scale-out mode (Replicas set).
func (c Config) WithDefaults() Config {
	calls, senders := DefaultCalls, DefaultSenders
	if len(c.Replicas) > 0 {
		calls, senders = DefaultScaleCalls, DefaultScaleSenders
		if c.MaxConcurrent == 0 {
			c.MaxConcurrent = DefaultMaxConcurrent
		}
	}
	if c.Calls == 0 {
		c.Calls = calls
	}
	if c.Senders == 0 {
		c.Senders = senders
	}
	if c.Runs == 0 {
		c.Runs = DefaultRuns
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.ProfileSeconds == 0 {
		c.ProfileSeconds = DefaultProfileSeconds
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return c
}

// Validate refuses what cannot run.
func (c Config) Validate() error {
	var errs []error
	if c.Calls < 1 || c.Calls > maxCalls {
		errs = append(errs, fmt.Errorf("calls %d: must be 1…%d (each call has a number of its own)", c.Calls, maxCalls))
	}
	if c.Senders < 1 || c.Senders > 64 {
		errs = append(errs, fmt.Errorf("senders %d: must be 1…64 (the service allows 64 connections per client address)", c.Senders))
	}
	if c.Runs < 1 {
		errs = append(errs, fmt.Errorf("runs %d: must be at least 1", c.Runs))
	}
	if c.DeskLatency < 0 || c.Timeout < 0 || c.ProfileSeconds < 0 {
		errs = append(errs, errors.New("desk latency, timeout and profile seconds must not be negative"))
	}
	if len(c.Replicas) > 0 {
		errs = append(errs, c.validateScale()...)
	} else if c.MaxConcurrent != 0 {
		errs = append(errs, errors.New("max concurrent: only the scale-out mode (replicas) uploads a template with its own limit"))
	}
	return errors.Join(errs...)
}

// validateScale refuses a scale-out mode that cannot run.
func (c Config) validateScale() []error {
	var errs []error
	if c.Postgres == "" {
		errs = append(errs, errors.New("replicas: the scale-out mode needs PostgreSQL (-postgres): replicas share one database, SQLite serves one process"))
	}
	seen := map[int]bool{}
	for _, k := range c.Replicas {
		if k < 1 || k > maxReplicas || seen[k] {
			errs = append(errs, fmt.Errorf("replicas %v: each count must be 1…%d and given once", c.Replicas, maxReplicas))
			break
		}
		seen[k] = true
	}
	if c.MaxConcurrent < 1 || c.MaxConcurrent > maxConcurrentCeiling {
		errs = append(errs, fmt.Errorf("max concurrent %d: must be 1…%d (a template's MaxConcurrentRequest may not be higher)", c.MaxConcurrent, maxConcurrentCeiling))
	}
	return errs
}

// Run builds the binary unless given, measures each system cfg.Runs
// times, interleaved (sqlite, postgres, floor, sqlite, …) so that a
// machine's slow minute weighs on all of them, and reports the medians.
// Any run that fails (an answer other than 202, a call not journaled
// exactly once, a service that does not stop cleanly) fails the whole.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.Replicas) > 0 {
		return nil, errors.New("replica counts are the scale-out mode: RunScale measures them")
	}
	cleanup, err := ensureBin(ctx, &cfg.Bin)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	systems := []string{SystemSQLite}
	if cfg.Postgres != "" {
		systems = append(systems, SystemPostgres)
	}
	systems = append(systems, SystemFloor)
	rep := &Report{Calls: cfg.Calls, Senders: cfg.Senders, Runs: cfg.Runs, DeskLatency: cfg.DeskLatency.String(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), Cores: runtime.NumCPU(), GoVersion: runtime.Version(), Commit: commit(ctx)}
	byName := map[string][]Result{}
	for r := range cfg.Runs {
		for _, sys := range systems {
			res, err := runOnce(ctx, cfg, sys, r)
			if err != nil {
				return nil, fmt.Errorf("%s, run %d of %d: %w", sys, r+1, cfg.Runs, err)
			}
			acked := ""
			if sys != SystemFloor {
				acked = fmt.Sprintf("%.0f events acked/s, ", res.AckedPerSec)
			}
			fmt.Fprintf(cfg.Log, "%s run %d/%d: %s%.1f calls completed/s, %.2f ms CPU/call, desk peak %d in flight\n",
				sys, r+1, cfg.Runs, acked, res.CallsPerSec, res.CPUPerCallMs, res.DeskPeakInFlight)
			rep.All = append(rep.All, res)
			byName[sys] = append(byName[sys], res)
		}
	}
	for _, sys := range systems {
		rep.Systems = append(rep.Systems, medianResult(byName[sys]))
	}
	return rep, nil
}

// ensureBin builds the binary into a temporary directory when *bin is
// empty; cleanup removes it.
func ensureBin(ctx context.Context, bin *string) (cleanup func(), err error) {
	if *bin != "" {
		return func() {}, nil
	}
	dir, err := os.MkdirTemp("", "callbench-bin-")
	if err != nil {
		return nil, err
	}
	if *bin, err = Build(ctx, dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return func() { os.RemoveAll(dir) }, nil
}

// Build builds the switchboard binary of this module into dir.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "switchboard")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/switchboard/switchboard/cmd/switchboard")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/switchboard (run from inside the module, or give the binary): %w\n%s", err, out)
	}
	return bin, nil
}

func runOnce(ctx context.Context, cfg Config, system string, run int) (Result, error) {
	desk, err := NewDesk(DeskConfig{Calls: cfg.Calls, Latency: cfg.DeskLatency})
	if err != nil {
		return Result{}, err
	}
	defer desk.Close()
	lc := LoadConfig{Run: fmt.Sprintf("%d%s", run+1, randomHex(3)), Calls: cfg.Calls, Senders: cfg.Senders}
	if system == SystemFloor {
		return runFloor(ctx, cfg, desk, lc)
	}
	dir, err := os.MkdirTemp(cfg.Dir, "callbench-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	sc := ServeConfig{Bin: cfg.Bin, Dir: dir, Pprof: run == 0 && cfg.CPUProfile != "", JobWorkers: cfg.JobWorkers}
	if system == SystemPostgres {
		url, drop, err := FreshSchema(ctx, cfg.Postgres)
		if err != nil {
			return Result{}, fmt.Errorf("a fresh schema: %w", err)
		}
		defer func() {
			if err := drop(); err != nil {
				fmt.Fprintf(cfg.Log, "dropping the run's schema: %v\n", err)
			}
		}()
		sc.Database = url
		if cfg.CPUProfile != "" {
			cfg.CPUProfile = profileFile(cfg.CPUProfile, "postgres")
		}
	}
	s, err := StartServe(ctx, sc)
	if err != nil {
		return Result{}, err
	}
	res, err := measureServe(ctx, cfg, s, desk, lc)
	if err != nil {
		s.Kill()
		return Result{}, err
	}
	// Stopped before the check, so that a journal sent twice late, or
	// during the shutdown, is counted too.
	if err := s.Stop(stopWait); err != nil {
		return Result{}, err
	}
	if err := desk.Check(); err != nil {
		return Result{}, err
	}
	res.System = system
	return res, nil
}

// measureServe sets the service up, loads it and waits for the last
// journal; the service's processor time is read just before the first
// event and right after the last journal.
func measureServe(ctx context.Context, cfg Config, s *Serve, desk *Desk, lc LoadConfig) (Result, error) {
	if _, err := s.Setup(desk.URL, BuiltinZendesk); err != nil {
		return Result{}, err
	}
	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	profiled := make(chan error, 1)
	cpu0, err := s.CPU()
	if err != nil {
		return Result{}, err
	}
	profile := cfg.CPUProfile
	if s.PprofURL != "" {
		go func() { profiled <- s.CPUProfile(runCtx, cfg.ProfileSeconds, profile) }()
	} else {
		profiled <- nil
	}
	load, err := Load(runCtx, []*Serve{s}, lc)
	if err != nil {
		return Result{}, fmt.Errorf("events: %w", err)
	}
	select {
	case <-desk.Done():
	case <-s.Exited():
		return Result{}, fmt.Errorf("serve ended mid-run with %d of %d calls journaled; the end of its log:\n%s", desk.Journaled(), lc.Calls, s.LogTail(15))
	case <-runCtx.Done():
		return Result{}, fmt.Errorf("%w: %d of %d calls journaled after %s; waiting for:\n%s\nthe end of the service's log:\n%s",
			runCtx.Err(), desk.Journaled(), lc.Calls, time.Since(load.Start).Round(time.Millisecond), s.describeCalls(lc.Run, desk.Unjournaled(3)), s.LogTail(15))
	}
	cpu1, err := s.CPU()
	if err != nil {
		return Result{}, err
	}
	rss, err := s.PeakRSS()
	if err != nil {
		return Result{}, err
	}
	if err := <-profiled; err != nil {
		return Result{}, fmt.Errorf("CPU profile: %w", err)
	}
	if s.PprofURL != "" {
		if err := s.Profile(ctx, "allocs", profileFile(profile, "allocs")); err != nil {
			return Result{}, fmt.Errorf("allocation profile: %w", err)
		}
	}
	return figures(lc, load, desk, cpu1-cpu0, rss), nil
}

// figures are a loaded service's results: the load's acknowledgements,
// the desk's journals, the processor time the load took (of every
// replica) and the peak RSS (of the largest).
func figures(lc LoadConfig, load LoadResult, desk *Desk, cpu time.Duration, rss int64) Result {
	n := float64(lc.Calls)
	return Result{Calls: lc.Calls,
		AckedPerSec:      n / load.LastAck.Sub(load.Start).Seconds(),
		AckP50Ms:         ms(percentile(load.Acks, 50)),
		AckP99Ms:         ms(percentile(load.Acks, 99)),
		CallsPerSec:      n / desk.DoneAt().Sub(load.Start).Seconds(),
		CPUPerCallMs:     ms(cpu) / n,
		PeakRSSBytes:     rss,
		DeskPeakInFlight: desk.PeakInFlight(),
		DeskRequests:     desk.Requests()}
}

func runFloor(ctx context.Context, cfg Config, desk *Desk, lc LoadConfig) (Result, error) {
	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	fr, err := Floor(runCtx, desk, lc)
	if err != nil {
		return Result{}, err
	}
	select {
	case <-desk.Done():
	default:
		return Result{}, fmt.Errorf("every call's journal was answered, yet the desk counts %d of %d calls journaled", desk.Journaled(), lc.Calls)
	}
	if err := desk.Check(); err != nil {
		return Result{}, err
	}
	n := float64(lc.Calls)
	return Result{System: SystemFloor, Calls: lc.Calls,
		CallsPerSec:      n / desk.DoneAt().Sub(fr.Start).Seconds(),
		CPUPerCallMs:     ms(fr.CPU) / n,
		DeskPeakInFlight: desk.PeakInFlight(),
		DeskRequests:     desk.Requests()}, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// commit names the source measured: git describe, or "unknown" outside a
// git checkout.
func commit(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty", "--tags").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// profileFile is path with .tag before its extension (cpu.pprof, k2:
// cpu.k2.pprof).
func profileFile(path, tag string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + tag + ext
}
