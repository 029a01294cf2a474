// Command callbench measures Switchboard's call pipeline end to end and
// prints one markdown table (issue 12): the real binary on SQLite and, with
// -postgres, on PostgreSQL, against an instant local helpdesk, beside the
// floor of plain net/http. Run it from inside the module (it builds
// ./cmd/switchboard unless given -bin):
//
//	go run ./internal/callbench/cmd/callbench
//	go run ./internal/callbench/cmd/callbench -runs 6 -postgres postgres://…
//
// With -replicas it measures scale-out instead: K serve processes on one
// PostgreSQL database for each count K, against a helpdesk that answers
// after -desk-latency, in a table of its own. With few job workers per
// replica, the helpdesk's latency rather than the processor bounds one
// replica, which is what scale-out measures (make bench-scale):
//
//	go run ./internal/callbench/cmd/callbench -replicas 1,2,3 -desk-latency 50ms -job-workers 10 -postgres postgres://…
//
// It owns only its flags and the output; the harness is package callbench.
// It must not measure anything itself, nor print figures of a run that
// failed its check.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/switchboard/switchboard/internal/callbench"
)

func main() {
	var cfg callbench.Config
	var asJSON bool
	flag.StringVar(&cfg.Bin, "bin", "", "the switchboard binary (default: go build ./cmd/switchboard into a temporary directory)")
	flag.IntVar(&cfg.Calls, "n", 0, fmt.Sprintf("calls per run, one hangup event each (default %d; %d with -replicas)", callbench.DefaultCalls, callbench.DefaultScaleCalls))
	flag.IntVar(&cfg.Senders, "c", 0, fmt.Sprintf("concurrent senders (events in flight at once; the floor's workers) (default %d; %d with -replicas)",
		callbench.DefaultSenders, callbench.DefaultScaleSenders))
	flag.IntVar(&cfg.Runs, "runs", callbench.DefaultRuns, "runs of each system, interleaved; the table gives the medians")
	flag.StringVar(&cfg.Postgres, "postgres", os.Getenv("SWITCHBOARD_TEST_POSTGRES_URL"),
		"PostgreSQL URL; each run gets a fresh schema in it, dropped afterwards (default $SWITCHBOARD_TEST_POSTGRES_URL; empty: SQLite only)")
	flag.DurationVar(&cfg.DeskLatency, "desk-latency", 0, "added to each of the helpdesk's answers")
	flag.StringVar(&cfg.Dir, "dir", "", "where each run's data directory is made (default: the temporary directory; mind a tmpfs, which makes SQLite's syncs free)")
	flag.DurationVar(&cfg.Timeout, "timeout", callbench.DefaultTimeout, "limit of one run, from its first event to its last journal")
	flag.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the service, taken during the first run's load, to this file for SQLite and FILE.postgres for PostgreSQL, with the run's allocations beside each (FILE.allocs); with -replicas: of the first replica of each count, to FILE.kK")
	flag.IntVar(&cfg.ProfileSeconds, "cpuprofile-seconds", callbench.DefaultProfileSeconds, "length of the -cpuprofile profile")
	flag.BoolVar(&asJSON, "json", false, "print the report as JSON instead of the table")
	flag.Func("replicas", "scale-out mode (needs -postgres): comma-separated replica counts, e.g. 1,2,3; each count runs that many serve processes on one fresh schema",
		func(v string) error {
			for f := range strings.SplitSeq(v, ",") {
				k, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil {
					return fmt.Errorf("%q is not a replica count", f)
				}
				cfg.Replicas = append(cfg.Replicas, k)
			}
			return nil
		})
	flag.IntVar(&cfg.JobWorkers, "job-workers", 0, "each service's --job-workers (default: the service's own)")
	flag.IntVar(&cfg.MaxConcurrent, "max-concurrent", 0, fmt.Sprintf("with -replicas: MaxConcurrentRequest of the Zendesk copy the replicas share, 1…%d (default %d)",
		callbench.DefaultMaxConcurrent, callbench.DefaultMaxConcurrent))
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "callbench takes no arguments, got %q\n", flag.Args())
		os.Exit(2)
	}
	cfg.Log = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var rep report
	var err error
	if len(cfg.Replicas) > 0 {
		rep, err = callbench.RunScale(ctx, cfg)
	} else {
		rep, err = callbench.Run(ctx, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "callbench:", err)
		os.Exit(1)
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = rep.WriteMarkdown(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "callbench:", err)
		os.Exit(1)
	}
}

// report is what either mode prints.
type report interface {
	WriteMarkdown(w io.Writer) error
}
