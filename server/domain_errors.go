package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/switchboard/switchboard/calls"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/store"
)

// domainError answers the refusals of the runtime of integrations and of
// the calls service with their status and code; anything else goes on to
// writeError as it is.
func domainError(r *http.Request, err error) error {
	var (
		invalid *calls.InvalidError
		noSc    *integrations.NoScenarioError
		notConn *integrations.NotConnectedError
		remote  *integrations.RemoteError
		bind    *integrations.BindError
	)
	switch {
	case errors.As(err, &invalid):
		return badRequest("%s", invalid.Message)
	case errors.As(err, &noSc):
		return errorf(http.StatusConflict, "not_supported", "%s", noSc.Error())
	case errors.As(err, &notConn):
		return errorf(http.StatusConflict, "not_connected", "%s", notConn.Error())
	case errors.As(err, &remote):
		return remoteFailed(r, remote)
	case errors.As(err, &bind):
		return bindError(bind)
	}
	return err
}

// bindError answers a refused binding; an unknown extension names the
// route that creates it.
func bindError(e *integrations.BindError) error {
	switch e.Problem {
	case integrations.UnknownUser:
		return notFound("helpdesk user " + e.UserID + " (sync the users first)")
	case integrations.UnknownExtension:
		return badRequest("extension %s does not exist; create it with PUT /api/v1/extensions/%s", e.Extension, e.Extension)
	}
	return errorf(http.StatusConflict, "conflict", "%s", e.Error())
}

// remoteFailure is the answer to a request whose run on the helpdesk
// failed: see remoteAnswer.
func remoteFailure(r *http.Request, what string, res *engine.Result) error {
	return remoteAnswer(r, what, res.Error, res.Err, res.Trace)
}

// remoteFailed is remoteFailure for an operation of a domain package.
func remoteFailed(r *http.Request, e *integrations.RemoteError) error {
	return remoteAnswer(r, e.Op, e.Err.Error(), e.Err, e.Trace)
}

// remoteAnswer is 502 with the error and the masked trace for admins.
// Agents learn that it failed, not the helpdesk's address, answer or
// trace: those are the admin's.
func remoteAnswer(r *http.Request, what, msg string, err error, trace []engine.Exchange) error {
	if principalFrom(r.Context()).Role != store.RoleAdmin {
		return errorf(http.StatusBadGateway, "remote_failed", "%s failed (%s); an administrator can see why", what, failureClass(err))
	}
	return &apiError{Status: http.StatusBadGateway, Code: "remote_failed", Message: what + " failed: " + msg, Details: trace}
}

// failureClass names a remote failure without its details.
func failureClass(err error) string {
	var se *engine.HTTPStatusError
	switch {
	case integrations.AuthFailure(err):
		return "the helpdesk refused the credentials"
	case errors.As(err, &se):
		return fmt.Sprintf("the helpdesk answered HTTP %d", se.Status)
	}
	return "the helpdesk could not be reached"
}
