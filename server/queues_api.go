package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard/store"
)

type queueBody struct {
	Name   string   `json:"name"`
	Agents []string `json:"agents"`
}

type queueView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Agents    []string  `json:"agents"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func viewQueue(q *store.MessageQueue) queueView {
	return queueView{ID: q.ID, Name: q.Name, Agents: q.Agents, CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt}
}

// checkQueue checks a queue's name and that its agents are extensions.
func (s *Server) checkQueue(ctx context.Context, b *queueBody) error {
	var problems []string
	b.Name = strings.TrimSpace(b.Name)
	if b.Name == "" {
		problems = append(problems, "name is required")
	}
	seen := map[string]bool{}
	for _, a := range b.Agents {
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
	if b.Agents == nil {
		b.Agents = []string{}
	}
	if len(problems) > 0 {
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_queue", Message: "the queue has problems", Details: problems}
	}
	return nil
}

func (s *Server) createQueue(w http.ResponseWriter, r *http.Request) error {
	var b queueBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		return err
	}
	if err := s.checkQueue(r.Context(), &b); err != nil {
		return err
	}
	now := s.now()
	q := &store.MessageQueue{ID: newID("que"), Name: b.Name, Agents: b.Agents, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateQueue(r.Context(), q); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewQueue(q))
	return nil
}

func (s *Server) listQueues(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListQueues(r.Context())
	if err != nil {
		return err
	}
	out := make([]queueView, 0, len(list))
	for _, q := range list {
		out = append(out, viewQueue(q))
	}
	writeJSON(w, 200, map[string]any{"queues": out})
	return nil
}

func (s *Server) queueByID(ctx context.Context, id string) (*store.MessageQueue, error) {
	q, err := s.store.GetQueue(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("queue " + id)
	}
	return q, err
}

func (s *Server) getQueue(w http.ResponseWriter, r *http.Request) error {
	q, err := s.queueByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, viewQueue(q))
	return nil
}

func (s *Server) updateQueue(w http.ResponseWriter, r *http.Request) error {
	q, err := s.queueByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	var b queueBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		return err
	}
	if err := s.checkQueue(r.Context(), &b); err != nil {
		return err
	}
	q.Name, q.Agents, q.UpdatedAt = b.Name, b.Agents, s.now()
	if err := s.store.UpdateQueue(r.Context(), q); err != nil {
		return err
	}
	writeJSON(w, 200, viewQueue(q))
	return nil
}

// deleteQueue refuses while a channel number routes to the queue or
// sessions wait in it: they would have nowhere to go.
func (s *Server) deleteQueue(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.store.DeleteQueue(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("queue " + id)
		}
		if errors.Is(err, store.ErrInUse) {
			return errorf(http.StatusConflict, "queue_in_use", "%s", strings.TrimPrefix(err.Error(), store.ErrInUse.Error()+": "))
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
