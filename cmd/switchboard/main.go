// Command switchboard runs the Switchboard service and its template tools.
// It is only the entry point: everything it does is internal/cli's, and it
// must not grow logic of its own.
package main

import (
	"os"

	"github.com/switchboard/switchboard/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
