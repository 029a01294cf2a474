package calls

import "fmt"

// InvalidError is a request the service refuses for what it asks: the
// message names what was wrong.
type InvalidError struct{ Message string }

func (e *InvalidError) Error() string { return e.Message }

func invalid(format string, args ...any) *InvalidError {
	return &InvalidError{Message: fmt.Sprintf(format, args...)}
}
