package messaging

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/store"
)

// QueueSpec is what an admin gives for a queue: its name and the
// extensions of its agents.
type QueueSpec struct {
	Name   string
	Agents []string
}

// check trims the name and checks that the agents are extensions, each
// once: a KindInvalid Problem with every problem in its Details.
func (s *Service) checkQueue(ctx context.Context, spec *QueueSpec) error {
	var problems []string
	spec.Name = strings.TrimSpace(spec.Name)
	if spec.Name == "" {
		problems = append(problems, "name is required")
	}
	seen := map[string]bool{}
	for _, a := range spec.Agents {
		if seen[a] {
			problems = append(problems, fmt.Sprintf("agents: extension %s is given twice", a))
			continue
		}
		seen[a] = true
		if _, err := s.store.GetExtension(ctx, a); errors.Is(err, store.ErrNotFound) {
			problems = append(problems, fmt.Sprintf("agents: no extension %q (add it with PUT /api/v1/extensions/{number})", a))
		} else if err != nil {
			return err
		}
	}
	if spec.Agents == nil {
		spec.Agents = []string{}
	}
	if len(problems) > 0 {
		return &Problem{Kind: KindInvalid, Message: "the queue has problems", Details: problems}
	}
	return nil
}

// CreateQueue adds a queue sessions can be offered in.
func (s *Service) CreateQueue(ctx context.Context, spec QueueSpec) (*store.MessageQueue, error) {
	if err := s.checkQueue(ctx, &spec); err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	q := &store.MessageQueue{ID: store.NewID("que"), Name: spec.Name, Agents: spec.Agents, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateQueue(ctx, q); err != nil {
		return nil, err
	}
	return q, nil
}

// Queue returns a queue; a KindNotFound Problem when there is none.
func (s *Service) Queue(ctx context.Context, id string) (*store.MessageQueue, error) {
	q, err := s.store.GetQueue(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem(KindNotFound, "queue %s not found", id)
	}
	return q, err
}

// Queues lists the queues.
func (s *Service) Queues(ctx context.Context) ([]*store.MessageQueue, error) {
	return s.store.ListQueues(ctx)
}

// UpdateQueue replaces a queue's name and agents.
func (s *Service) UpdateQueue(ctx context.Context, id string, spec QueueSpec) (*store.MessageQueue, error) {
	q, err := s.Queue(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkQueue(ctx, &spec); err != nil {
		return nil, err
	}
	q.Name, q.Agents, q.UpdatedAt = spec.Name, spec.Agents, s.cfg.Now()
	if err := s.store.UpdateQueue(ctx, q); err != nil {
		return nil, err
	}
	return q, nil
}

// DeleteQueue removes a queue, refused (KindQueueInUse) while a channel
// number routes to it or sessions wait in it: they would have nowhere to
// go.
func (s *Service) DeleteQueue(ctx context.Context, id string) error {
	err := s.store.DeleteQueue(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return problem(KindNotFound, "queue %s not found", id)
	case errors.Is(err, store.ErrInUse):
		return problem(KindQueueInUse, "%s", strings.TrimPrefix(err.Error(), store.ErrInUse.Error()+": "))
	}
	return err
}
