package cli

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadBuildInfo(t *testing.T) {
	t.Parallel()
	platform := runtime.GOOS + "/" + runtime.GOARCH
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-03-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	for _, tc := range []struct {
		name   string
		info   *debug.BuildInfo
		stamps stamps
		want   BuildInfo
	}{
		{
			name: "no build info",
			want: BuildInfo{Version: "devel", GoVersion: runtime.Version(), Platform: platform},
		},
		{
			name: "go build outside a checkout",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/switchboard/switchboard", Version: "(devel)"}},
			want: BuildInfo{Version: "devel", GoVersion: "go1.26.8", Platform: platform},
		},
		{
			name: "go install at a release",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}},
			want: BuildInfo{Version: "v1.4.0", GoVersion: "go1.26.8", Platform: platform},
		},
		{
			name: "a checkout with uncommitted changes",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20260301100000-0123456789ab+dirty"}, Settings: vcs},
			want: BuildInfo{Version: "v0.0.0-20260301100000-0123456789ab+dirty", Commit: "0123456789abcdef0123456789abcdef01234567",
				Date: "2026-03-01T10:00:00Z", Modified: true, GoVersion: "go1.26.8", Platform: platform},
		},
		{
			name:   "make dist: the stamp wins over the module version",
			info:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20260301100000-0123456789ab"}, Settings: vcs[:3]},
			stamps: stamps{version: "v1.4.0", commit: "0123456", date: "2026-02-01T00:00:00Z"},
			want: BuildInfo{Version: "v1.4.0", Commit: "0123456789abcdef0123456789abcdef01234567",
				Date: "2026-03-01T10:00:00Z", GoVersion: "go1.26.8", Platform: platform},
		},
		{
			name:   "container build or git worktree: no vcs settings, the stamps",
			info:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			stamps: stamps{version: "v1.4.0-dirty", commit: "0123456", date: "2026-02-01T00:00:00Z", modified: true},
			want:   BuildInfo{Version: "v1.4.0-dirty", Commit: "0123456", Date: "2026-02-01T00:00:00Z", Modified: true, GoVersion: "go1.26.8", Platform: platform},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, readBuildInfo(tc.info, tc.stamps))
		})
	}
}
