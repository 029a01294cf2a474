// Package callbench measures the call pipeline end to end, the way every
// performance change to it is judged (issue 12): the real switchboard
// binary, on SQLite and on PostgreSQL, takes N hangup events from C
// concurrent senders and works each one against an instant local helpdesk
// that answers like Zendesk (a lookup with its identities request, a
// ticket, a journal entry: four requests per call). Beside it, in the same
// run, a floor: plain Go making the same four requests per call with
// net/http and no durability, so each figure reads against what the
// machine can do at all.
//
// A scale-out mode (RunScale, scale.go) runs K replicas of the binary on
// one PostgreSQL schema for each replica count K, the events spread over
// them in turn, against a helpdesk with a latency, through a copy of the
// Zendesk template with a MaxConcurrentRequest of the run's choosing: it
// reports each count's calls/s and speed-up over one replica, and fails a
// run in which the helpdesk ever held more requests at once than that
// limit, which the replicas share.
//
// It owns the harness: the helpdesk (desk.go), starting, configuring
// through the HTTP API, sampling and stopping the binary (serve.go,
// postgres.go), the load (load.go), the floor (floor.go), the runs and
// their medians (bench.go, scale.go) and the tables (report.go).
//
// It must not import Switchboard's own packages or reach into its
// database: it measures the binary from the outside, through the same
// API a PBX and an admin use, so what it measures is what ships. It must
// never tune, patch or stub the service to look faster, and a run whose
// calls are not each journaled exactly once is a failure, not a number.
package callbench
