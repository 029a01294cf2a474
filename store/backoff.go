package store

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/switchboard/switchboard/internal/configcheck"
)

// Backoff is the retry policy of the job queue: exponential waits with
// jitter under a cap that stays short while a job is young, so work
// queued during an outage of the remote system finishes soon after the
// remote recovers, and grows for jobs that have been failing for long, so
// a system that stays down is not hammered. River's default (attempt⁴
// seconds) had calls finish 88 s after a 30 s outage ended.
//
// The wait before attempt n+1 is min(cap, Base·2ⁿ⁻¹), scaled by a random
// factor in [½, 1] so that jobs failed together do not retry together.
// The cap depends on the job's age (now − CreatedAt): Cap while younger
// than CapFor, then LongCap while younger than LongCapFor, then LongerCap.
// Zero fields take the defaults noted.
type Backoff struct {
	// Base is the first wait. Default 1s.
	Base time.Duration
	// Cap bounds every wait of a young job. Default 8s: with River's
	// scheduler, which makes a job waiting longer than 5 s available
	// within its next 5 s round, work queued during an outage is done at
	// most about 13 s after the remote recovers.
	Cap time.Duration
	// CapFor is how long a job counts as young. Default 10 minutes.
	CapFor time.Duration
	// LongCap bounds the waits of a job older than CapFor. Default 1 minute.
	LongCap time.Duration
	// LongCapFor is when LongerCap takes over. Default 1 hour.
	LongCapFor time.Duration
	// LongerCap bounds the waits of a job older than LongCapFor. Default 5
	// minutes.
	LongerCap time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Rand returns a number in [0, 1) for the jitter. Default math/rand/v2.
	Rand func() float64
}

// Defaults of Backoff.
const (
	DefaultBackoffBase       = time.Second
	DefaultBackoffCap        = 8 * time.Second
	DefaultBackoffCapFor     = 10 * time.Minute
	DefaultBackoffLongCap    = time.Minute
	DefaultBackoffLongCapFor = time.Hour
	DefaultBackoffLongerCap  = 5 * time.Minute
)

// WithDefaults fills in the zero fields.
func (b Backoff) WithDefaults() Backoff {
	for _, f := range b.durations() {
		configcheck.Default(f.v, f.def)
	}
	if b.Now == nil {
		b.Now = time.Now
	}
	if b.Rand == nil {
		b.Rand = rand.Float64
	}
	return b
}

type backoffField struct {
	name string
	v    *time.Duration
	def  time.Duration
}

func (b *Backoff) durations() []backoffField {
	return []backoffField{
		{"Base", &b.Base, DefaultBackoffBase}, {"Cap", &b.Cap, DefaultBackoffCap}, {"CapFor", &b.CapFor, DefaultBackoffCapFor},
		{"LongCap", &b.LongCap, DefaultBackoffLongCap}, {"LongCapFor", &b.LongCapFor, DefaultBackoffLongCapFor},
		{"LongerCap", &b.LongerCap, DefaultBackoffLongerCap},
	}
}

// Validate names the first field that cannot work, the rule, and the fix.
func (b Backoff) Validate() error {
	var fields []configcheck.Duration
	for _, f := range b.durations() {
		fields = append(fields, configcheck.Duration{Name: f.name, Value: *f.v, Default: f.def})
	}
	return configcheck.NotNegative("backoff", fields...)
}

// NextRetry implements river.ClientRetryPolicy.
func (b Backoff) NextRetry(job *rivertype.JobRow) time.Time {
	now := b.Now()
	return now.Add(b.Wait(job.Attempt, now.Sub(job.CreatedAt)))
}

// Wait is how long a job that failed its attempt-th attempt waits, at the
// given age.
func (b Backoff) Wait(attempt int, age time.Duration) time.Duration {
	limit := b.Cap
	switch {
	case age >= b.LongCapFor:
		limit = b.LongerCap
	case age >= b.CapFor:
		limit = b.LongCap
	}
	d := b.Base
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return time.Duration(float64(d) * (0.5 + b.Rand()/2))
}
