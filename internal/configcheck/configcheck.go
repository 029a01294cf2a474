// Package configcheck holds what Switchboard's config structs share: the
// checks, so each Validate says what is wrong in the same words (the
// field, the rule, and the fix), and the filling in of defaults. It must not hold any config of its own, or import
// another package of Switchboard.
package configcheck

import (
	"fmt"
	"time"
)

// Duration is a duration field of a config, with the default 0 stands for.
type Duration struct {
	Name           string
	Value, Default time.Duration
}

// NotNegative names the first negative duration among fields: owner is the
// config's name in the message ("queue", "retry policy").
func NotNegative(owner string, fields ...Duration) error {
	for _, f := range fields {
		if f.Value < 0 {
			return fmt.Errorf("%s: %s %s is negative; give a positive duration, or 0 for %s", owner, f.Name, f.Value, f.Default)
		}
	}
	return nil
}

// CountNotNegative names a negative count.
func CountNotNegative(owner, name string, value, def int) error {
	if value < 0 {
		return fmt.Errorf("%s: %s %d is negative; give a positive number, or 0 for %d", owner, name, value, def)
	}
	return nil
}

// Default sets *v to def when it is the zero value: what every
// WithDefaults does for each field.
func Default[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
