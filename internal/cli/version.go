package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"

	"github.com/spf13/cobra"
)

// Set at link time by make dist and the Dockerfile:
//
//	-ldflags "-X github.com/switchboard/switchboard/internal/cli.version=v1.4.0
//	          -X github.com/switchboard/switchboard/internal/cli.commit=<sha>
//	          -X github.com/switchboard/switchboard/internal/cli.date=<commit time>
//	          -X github.com/switchboard/switchboard/internal/cli.modified=true"
//
// A build from a git clone needs only the version: the Go toolchain stamps
// the commit, its time and whether the tree was modified (vcs.*), which
// win. The container build has no .git, and the toolchain stamps nothing
// in a git worktree, so there they come from the flags.
var (
	version  string
	commit   string
	date     string
	modified string
)

// BuildInfo says what a binary is: the release, the source and the
// toolchain. It is what `switchboard version --json` prints.
type BuildInfo struct {
	// Version is the release: the -X version stamp, else the module
	// version go install (or go build in a checkout) recorded, else
	// "devel".
	Version string `json:"version"`
	// Commit is the git revision (vcs.revision, else the -X commit
	// stamp); empty when unknown.
	Commit string `json:"commit,omitempty"`
	// Date is the commit's time (vcs.time, else the -X date stamp),
	// RFC 3339; empty when unknown.
	Date string `json:"date,omitempty"`
	// Modified reports uncommitted changes in the tree it was built from
	// (vcs.modified, else the -X modified stamp).
	Modified bool `json:"modified"`
	// GoVersion is the toolchain that built it, e.g. go1.26.8.
	GoVersion string `json:"go"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
}

// buildInfo reads this binary's BuildInfo.
func buildInfo() BuildInfo {
	info, _ := debug.ReadBuildInfo()
	return readBuildInfo(info, stamps{version: version, commit: commit, date: date, modified: modified == "true"})
}

// stamps are the values set at link time.
type stamps struct {
	version, commit, date string
	modified              bool
}

// readBuildInfo combines what the toolchain recorded (info, nil when the
// binary carries none) with the link-time stamps.
func readBuildInfo(info *debug.BuildInfo, st stamps) BuildInfo {
	b := BuildInfo{Version: st.version, Commit: st.commit, Date: st.date, Modified: st.modified, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info == nil {
		if b.Version == "" {
			b.Version = "devel"
		}
		return b
	}
	if info.GoVersion != "" {
		b.GoVersion = info.GoVersion
	}
	if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.Date = s.Value
		case "vcs.modified":
			b.Modified, _ = strconv.ParseBool(s.Value)
		}
	}
	return b
}

func newVersion() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := buildInfo()
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(b)
			}
			fmt.Fprintf(out, "switchboard %s\n", b.Version)
			commit := b.Commit
			if commit == "" {
				commit = "unknown"
			}
			if b.Modified {
				commit += " (modified)"
			}
			fmt.Fprintf(out, "  commit: %s\n", commit)
			date := b.Date
			if date == "" {
				date = "unknown"
			}
			fmt.Fprintf(out, "  date:   %s\n", date)
			fmt.Fprintf(out, "  go:     %s %s\n", b.GoVersion, b.Platform)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the build information as JSON")
	return cmd
}
