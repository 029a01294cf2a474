package callbench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// utime and stime are read after the command name, which may hold spaces
// and parentheses.
func TestParseStatCPU(t *testing.T) {
	stat := "4242 (switch (board) x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 250 75 0 0 20 0 9 0 100 1000000 5000 18446744073709551615"
	got, err := parseStatCPU(stat)
	require.NoError(t, err)
	require.Equal(t, 3250*time.Millisecond, got)
	_, err = parseStatCPU("4242 switchboard S 1")
	require.Error(t, err)
}

func TestPercentileAndMedian(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 50*time.Millisecond, percentile(d, 50))
	require.Equal(t, 99*time.Millisecond, percentile(d, 99))
	require.Equal(t, 100*time.Millisecond, percentile(d, 100))
	require.Equal(t, time.Millisecond, percentile(d[:1], 99))
	require.Zero(t, percentile(nil, 50))

	require.Equal(t, 2.0, median([]float64{3, 1, 2}))
	require.Equal(t, 2.5, median([]float64{4, 1, 3, 2}))
}

// The copy of the Zendesk template changes its Key, Name and limit and
// nothing else; a template whose Information lacks one of them is refused
// rather than uploaded with the builtin's limit.
func TestZendeskCopy(t *testing.T) {
	in := `<?xml version="1.0"?>
<Information Provider="helpdesk" Name="Zendesk" Key="zendesk" Version="1.0.0" MaxConcurrentRequest="10" UserAssociation="1">
  <Parameter Name="x" Key="keep"/>
</Information>`
	out, err := zendeskCopy([]byte(in), 100)
	require.NoError(t, err)
	require.Equal(t, `<?xml version="1.0"?>
<Information Provider="helpdesk" Name="Zendesk (callbench, at most 100 in flight)" Key="callbench_zendesk" Version="1.0.0" MaxConcurrentRequest="100" UserAssociation="1">
  <Parameter Name="x" Key="keep"/>
</Information>`, string(out))

	_, err = zendeskCopy([]byte(`<Information Name="Zendesk" Key="zendesk">`), 5)
	require.ErrorContains(t, err, "MaxConcurrentRequest")
	_, err = zendeskCopy([]byte(`<Scenarios/>`), 5)
	require.ErrorContains(t, err, "no <Information>")
}
