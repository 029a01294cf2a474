// Package deploy_test checks the files that install Switchboard: the
// container image's Dockerfile, the Compose file and the systemd unit. The
// directory holds no Go code of its own.
package deploy_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The link-time stamps the release builds set must name variables that
// exist: the linker ignores -X for a name it does not know, so a rename
// would leave every release "devel" without a word.
func TestStampsNameRealVariables(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../internal/cli/version.go")
	require.NoError(t, err)
	stamp := regexp.MustCompile(`-X (?:\$\(MODULE\)|github\.com/switchboard/switchboard)/internal/cli\.(\w+)=`)
	for _, file := range []string{"../Makefile", "../Dockerfile"} {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		var names []string
		for _, m := range stamp.FindAllStringSubmatch(string(data), -1) {
			names = append(names, m[1])
		}
		require.ElementsMatch(t, []string{"version", "commit", "date", "modified"}, names, file)
		for _, name := range names {
			require.Regexp(t, `(?m)^\t`+name+`\s+string$`, string(src), "%s stamps internal/cli.%s, a string variable", file, name)
		}
	}
}

// The Dockerfile's instructions, read line by line with continuations
// joined.
func dockerfile(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile("../Dockerfile")
	require.NoError(t, err)
	got := map[string][]string{}
	var line string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "#") || (text == "" && line == "") {
			continue
		}
		if rest, ok := strings.CutSuffix(text, `\`); ok {
			line += rest + " "
			continue
		}
		line += text
		instr, args, _ := strings.Cut(line, " ")
		got[strings.ToUpper(instr)] = append(got[strings.ToUpper(instr)], strings.Join(strings.Fields(args), " "))
		line = ""
	}
	return got
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	d := dockerfile(t)
	require.Equal(t, []string{"golang:1.26 AS build", "gcr.io/distroless/static-debian12:nonroot"}, d["FROM"])
	require.Equal(t, []string{"/data"}, d["VOLUME"])
	require.Equal(t, []string{"65532:65532"}, d["USER"], "the image runs as distroless's non-root user")
	require.Equal(t, []string{"8080"}, d["EXPOSE"])
	require.Len(t, d["HEALTHCHECK"], 1)
	require.True(t, strings.HasSuffix(d["HEALTHCHECK"][0], `CMD ["/switchboard", "health"]`), d["HEALTHCHECK"][0])
	require.Equal(t, []string{`["/switchboard"]`}, d["ENTRYPOINT"])
	require.Equal(t, []string{`["serve", "--addr", "0.0.0.0:8080", "--data", "/data"]`}, d["CMD"])
	require.Contains(t, strings.Join(d["ENV"], " "), "CGO_ENABLED=0")
	require.Contains(t, strings.Join(d["RUN"], " "), "go build -trimpath")

	ignore, err := os.ReadFile("../.dockerignore")
	require.NoError(t, err)
	for _, p := range []string{".git", "bin/", "dist/", "data/"} {
		require.Contains(t, strings.Fields(string(ignore)), p, ".dockerignore keeps %s out of the build context", p)
	}
}

// composeService is the part of a Compose service the test reads.
type composeService struct {
	Image   string
	Build   struct{ Context string }
	Command []string
	EnvFile string            `yaml:"env_file"`
	Env     map[string]string `yaml:"environment"`
	Ports   []string
	Volumes []string
	Depends map[string]struct {
		Condition string
	} `yaml:"depends_on"`
	Healthcheck struct {
		Test []string
	}
}

func TestCompose(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("compose.yaml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]composeService
		Volumes  map[string]any
	}
	require.NoError(t, yaml.Unmarshal(data, &compose))
	require.Len(t, compose.Services, 3)

	pg := compose.Services["postgres"]
	require.Equal(t, "postgres:16", pg.Image)
	require.Contains(t, pg.Env["POSTGRES_PASSWORD"], "${POSTGRES_PASSWORD:?")
	require.Equal(t, "CMD-SHELL", pg.Healthcheck.Test[0])
	require.Contains(t, pg.Healthcheck.Test[1], "pg_isready")
	require.Contains(t, pg.Volumes, "postgres:/var/lib/postgresql/data")

	ports := map[string]bool{}
	for _, name := range []string{"switchboard-1", "switchboard-2"} {
		s, ok := compose.Services[name]
		require.True(t, ok, name)
		require.Equal(t, "..", s.Build.Context, "%s builds the Dockerfile at the repository's root", name)
		require.Equal(t, "switchboard.env", s.EnvFile, "%s takes SWITCHBOARD_SECRET_KEY from the shared env file", name)
		require.Equal(t, pg.Env["POSTGRES_PASSWORD"], s.Env["PGPASSWORD"], name)
		require.Equal(t, "service_healthy", s.Depends["postgres"].Condition, name)
		require.Equal(t, []string{"CMD", "/switchboard", "health"}, s.Healthcheck.Test, name)
		cmd := strings.Join(s.Command, " ")
		require.Contains(t, cmd, "serve --addr 0.0.0.0:8080 --data /data --database postgres://switchboard@postgres:5432/switchboard", name)
		require.NotContains(t, cmd, "${POSTGRES_PASSWORD", "%s keeps the password out of its command line", name)
		require.Len(t, s.Ports, 1, name)
		require.False(t, ports[s.Ports[0]], "%s has a port of its own", name)
		ports[s.Ports[0]] = true
		require.Len(t, s.Volumes, 1)
		volume, _, _ := strings.Cut(s.Volumes[0], ":")
		require.Contains(t, compose.Volumes, volume, name)
	}

	// Compose itself, where it is installed: the file must resolve.
	if exec.Command("docker", "compose", "version").Run() != nil {
		t.Log("docker compose is not installed: the file was checked as YAML only")
		return
	}
	dir := t.TempDir()
	env := filepath.Join(dir, "switchboard.env")
	require.NoError(t, os.WriteFile(env, []byte("SWITCHBOARD_SECRET_KEY=k\nPOSTGRES_PASSWORD=p\n"), 0o600))
	local, err := os.ReadFile("compose.yaml")
	require.NoError(t, err)
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), bytes.ReplaceAll(local, []byte("context: .."), []byte("context: "+root)), 0o644))
	out, err := exec.Command("docker", "compose", "--env-file", env, "-f", filepath.Join(dir, "compose.yaml"), "config", "--quiet").CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// unitSettings reads a unit file's Key=Value lines by section.
func unitSettings(t *testing.T, data []byte) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			require.True(t, ok, "not Key=Value: %q", line)
			got[section+"."+k] = append(got[section+"."+k], v)
		}
	}
	return got
}

func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("switchboard.service")
	require.NoError(t, err)
	u := unitSettings(t, data)
	for key, want := range map[string]string{
		"Service.ExecStart":               "/usr/local/bin/switchboard serve --data /var/lib/switchboard",
		"Service.User":                    "switchboard",
		"Service.StateDirectory":          "switchboard",
		"Service.EnvironmentFile":         "-/etc/switchboard/env",
		"Service.ProtectSystem":           "strict",
		"Service.ProtectHome":             "yes",
		"Service.PrivateTmp":              "yes",
		"Service.NoNewPrivileges":         "yes",
		"Service.CapabilityBoundingSet":   "",
		"Service.RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"Service.Restart":                 "on-failure",
		"Install.WantedBy":                "multi-user.target",
	} {
		require.Equal(t, []string{want}, u[key], key)
	}
	require.Equal(t, "@system-service", u["Service.SystemCallFilter"][0])

	verify, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the unit was checked as text only")
	}
	// verify insists that ExecStart's program exists and is executable;
	// it does not run it, so this test's own binary stands in for
	// /usr/local/bin/switchboard.
	self, err := os.Executable()
	require.NoError(t, err)
	analyze := func(t *testing.T, unit []byte) string {
		dir := t.TempDir()
		path := filepath.Join(dir, "switchboard.service")
		unit = bytes.ReplaceAll(unit, []byte("ExecStart=/usr/local/bin/switchboard "), []byte("ExecStart="+self+" "))
		require.NoError(t, os.WriteFile(path, unit, 0o644))
		out, _ := exec.Command(verify, "verify", "--man=no", path).CombinedOutput()
		t.Logf("systemd-analyze verify: %q", out)
		// Other units on the machine may draw warnings of their own;
		// only the lines about this unit count.
		var ours []string
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "switchboard") {
				ours = append(ours, line)
			}
		}
		return strings.Join(ours, "\n")
	}
	t.Run("clean", func(t *testing.T) {
		require.Empty(t, analyze(t, data))
	})
	t.Run("a mistake is seen", func(t *testing.T) {
		// The check is not blind: a misspelt key draws a warning.
		require.Contains(t, analyze(t, bytes.Replace(data, []byte("ProtectSystem="), []byte("ProtectSytem="), 1)), "ProtectSytem")
	})
}
