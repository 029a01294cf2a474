package calls_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/calls"
	"github.com/switchboard/switchboard/scenarios"
)

// Events sent at once are taken in groups: every one is stored in its call
// before its Accept returns, each delivery sent twice is a duplicate the
// second time (also when both copies land in one group), and a call whose
// stored data cannot be read fails its own event only, not the others of
// its group.
func TestEventsTakenTogetherStayApart(t *testing.T) {
	f := newFixture(t, false) // no binding: intake only, nothing to work
	ctx := context.Background()
	_, err := f.st.UpdateCall(ctx, "poisoned", func([]byte) ([]byte, error) { return []byte("not json"), nil })
	require.NoError(t, err)

	const n = 60
	type result struct {
		i   int
		dup bool
		err error
	}
	results := make(chan result, 2*n+1)
	send := func(i int, e scenarios.CallEvent) {
		b, _ := json.Marshal(e)
		dup, err := f.svc.Accept(ctx, e, calls.EventKey(b))
		results <- result{i, dup, err}
	}
	var wg sync.WaitGroup
	for i := range n {
		e := scenarios.CallEvent{CallID: fmt.Sprint("g-", i), Event: "ringing", Direction: "inbound", Extension: "1001",
			External: scenarios.Party{Number: fmt.Sprintf("+1415555%04d", i)}}
		for range 2 {
			wg.Go(func() { send(i, e) })
		}
	}
	wg.Go(func() { send(-1, scenarios.CallEvent{CallID: "poisoned", Event: "hangup"}) })
	wg.Wait()
	close(results)

	dups := map[int]int{}
	for r := range results {
		if r.i == -1 {
			require.ErrorContains(t, r.err, "call poisoned as stored")
			continue
		}
		require.NoError(t, r.err)
		if r.dup {
			dups[r.i]++
		}
	}
	for i := range n {
		require.Equal(t, 1, dups[i], "one of the two copies of event %d is the duplicate", i)
		_, c, err := f.svc.Call(ctx, fmt.Sprint("g-", i))
		require.NoError(t, err)
		require.Equal(t, "ringing", c.State)
		require.Equal(t, fmt.Sprintf("+1415555%04d", i), c.External.Number)
		require.Contains(t, c.Unrouted, "no helpdesk user bound to extension 1001", "why no integration took it is written after the group")
	}
}
