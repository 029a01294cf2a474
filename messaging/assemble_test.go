package messaging

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// joinAll joins parts concurrently, each as its own webhook or deliver_sm
// would, and returns what each join returned and every message kept.
func joinAll(a *assembler, parts []Inbound, spec func(i int) part) ([]error, []Inbound) {
	var mu sync.Mutex
	var kept []Inbound
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, in := range parts {
		p := spec(i)
		keep := p.keep
		p.keep = func(ctx context.Context, whole Inbound) error {
			mu.Lock()
			kept = append(kept, whole)
			mu.Unlock()
			return keep(ctx, whole)
		}
		wg.Go(func() { errs[i] = a.join(context.Background(), in, p) })
	}
	wg.Wait()
	return errs, kept
}

func TestAssemblerJoinsPartsInOrder(t *testing.T) {
	var a assembler
	parts := []Inbound{{ProviderID: "c", Text: "three"}, {ProviderID: "a", Text: "one "}, {ProviderID: "b", Text: "two "}}
	place := []int{3, 1, 2}
	errs, kept := joinAll(&a, parts, func(i int) part {
		return part{key: "k", n: place[i], want: 3, window: time.Minute, merge: mergeSMSParts,
			keep: func(context.Context, Inbound) error { return nil }}
	})
	require.Equal(t, []error{nil, nil, nil}, errs)
	require.Len(t, kept, 1, "kept once, whole")
	require.Equal(t, "one two three", kept[0].Text)
	require.Equal(t, "a+b+c", kept[0].ProviderID)
	require.False(t, a.pending("k"))
}

func TestAssemblerTellsEveryPartHowKeepingWent(t *testing.T) {
	var a assembler
	boom := errors.New("the database is away")
	errs, _ := joinAll(&a, []Inbound{{ProviderID: "1"}, {ProviderID: "2"}}, func(i int) part {
		return part{key: "k", n: i + 1, want: 2, window: time.Minute, merge: mergeSMSParts,
			keep: func(context.Context, Inbound) error { return boom }}
	})
	require.Equal(t, []error{boom, boom}, errs, "each part is answered with the failure, so the provider sends it again")
}

func TestAssemblerKeepsWhatCameWhenTheWindowPasses(t *testing.T) {
	var a assembler
	var kept []Inbound
	p := part{key: "k", n: 1, want: 2, window: 20 * time.Millisecond, merge: mergeWebhookParts,
		keep: func(_ context.Context, whole Inbound) error { kept = append(kept, whole); return nil }}
	require.NoError(t, a.join(context.Background(), Inbound{ProviderID: "text", Text: "Look:", MediaURLs: []string{}}, p))
	require.Len(t, kept, 1)
	require.Equal(t, Inbound{ProviderID: "text", Text: "Look:", MediaURLs: []string{}}, kept[0], "the part that came, alone")
	require.False(t, a.pending("k"), "a part coming later starts a message of its own")
}

func TestMergeWebhookParts(t *testing.T) {
	got := mergeWebhookParts([]Inbound{
		{ProviderID: "h1", From: "+15145550123", Text: "Here it is", MediaURLs: []string{}},
		{ProviderID: "h2", From: "+15145550123", Text: "Here it is", MediaURLs: []string{"https://x/a.jpg"}},
	})
	require.Equal(t, Inbound{ProviderID: "h1+h2", From: "+15145550123", Text: "Here it is", MediaURLs: []string{"https://x/a.jpg"}}, got)
}
