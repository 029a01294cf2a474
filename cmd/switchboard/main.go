// Command switchboard runs the Switchboard service and its template tools.
package main

import (
	"os"

	"github.com/switchboard/switchboard/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
