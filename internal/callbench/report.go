package callbench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Result is one system's figures: of one run, or the medians of several.
type Result struct {
	System string `json:"system,omitempty"` // empty in a ScaleResult
	Calls  int    `json:"calls"`
	// AckedPerSec is N over the time from the first event sent to the
	// last 202 (0 for the floor, which sends no events).
	AckedPerSec float64 `json:"ackedPerSec"`
	AckP50Ms    float64 `json:"ackP50Ms"`
	AckP99Ms    float64 `json:"ackP99Ms"`
	// CallsPerSec is N over the time from the first event sent to the
	// last call's journal entry reaching the desk.
	CallsPerSec float64 `json:"callsPerSec"`
	// CPUPerCallMs is the service's processor time (user and system)
	// over the load divided by N; for the floor, the bench process's,
	// which holds both the callers and the desk.
	CPUPerCallMs float64 `json:"cpuPerCallMs"`
	// PeakRSSBytes is the service's VmHWM at the end (0 for the floor).
	PeakRSSBytes     int64          `json:"peakRSSBytes"`
	DeskPeakInFlight int            `json:"deskPeakInFlight"`
	DeskRequests     map[string]int `json:"deskRequests"` // by kind: search, identities, ticket, journal, users, other
}

// Report is a whole benchmark: its conditions, the medians by system,
// and every run.
type Report struct {
	Calls       int      `json:"calls"`
	Senders     int      `json:"senders"`
	Runs        int      `json:"runs"`
	DeskLatency string   `json:"deskLatency"`
	GOMAXPROCS  int      `json:"gomaxprocs"`
	Cores       int      `json:"cores"`
	GoVersion   string   `json:"goVersion"`
	Commit      string   `json:"commit"`
	Systems     []Result `json:"systems"` // medians, one per system
	All         []Result `json:"all"`     // every run, in the order run
}

// Floor is the floor's median result, if the report has one.
func (r *Report) Floor() (Result, bool) {
	i := slices.IndexFunc(r.Systems, func(x Result) bool { return x.System == SystemFloor })
	if i < 0 {
		return Result{}, false
	}
	return r.Systems[i], true
}

// WriteMarkdown writes the report as a markdown table with its conditions
// under it.
func (r *Report) WriteMarkdown(w io.Writer) error {
	floor, hasFloor := r.Floor()
	var b strings.Builder
	b.WriteString("| system | events acked/s | ack p50 | ack p99 | calls completed/s | × floor | CPU/call | peak RSS | desk peak in flight |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range r.Systems {
		acked, p50, p99, rss, cpu := "—", "—", "—", "—", fmt.Sprintf("%.2f ms", s.CPUPerCallMs)
		if s.System != SystemFloor {
			acked, p50, p99 = fmt.Sprintf("%.0f", s.AckedPerSec), fmtMs(s.AckP50Ms), fmtMs(s.AckP99Ms)
			rss = fmt.Sprintf("%.0f MiB", float64(s.PeakRSSBytes)/(1<<20))
		} else {
			cpu += " ¹"
		}
		times := "—"
		if hasFloor && floor.CallsPerSec > 0 {
			times = fmt.Sprintf("%.3f", s.CallsPerSec/floor.CallsPerSec)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.1f | %s | %s | %s | %d |\n", s.System, acked, p50, p99, s.CallsPerSec, times, cpu, rss, s.DeskPeakInFlight)
	}
	median := "one run"
	if r.Runs > 1 {
		median = fmt.Sprintf("median of %d interleaved runs", r.Runs)
	}
	fmt.Fprintf(&b, "\nN=%d calls (one hangup event each, 4 helpdesk requests), C=%d senders, desk latency %s, %s; GOMAXPROCS %d of %d cores; %s; commit %s\n",
		r.Calls, r.Senders, r.DeskLatency, median, r.GOMAXPROCS, r.Cores, r.GoVersion, r.Commit)
	b.WriteString("\nCPU/call and peak RSS are the serve process's only: PostgreSQL's own processes are not counted.\n")
	if hasFloor {
		b.WriteString("¹ the floor is plain net/http against the same desk, nothing stored; its CPU/call is the bench process's, the callers and the desk together.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fmtMs(v float64) string {
	switch {
	case v < 1:
		return fmt.Sprintf("%.0f µs", v*1000)
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 1000:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f s", v/1000)
}

// medianOf is the median of one figure over runs.
func medianOf[T any](runs []T, f func(T) float64) float64 {
	xs := make([]float64, len(runs))
	for i, r := range runs {
		xs[i] = f(r)
	}
	return median(xs)
}

// medianResult is the median of each figure apart, over one system's runs.
func medianResult(runs []Result) Result {
	if len(runs) == 0 {
		return Result{}
	}
	pick := func(f func(Result) float64) float64 { return medianOf(runs, f) }
	out := Result{System: runs[0].System, Calls: runs[0].Calls,
		AckedPerSec:      pick(func(r Result) float64 { return r.AckedPerSec }),
		AckP50Ms:         pick(func(r Result) float64 { return r.AckP50Ms }),
		AckP99Ms:         pick(func(r Result) float64 { return r.AckP99Ms }),
		CallsPerSec:      pick(func(r Result) float64 { return r.CallsPerSec }),
		CPUPerCallMs:     pick(func(r Result) float64 { return r.CPUPerCallMs }),
		PeakRSSBytes:     int64(pick(func(r Result) float64 { return float64(r.PeakRSSBytes) })),
		DeskPeakInFlight: int(pick(func(r Result) float64 { return float64(r.DeskPeakInFlight) })),
		DeskRequests:     map[string]int{}}
	for k := range runs[0].DeskRequests {
		out.DeskRequests[k] = int(pick(func(r Result) float64 { return float64(r.DeskRequests[k]) }))
	}
	return out
}

// median of xs; of an even count, the mean of the middle two.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// WriteMarkdown writes the scale-out report as a markdown table with its
// conditions under it.
func (r *ScaleReport) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| replicas | events acked/s | ack p50 | ack p99 | calls completed/s | speed-up | CPU/call (all replicas) | peak RSS (largest) | desk peak in flight (limit %d) |\n", r.MaxConcurrent)
	b.WriteString("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range r.Replicas {
		speedUp := "—"
		if s.SpeedUp > 0 {
			speedUp = fmt.Sprintf("%.2f×", s.SpeedUp)
		}
		fmt.Fprintf(&b, "| %d | %.0f | %s | %s | %.1f | %s | %.2f ms | %.0f MiB | %d |\n", s.Replicas, s.AckedPerSec, fmtMs(s.AckP50Ms), fmtMs(s.AckP99Ms),
			s.CallsPerSec, speedUp, s.CPUPerCallMs, float64(s.PeakRSSBytes)/(1<<20), s.DeskPeakInFlight)
	}
	median := "one run"
	if r.Runs > 1 {
		median = fmt.Sprintf("median of %d interleaved runs (the peak in flight: the most of any run)", r.Runs)
	}
	fmt.Fprintf(&b, "\nN=%d calls (one hangup event each, 4 helpdesk requests), C=%d senders spread round-robin over the replicas, desk latency %s, "+
		"a copy of the builtin Zendesk template with MaxConcurrentRequest=%d shared by the replicas, each replica count on a fresh PostgreSQL schema, %s; "+
		"GOMAXPROCS %d of %d cores, every replica on this machine; load average %s before, %s after; %s; commit %s\n",
		r.Calls, r.Senders, r.DeskLatency, r.MaxConcurrent, median, r.GOMAXPROCS, r.Cores, r.LoadBefore, r.LoadAfter, r.GoVersion, r.Commit)
	b.WriteString("\nSpeed-up is calls completed/s over one replica's (issue 12's target: 2 replicas ≥ 1.8×, 3 ≥ 2.5×). " +
		"CPU/call is every replica's processor time together; PostgreSQL's own processes are not counted.\n")
	_, err := io.WriteString(w, b.String())
	return err
}
