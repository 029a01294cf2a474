package accounts

import (
	"errors"
	"fmt"
	"time"
)

// Errors callers branch on. Conflicts (a name or e-mail taken) and unknown
// users are the store's ErrConflict and ErrNotFound, wrapped.
var (
	// ErrBadCredentials is any failed sign-in: the same whether the
	// account exists or not, so it tells nobody which names exist.
	ErrBadCredentials = errors.New("the name or e-mail and the password do not match an account")
	// ErrDisabled is a sign-in with the right password to a disabled
	// account.
	ErrDisabled = errors.New("this account is disabled; an administrator can enable it")
	// ErrNotSignedIn is a session token that is unknown, signed out or
	// expired, or whose account is disabled.
	ErrNotSignedIn = errors.New("not signed in, or the session has ended: sign in again")
	// ErrSetupDone refuses the setup of a first admin once an account
	// exists.
	ErrSetupDone = errors.New("setup is over: the first admin exists; sign in instead")
	// ErrBadSetupToken refuses a setup token that is unknown, used or
	// expired.
	ErrBadSetupToken = errors.New("the setup token is not valid (unknown, used or expired); restart switchboard serve for a new link")
	// ErrLastAdmin refuses to disable or demote the last enabled admin,
	// which would leave nobody to run the console.
	ErrLastAdmin = errors.New("this is the last enabled admin; make another admin first")
)

// InvalidError is input that cannot be an account: the field and what is
// wrong with it.
type InvalidError struct {
	Field   string // name, email, role, extension, password, login
	Message string
}

func (e *InvalidError) Error() string { return e.Message }

func invalid(field, format string, args ...any) *InvalidError {
	return &InvalidError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ThrottledError refuses a sign-in after too many failures: of the
// account, or from the client's address.
type ThrottledError struct {
	// RetryAfter is how long until an attempt is taken again.
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed sign-ins; try again in %s", time.Duration(e.Seconds())*time.Second)
}

// Seconds is RetryAfter in whole seconds, rounded up: never 0.
func (e *ThrottledError) Seconds() int {
	return max(1, int((e.RetryAfter+time.Second-1)/time.Second))
}
