package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/switchboard/switchboard/messaging"
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

// queueError maps the queue's problems to the API's codes.
func queueError(err error) error {
	var mp *messaging.Problem
	if errors.As(err, &mp) && mp.Kind == messaging.KindInvalid && len(mp.Details) > 0 {
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_queue", Message: mp.Message, Details: mp.Details}
	}
	return err
}

func (s *Server) createQueue(w http.ResponseWriter, r *http.Request) error {
	var b queueBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		return err
	}
	q, err := s.msg.CreateQueue(r.Context(), messaging.QueueSpec(b))
	if err != nil {
		return queueError(err)
	}
	writeJSON(w, http.StatusCreated, viewQueue(q))
	return nil
}

func (s *Server) listQueues(w http.ResponseWriter, r *http.Request) error {
	list, err := s.msg.Queues(r.Context())
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

func (s *Server) getQueue(w http.ResponseWriter, r *http.Request) error {
	q, err := s.msg.Queue(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, viewQueue(q))
	return nil
}

func (s *Server) updateQueue(w http.ResponseWriter, r *http.Request) error {
	// The queue first: an unknown one is a 404 whatever the body.
	if _, err := s.msg.Queue(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	var b queueBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		return err
	}
	q, err := s.msg.UpdateQueue(r.Context(), r.PathValue("id"), messaging.QueueSpec(b))
	if err != nil {
		return queueError(err)
	}
	writeJSON(w, 200, viewQueue(q))
	return nil
}

func (s *Server) deleteQueue(w http.ResponseWriter, r *http.Request) error {
	if err := s.msg.DeleteQueue(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
