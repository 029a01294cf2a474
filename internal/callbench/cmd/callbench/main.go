// Command callbench measures Switchboard's call pipeline end to end and
// prints one markdown table (issue 12): the real binary on SQLite and, with
// -postgres, on PostgreSQL, against an instant local helpdesk, beside the
// floor of plain net/http. Run it from inside the module (it builds
// ./cmd/switchboard unless given -bin):
//
//	go run ./internal/callbench/cmd/callbench
//	go run ./internal/callbench/cmd/callbench -runs 6 -postgres postgres://…
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
	"os"
	"os/signal"
	"syscall"

	"github.com/switchboard/switchboard/internal/callbench"
)

func main() {
	var cfg callbench.Config
	var asJSON bool
	flag.StringVar(&cfg.Bin, "bin", "", "the switchboard binary (default: go build ./cmd/switchboard into a temporary directory)")
	flag.IntVar(&cfg.Calls, "n", callbench.DefaultCalls, "calls per run, one hangup event each")
	flag.IntVar(&cfg.Senders, "c", callbench.DefaultSenders, "concurrent senders (events in flight at once; the floor's workers)")
	flag.IntVar(&cfg.Runs, "runs", callbench.DefaultRuns, "runs of each system, interleaved; the table gives the medians")
	flag.StringVar(&cfg.Postgres, "postgres", os.Getenv("SWITCHBOARD_TEST_POSTGRES_URL"),
		"PostgreSQL URL; each run gets a fresh schema in it, dropped afterwards (default $SWITCHBOARD_TEST_POSTGRES_URL; empty: SQLite only)")
	flag.DurationVar(&cfg.DeskLatency, "desk-latency", 0, "added to each of the helpdesk's answers")
	flag.StringVar(&cfg.Dir, "dir", "", "where each run's data directory is made (default: the temporary directory; mind a tmpfs, which makes SQLite's syncs free)")
	flag.DurationVar(&cfg.Timeout, "timeout", callbench.DefaultTimeout, "limit of one run, from its first event to its last journal")
	flag.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the service on SQLite, taken during the first run's load, to this file")
	flag.IntVar(&cfg.ProfileSeconds, "cpuprofile-seconds", callbench.DefaultProfileSeconds, "length of the -cpuprofile profile")
	flag.BoolVar(&asJSON, "json", false, "print the report as JSON instead of the table")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "callbench takes no arguments, got %q\n", flag.Args())
		os.Exit(2)
	}
	cfg.Log = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := callbench.Run(ctx, cfg)
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
