package callbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of the scale-out mode (Config.Replicas set).
const (
	// DefaultScaleCalls and DefaultScaleSenders keep each replica count
	// busy for a few seconds with a 50 ms helpdesk.
	DefaultScaleCalls   = 3000
	DefaultScaleSenders = 32
	// DefaultMaxConcurrent is the scale-out template's MaxConcurrentRequest:
	// the highest a template may declare (the service refuses more). The
	// builtin's 10 would cap every replica count at 10 requests in flight,
	// 200 requests/s against a 50 ms desk, whatever the replicas.
	DefaultMaxConcurrent = maxConcurrentCeiling
	// maxConcurrentCeiling is the template format's bound on
	// MaxConcurrentRequest (templates.MaxConcurrentRequestCeiling, which
	// this package may not import).
	maxConcurrentCeiling = 100
	// maxReplicas bounds a replica count: each replica holds a pool of 10
	// PostgreSQL connections and keeps up to 16 more, and PostgreSQL
	// allows 100 by default.
	maxReplicas = 8
)

// ScaleResult is one replica count's figures: of one run, or the medians
// of several.
type ScaleResult struct {
	Replicas int `json:"replicas"`
	// SpeedUp is CallsPerSec over that of one replica (0 when the run
	// has no one-replica count).
	SpeedUp float64 `json:"speedUp"`
	// Result holds the figures, as for one service: the acks are over
	// every replica's answers, CPUPerCallMs is the processor time of all
	// replicas together, PeakRSSBytes the largest replica's, and
	// DeskPeakInFlight the most requests the desk held at once from all
	// replicas (never more than the template's MaxConcurrentRequest).
	Result
}

// ScaleReport is a scale-out benchmark: its conditions, the medians by
// replica count, and every run.
type ScaleReport struct {
	Calls         int    `json:"calls"`
	Senders       int    `json:"senders"`
	Runs          int    `json:"runs"`
	DeskLatency   string `json:"deskLatency"`
	MaxConcurrent int    `json:"maxConcurrentRequest"`
	GOMAXPROCS    int    `json:"gomaxprocs"`
	Cores         int    `json:"cores"`
	GoVersion     string `json:"goVersion"`
	Commit        string `json:"commit"`
	// LoadBefore and LoadAfter are the machine's load averages (1, 5 and
	// 15 minutes, /proc/loadavg) when the benchmark began and ended: the
	// replicas, PostgreSQL and the bench share the machine with whatever
	// else runs.
	LoadBefore string        `json:"loadBefore"`
	LoadAfter  string        `json:"loadAfter"`
	Replicas   []ScaleResult `json:"replicas"` // medians, one per replica count
	All        []ScaleResult `json:"all"`      // every run, in the order run
}

// RunScale is the scale-out mode: for each count K of cfg.Replicas, K
// `switchboard serve` processes share one fresh PostgreSQL schema and a
// helpdesk that answers after cfg.DeskLatency, the senders spread the
// events over them in turn, and the calls go through a copy of the
// builtin Zendesk template allowing cfg.MaxConcurrent requests in flight.
// Each count runs cfg.Runs times, interleaved (1, 2, 3, 1, 2, 3, …). A
// run fails, besides the ways Run's do, when the desk held more requests
// at once than the template allows: the limit is shared by the replicas,
// not one per process.
func RunScale(ctx context.Context, cfg Config) (*ScaleReport, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.Replicas) == 0 {
		return nil, errors.New("the scale-out mode needs replica counts (Config.Replicas)")
	}
	cleanup, err := ensureBin(ctx, &cfg.Bin)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	rep := &ScaleReport{Calls: cfg.Calls, Senders: cfg.Senders, Runs: cfg.Runs, DeskLatency: cfg.DeskLatency.String(),
		MaxConcurrent: cfg.MaxConcurrent, GOMAXPROCS: runtime.GOMAXPROCS(0), Cores: runtime.NumCPU(),
		GoVersion: runtime.Version(), Commit: commit(ctx), LoadBefore: loadAverage()}
	byCount := map[int][]ScaleResult{}
	for r := range cfg.Runs {
		for _, k := range cfg.Replicas {
			res, err := scaleOnce(ctx, cfg, k, r)
			if err != nil {
				return nil, fmt.Errorf("%d replicas, run %d of %d: %w", k, r+1, cfg.Runs, err)
			}
			fmt.Fprintf(cfg.Log, "%d replicas run %d/%d: %.0f events acked/s, %.1f calls completed/s, %.2f ms CPU/call (all replicas), desk peak %d in flight of %d (load %s)\n",
				k, r+1, cfg.Runs, res.AckedPerSec, res.CallsPerSec, res.CPUPerCallMs, res.DeskPeakInFlight, cfg.MaxConcurrent, loadAverage())
			rep.All = append(rep.All, res)
			byCount[k] = append(byCount[k], res)
		}
	}
	for _, k := range cfg.Replicas {
		rep.Replicas = append(rep.Replicas, medianScale(byCount[k]))
	}
	if one := slices.IndexFunc(rep.Replicas, func(x ScaleResult) bool { return x.Replicas == 1 }); one >= 0 && rep.Replicas[one].CallsPerSec > 0 {
		for i := range rep.Replicas {
			rep.Replicas[i].SpeedUp = rep.Replicas[i].CallsPerSec / rep.Replicas[one].CallsPerSec
		}
	}
	rep.LoadAfter = loadAverage()
	return rep, nil
}

// scaleOnce is one run of k replicas on a fresh schema and a fresh desk.
func scaleOnce(ctx context.Context, cfg Config, k, run int) (ScaleResult, error) {
	desk, err := NewDesk(DeskConfig{Calls: cfg.Calls, Latency: cfg.DeskLatency})
	if err != nil {
		return ScaleResult{}, err
	}
	defer desk.Close()
	dir, err := os.MkdirTemp(cfg.Dir, "callbench-scale-")
	if err != nil {
		return ScaleResult{}, err
	}
	defer os.RemoveAll(dir)
	url, drop, err := FreshSchema(ctx, cfg.Postgres)
	if err != nil {
		return ScaleResult{}, fmt.Errorf("a fresh schema: %w", err)
	}
	defer func() {
		if err := drop(); err != nil {
			fmt.Fprintf(cfg.Log, "dropping the run's schema: %v\n", err)
		}
	}()
	c := &cluster{}
	defer c.kill() // a run that ends early; after stop, nothing is left to kill
	sp := startSpec{bin: cfg.Bin, dir: dir, database: url, deskURL: desk.URL, replicas: k, workers: cfg.JobWorkers}
	if cfg.CPUProfile != "" && run == 0 {
		sp.profile = profileFile(cfg.CPUProfile, fmt.Sprintf("k%d", k))
	}
	if err := c.start(ctx, cfg, sp); err != nil {
		return ScaleResult{}, err
	}
	lc := LoadConfig{Run: fmt.Sprintf("k%d-%d%s", k, run+1, randomHex(3)), Calls: cfg.Calls, Senders: cfg.Senders}
	res, err := c.measure(ctx, cfg, desk, lc, sp.profile)
	if err != nil {
		return ScaleResult{}, c.explain(err)
	}
	// Stopped before the check, so that a journal sent twice late, or
	// during the shutdown, is counted too.
	if err := c.stop(stopWait); err != nil {
		return ScaleResult{}, err
	}
	if err := desk.Check(); err != nil {
		return ScaleResult{}, err
	}
	if peak := desk.PeakInFlight(); peak > cfg.MaxConcurrent {
		return ScaleResult{}, fmt.Errorf("the shared limit did not hold: the desk held %d requests at once from %d replicas, more than the template's MaxConcurrentRequest=%d",
			peak, k, cfg.MaxConcurrent)
	}
	res.Replicas = k
	return res, nil
}

// cluster is the replicas of one run, all on one database.
type cluster struct {
	serves []*Serve
}

// startSpec is what a run's replicas start from.
type startSpec struct {
	bin, dir, database, deskURL string
	replicas, workers           int    // workers: each replica's --job-workers (0: default)
	profile                     string // where the first replica's CPU profile goes; empty: none
}

// start starts the first replica, sets the integration up through its API
// on a copy of the Zendesk template with the run's limit, then starts the
// others on the same database, with the same secret key and admin token,
// and checks that each sees the integration, connected.
func (c *cluster) start(ctx context.Context, cfg Config, sp startSpec) error {
	token, key := "bench-"+randomHex(16), randomHex(32)
	var integration, template string
	for i := range sp.replicas {
		rdir := filepath.Join(sp.dir, fmt.Sprintf("replica-%d", i+1))
		if err := os.Mkdir(rdir, 0o700); err != nil {
			return err
		}
		// Named, so that pg_stat_activity tells the replicas' connections
		// apart (FreshSchema's URL has its query already).
		database := fmt.Sprintf("%s&application_name=callbench-replica-%d", sp.database, i+1)
		s, err := StartServe(ctx, ServeConfig{Bin: sp.bin, Dir: rdir, Database: database, Token: token, SecretKey: key,
			Pprof: i == 0 && sp.profile != "", JobWorkers: sp.workers})
		if err != nil {
			return fmt.Errorf("replica %d: %w", i+1, err)
		}
		c.serves = append(c.serves, s)
		if i == 0 {
			if template, err = s.UploadZendeskCopy(cfg.MaxConcurrent); err != nil {
				return err
			}
			if integration, err = s.Setup(sp.deskURL, template); err != nil {
				return err
			}
			continue
		}
		if err := s.CheckIntegration(integration, template); err != nil {
			return fmt.Errorf("replica %d does not see the integration replica 1 set up: %w", i+1, err)
		}
	}
	return nil
}

// measure loads the replicas and waits for the last journal; their
// processor time is read just before the first event and right after the
// last journal. With a profile path, the first replica's CPU profile is
// taken meanwhile, for cfg.ProfileSeconds.
func (c *cluster) measure(ctx context.Context, cfg Config, desk *Desk, lc LoadConfig, profile string) (ScaleResult, error) {
	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	cpu0, err := c.cpu()
	if err != nil {
		return ScaleResult{}, err
	}
	profiled := make(chan error, 1)
	if profile != "" {
		go func() { profiled <- c.serves[0].CPUProfile(runCtx, cfg.ProfileSeconds, profile) }()
	} else {
		profiled <- nil
	}
	exited := c.firstExit(runCtx)
	load, err := Load(runCtx, c.serves, lc)
	if err != nil {
		var tails strings.Builder
		for i, s := range c.serves {
			fmt.Fprintf(&tails, "\nthe end of replica %d's log:\n%s", i+1, s.LogTail(8))
		}
		return ScaleResult{}, fmt.Errorf("events: %w%s", err, tails.String())
	}
	select {
	case <-desk.Done():
	case i := <-exited:
		return ScaleResult{}, fmt.Errorf("replica %d ended mid-run with %d of %d calls journaled; the end of its log:\n%s",
			i+1, desk.Journaled(), lc.Calls, c.serves[i].LogTail(15))
	case <-runCtx.Done():
		return ScaleResult{}, fmt.Errorf("%w: %d of %d calls journaled after %s; waiting for:\n%s\nthe end of the first replica's log:\n%s",
			runCtx.Err(), desk.Journaled(), lc.Calls, time.Since(load.Start).Round(time.Millisecond), c.serves[0].describeCalls(lc.Run, desk.Unjournaled(3)), c.serves[0].LogTail(15))
	}
	cpu1, err := c.cpu()
	if err != nil {
		return ScaleResult{}, err
	}
	if err := <-profiled; err != nil {
		return ScaleResult{}, fmt.Errorf("CPU profile: %w", err)
	}
	var rss int64
	for _, s := range c.serves {
		r, err := s.PeakRSS()
		if err != nil {
			return ScaleResult{}, err
		}
		rss = max(rss, r)
	}
	return ScaleResult{Result: figures(lc, load, desk, cpu1-cpu0, rss)}, nil
}

// tooManyClients is PostgreSQL's refusal of a connection past
// max_connections (SQLSTATE 53300).
const tooManyClients = "SQLSTATE 53300"

// explain adds to a failed run's error the cause its logs name when it is
// the database's, not the service's: PostgreSQL refusing connections.
func (c *cluster) explain(err error) error {
	var refused []string
	for i, s := range c.serves {
		if s.LogContains(tooManyClients) {
			refused = append(refused, fmt.Sprint(i+1))
		}
	}
	if len(refused) == 0 {
		return err
	}
	return fmt.Errorf("%w\n\nPostgreSQL refused connections to replica(s) %s (%s, too many clients): the replicas together, with whatever else uses the server, "+
		"opened more connections than its max_connections", err, strings.Join(refused, ", "), tooManyClients)
}

// cpu is the processor time of all replicas so far.
func (c *cluster) cpu() (time.Duration, error) {
	var sum time.Duration
	for _, s := range c.serves {
		d, err := s.CPU()
		if err != nil {
			return 0, err
		}
		sum += d
	}
	return sum, nil
}

// firstExit yields the index of the first replica whose process ends
// before ctx does.
func (c *cluster) firstExit(ctx context.Context) <-chan int {
	out := make(chan int, len(c.serves))
	for i, s := range c.serves {
		go func() {
			select {
			case <-s.Exited():
				out <- i
			case <-ctx.Done():
			}
		}()
	}
	return out
}

// stop stops every replica at once (each waits for its jobs in flight)
// and joins their errors.
func (c *cluster) stop(wait time.Duration) error {
	errs := make([]error, len(c.serves))
	var wg sync.WaitGroup
	for i, s := range c.serves {
		wg.Go(func() {
			if err := s.Stop(wait); err != nil {
				errs[i] = fmt.Errorf("replica %d: %w", i+1, err)
			}
		})
	}
	wg.Wait()
	c.serves = nil
	return errors.Join(errs...)
}

// kill ends every replica still running at once.
func (c *cluster) kill() {
	for _, s := range c.serves {
		s.Kill()
	}
	c.serves = nil
}

// medianScale is the median of each figure apart, over one count's runs,
// but the desk's peak in flight is the most of any run: the limit must hold
// in every one.
func medianScale(runs []ScaleResult) ScaleResult {
	if len(runs) == 0 {
		return ScaleResult{}
	}
	results := make([]Result, len(runs))
	for i, r := range runs {
		results[i] = r.Result
	}
	out := ScaleResult{Replicas: runs[0].Replicas, Result: medianResult(results)}
	out.DeskPeakInFlight = slices.MaxFunc(runs, func(a, b ScaleResult) int { return a.DeskPeakInFlight - b.DeskPeakInFlight }).DeskPeakInFlight
	return out
}

// loadAverage is the machine's 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
