// Package examples holds the templates shipped with Switchboard. The
// service offers them as built-in templates. It holds files, never code
// that runs them.
package examples

import "embed"

// Templates are the shipped template files (*.xml).
//
//go:embed *.xml
var Templates embed.FS
