// Package groupcommit writes many callers' items in one transaction
// (group commit): items that arrive while a group is being committed wait
// and go together in the next one, and each caller returns only once the
// group holding its item committed. A database spends most of a small
// write on the commit (the log write, on PostgreSQL its flush), so many
// items per commit cost little more than one.
//
// It owns only the grouping and the hand-over between callers; what a
// commit does is the caller's Commit function. It must not know any
// database, and starts no goroutine but the one that takes over the next
// group from a caller that committed one.
package groupcommit

import (
	"context"
	"sync"
	"time"
)

// Config configures a Committer.
type Config[T any] struct {
	// Commit writes a group in one transaction: all of it, or (returning
	// an error) none of it. Required.
	Commit func(ctx context.Context, items []T) error
	// Settled, when set, runs after a group committed and before its
	// callers return (work that needs the group stored, for the items
	// that need it). Its errors are its own to report.
	Settled func(ctx context.Context, items []T)
	// MaxGroup bounds the items of one group. Default 256.
	MaxGroup int
	// Parallel is how many groups may be committed at once. Default 1
	// (a database with one writer); more where transactions run side by
	// side and wait on round trips.
	Parallel int
	// Timeout bounds one group's commit; not a caller's context, since a
	// group holds many callers' items and one giving up must not fail
	// the others. Default 30 s.
	Timeout time.Duration
}

// Committer groups items into transactions. The zero value is not
// usable; see New.
type Committer[T any] struct {
	cfg Config[T]

	mu      sync.Mutex
	pending []*waiter[T]
	running int
}

type waiter[T any] struct {
	item T
	err  error
	done chan struct{}
}

// New returns a committer.
func New[T any](cfg Config[T]) *Committer[T] {
	if cfg.MaxGroup <= 0 {
		cfg.MaxGroup = 256
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Committer[T]{cfg: cfg}
}

// Do commits item with the others of its group and returns its error:
// the group's, or, when the group failed and the item was then committed
// alone, its own (so that one item that cannot be written does not fail
// the others). When ctx ends first Do returns ctx's error, and the item
// may still be committed.
func (c *Committer[T]) Do(ctx context.Context, item T) error {
	w := &waiter[T]{item: item, done: make(chan struct{})}
	c.mu.Lock()
	c.pending = append(c.pending, w)
	lead := c.running < c.cfg.Parallel
	if lead {
		c.running++
	}
	c.mu.Unlock()
	if lead {
		c.commitNext(context.WithoutCancel(ctx))
	}
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Pending counts the items waiting for a group to take them.
func (c *Committer[T]) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// commitNext commits the items pending now, then leaves the next group,
// if any, to a goroutine of its own so that its caller can return.
func (c *Committer[T]) commitNext(ctx context.Context) {
	c.mu.Lock()
	n := min(len(c.pending), c.cfg.MaxGroup)
	if n == 0 {
		// Another committer took the items this one was started for
		// (with Parallel > 1, two that finish together may both start
		// one): nothing to commit.
		c.running--
		c.mu.Unlock()
		return
	}
	group := c.pending[:n:n]
	c.pending = c.pending[n:]
	c.mu.Unlock()

	c.commit(ctx, group)

	c.mu.Lock()
	more := len(c.pending) > 0
	if !more {
		c.running--
	}
	c.mu.Unlock()
	if more {
		go c.commitNext(ctx)
	}
}

func (c *Committer[T]) commit(ctx context.Context, group []*waiter[T]) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	items := make([]T, len(group))
	for i, w := range group {
		items[i] = w.item
	}
	err := c.cfg.Commit(ctx, items)
	var committed []T
	switch {
	case err == nil:
		committed = items
	case len(group) > 1:
		for _, w := range group {
			if w.err = c.cfg.Commit(ctx, []T{w.item}); w.err == nil {
				committed = append(committed, w.item)
			}
		}
	default:
		group[0].err = err
	}
	if err == nil {
		for _, w := range group {
			w.err = nil
		}
	}
	if c.cfg.Settled != nil && len(committed) > 0 {
		c.cfg.Settled(ctx, committed)
	}
	for _, w := range group {
		close(w.done)
	}
}
