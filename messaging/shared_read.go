package messaging

import (
	"context"
	"sync"
)

// sharedReads lets callers that want the same read of the store at the
// same time share one: webhooks of a channel arriving together each need
// the channel's stamp and the queue its session is offered in. On SQLite
// every read waits for the one connection, which also stores the
// messages, so one read for the lot is one wait instead of many.
//
// A caller never gets a read that began before it asked: while a read of
// a key runs, the callers arriving wait for the next one, which begins
// when it ends and is done by one of them for all. So what a caller gets
// is as fresh as a read of its own.
type sharedReads[T any] struct {
	mu   sync.Mutex
	keys map[string]*sharedKey[T]
}

// sharedKey is the state of one key: a read runs, and the next one
// gathers the callers that will share it.
type sharedKey[T any] struct {
	next *sharedRead[T] // nil: nobody waits yet
}

// sharedRead is one read and its result.
type sharedRead[T any] struct {
	v       T
	err     error
	done    chan struct{} // closed when v and err are set
	lead    chan bool     // told to one of its callers: the read before it ended, do it
	callers int           // how many wait for it
}

// get returns what read answers for key, read after this call began.
// Callers that wait for another's read do so without their context: the
// read is one query, and the one doing it must not leave the others
// waiting, so it reads without its context's end too.
func (r *sharedReads[T]) get(ctx context.Context, key string, read func(context.Context) (T, error)) (T, error) {
	r.mu.Lock()
	if r.keys == nil {
		r.keys = map[string]*sharedKey[T]{}
	}
	k := r.keys[key]
	if k == nil {
		// Nothing runs: read at once.
		r.keys[key] = &sharedKey[T]{}
		r.mu.Unlock()
		v, err := read(ctx)
		r.ended(key)
		return v, err
	}
	if k.next == nil {
		k.next = &sharedRead[T]{done: make(chan struct{}), lead: make(chan bool, 1)}
	}
	next := k.next
	next.callers++
	r.mu.Unlock()
	select {
	case <-next.done:
	case <-next.lead:
		next.v, next.err = read(context.WithoutCancel(ctx))
		close(next.done)
		r.ended(key)
	}
	return next.v, next.err
}

// ended is called when a read of key ended: the callers waiting for the
// next one have one of them do it, or the key is idle again.
func (r *sharedReads[T]) ended(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := r.keys[key]
	if k.next == nil {
		delete(r.keys, key)
		return
	}
	next := k.next
	k.next = nil
	next.lead <- true
}
