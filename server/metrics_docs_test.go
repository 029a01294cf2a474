package server

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// describing is a prometheus.Registerer that keeps what each collector
// describes: every metric newMetrics registers, whether or not it has a
// value yet (a vector without children is missing from a scrape).
type describing struct{ labels map[string][]string }

var (
	descName   = regexp.MustCompile(`fqName: "([^"]+)"`)
	descLabels = regexp.MustCompile(`variableLabels: \{([^}]*)\}`)
)

func (d *describing) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		s := desc.String()
		name := descName.FindStringSubmatch(s)[1]
		var labels []string
		if m := descLabels.FindStringSubmatch(s); m != nil && m[1] != "" {
			labels = strings.Split(m[1], ",")
		}
		d.labels[name] = labels
	}
	return nil
}

func (d *describing) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = d.Register(c)
	}
}

func (d *describing) Unregister(prometheus.Collector) bool { return false }

// registered is every metric the service registers, with its labels.
func registered(t *testing.T) map[string][]string {
	t.Helper()
	d := &describing{labels: map[string][]string{}}
	newMetrics(d)
	require.Contains(t, d.labels, "switchboard_call_steps_total")
	return d.labels
}

type documentedMetric struct {
	typ    string
	labels []string
}

// documented reads the tables of docs/monitoring.md: | `name` | type |
// labels | meaning |.
func documented(t *testing.T) map[string]documentedMetric {
	t.Helper()
	data, err := os.ReadFile("../docs/monitoring.md")
	require.NoError(t, err)
	row := regexp.MustCompile("^\\| `([a-z_:]+)` \\| (counter|gauge|histogram|summary) \\| ([^|]*) \\|")
	label := regexp.MustCompile("`([a-z_]+)`")
	out := map[string]documentedMetric{}
	for _, line := range strings.Split(string(data), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		_, dup := out[m[1]]
		require.False(t, dup, "%s is documented twice", m[1])
		var labels []string
		for _, l := range label.FindAllStringSubmatch(m[3], -1) {
			labels = append(labels, l[1])
		}
		out[m[1]] = documentedMetric{typ: m[2], labels: labels}
	}
	return out
}

// Every metric the service exports is in docs/monitoring.md with its
// labels and type, and the page lists no metric that does not exist.
func TestEveryMetricIsDocumented(t *testing.T) {
	reg, doc := registered(t), documented(t)
	for name, labels := range reg {
		d, ok := doc[name]
		if !assertTrue(t, ok, "%s is registered but not documented in docs/monitoring.md", name) {
			continue
		}
		require.ElementsMatch(t, labels, d.labels, "the labels of %s in docs/monitoring.md", name)
	}
	for name := range doc {
		require.Contains(t, reg, name, "docs/monitoring.md documents %s, which is not registered", name)
	}

	// The types, for the metrics a fresh registry already exports.
	r := prometheus.NewRegistry()
	newMetrics(r)
	families, err := r.Gather()
	require.NoError(t, err)
	for _, f := range families {
		want := strings.ToLower(f.GetType().String())
		if f.GetType() == dto.MetricType_GAUGE_HISTOGRAM {
			want = "histogram"
		}
		require.Equal(t, want, doc[f.GetName()].typ, "the type of %s in docs/monitoring.md", f.GetName())
	}
}

func assertTrue(t *testing.T, ok bool, format string, args ...any) bool {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
	return ok
}

var metricName = regexp.MustCompile(`\b(?:switchboard|go|process)_[a-zA-Z0-9_]+`)

// checkExpr requires every metric a PromQL expression names to be one the
// service registers (a histogram's or summary's _bucket, _sum and _count
// series included).
func checkExpr(t *testing.T, where, expr string, reg map[string][]string) {
	t.Helper()
	names := metricName.FindAllString(expr, -1)
	require.NotEmpty(t, names, "%s: %q names no Switchboard metric", where, expr)
	for _, n := range names {
		if _, ok := reg[n]; ok {
			continue
		}
		base := n
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			base = strings.TrimSuffix(base, suffix)
		}
		_, ok := reg[base]
		require.True(t, ok && base != n, "%s: %q names %s, which the service does not export", where, expr, n)
	}
}

// exprs collects the "expr" strings of a Grafana dashboard, at any depth.
func exprs(v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "expr" {
				*out = append(*out, s)
			} else {
				exprs(x, out)
			}
		}
	case []any:
		for _, x := range v {
			exprs(x, out)
		}
	}
}

// The Grafana dashboard is a dashboard whose queries name real metrics.
func TestGrafanaDashboardUsesRealMetrics(t *testing.T) {
	reg := registered(t)
	data, err := os.ReadFile("../deploy/grafana-dashboard.json")
	require.NoError(t, err)
	var dash struct {
		Title, UID    string
		SchemaVersion int
		Panels        []struct {
			Type, Title string
			Targets     []struct{ Expr, RefID string }
		}
	}
	require.NoError(t, json.Unmarshal(data, &dash))
	require.NotEmpty(t, dash.Title)
	require.NotEmpty(t, dash.UID)
	require.Positive(t, dash.SchemaVersion)
	graphs := 0
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		graphs++
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, tg := range p.Targets {
			require.NotEmpty(t, tg.Expr, "panel %q", p.Title)
			require.NotEmpty(t, tg.RefID, "panel %q", p.Title)
		}
	}
	require.Positive(t, graphs)

	var all any
	require.NoError(t, json.Unmarshal(data, &all))
	var found []string
	exprs(all, &found)
	require.NotEmpty(t, found)
	for _, e := range found {
		if strings.HasPrefix(e, "sum(up{") {
			continue // Prometheus's own: the scrape's success
		}
		checkExpr(t, "deploy/grafana-dashboard.json", e, reg)
	}
}

// The alert rules parse, each names real metrics and says what to do, and
// promtool, when installed, accepts them.
func TestAlertRulesUseRealMetrics(t *testing.T) {
	reg := registered(t)
	data, err := os.ReadFile("../deploy/alerts.yaml")
	require.NoError(t, err)
	var rules struct {
		Groups []struct {
			Name  string
			Rules []struct {
				Alert, Expr string
				For         string
				Labels      map[string]string
				Annotations map[string]string
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(data, &rules))
	require.NotEmpty(t, rules.Groups)
	var alerts []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			require.NotEmpty(t, r.Alert, "group %s: a rule without a name", g.Name)
			alerts = append(alerts, r.Alert)
			require.Contains(t, []string{"critical", "warning"}, r.Labels["severity"], r.Alert)
			require.NotEmpty(t, r.Annotations["summary"], r.Alert)
			require.NotEmpty(t, r.Annotations["description"], r.Alert)
			if strings.HasPrefix(r.Expr, "up{") {
				continue // Prometheus's own: the scrape's success
			}
			checkExpr(t, r.Alert, r.Expr, reg)
		}
	}
	// The page's table of alerts and the file say the same.
	doc, err := os.ReadFile("../docs/monitoring.md")
	require.NoError(t, err)
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(Switchboard[A-Za-z]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		listed = append(listed, m[1])
	}
	require.ElementsMatch(t, alerts, listed, "the alerts in docs/monitoring.md and deploy/alerts.yaml")
	require.False(t, slices.Contains(alerts, ""))

	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool is not installed (Debian: apt-get install prometheus); its check is skipped")
		return
	}
	out, err := exec.Command(promtool, "check", "rules", "../deploy/alerts.yaml").CombinedOutput()
	require.NoError(t, err, "promtool check rules:\n%s", out)
}
