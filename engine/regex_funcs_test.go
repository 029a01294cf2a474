package engine

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/Masterminds/sprig/v3"
	"github.com/stretchr/testify/require"
)

// The cached regex functions give what sprig's give: the same values, the
// same errors and the same panics, for good and bad patterns, first call
// and cached.
func TestRegexFuncsMatchSprig(t *testing.T) {
	ours, theirs := FuncMap(time.UTC), sprig.HermeticTxtFuncMap()
	patterns := []string{`^[0-9]+$`, `[^0-9]`, `(a|b)+`, `x*`, `(`, `[z-a]`, ``}
	inputs := []string{"", "12345", "+1 (415) 555-0100", "abba cab", "xxx"}
	for _, name := range []string{"regexMatch", "mustRegexMatch", "regexFindAll", "mustRegexFindAll", "regexFind", "mustRegexFind",
		"regexReplaceAll", "mustRegexReplaceAll", "regexReplaceAllLiteral", "mustRegexReplaceAllLiteral", "regexSplit", "mustRegexSplit"} {
		our, their := reflect.ValueOf(ours[name]), reflect.ValueOf(theirs[name])
		require.Equal(t, their.Type(), our.Type(), name)
		for _, p := range patterns {
			for _, s := range inputs {
				args := []reflect.Value{reflect.ValueOf(p), reflect.ValueOf(s)}
				switch our.Type().NumIn() {
				case 3:
					if our.Type().In(2).Kind() == reflect.Int {
						args = append(args, reflect.ValueOf(-1))
					} else {
						args = append(args, reflect.ValueOf("<$1>"))
					}
				}
				for range 2 { // compiled, then from the cache
					want, wantPanic := callRecover(their, args)
					got, gotPanic := callRecover(our, args)
					require.Equal(t, wantPanic, gotPanic, "%s %q %q", name, p, s)
					require.Equal(t, fmt.Sprint(want), fmt.Sprint(got), "%s %q %q", name, p, s)
				}
			}
		}
	}
}

func callRecover(fn reflect.Value, args []reflect.Value) (out []any, panicked string) {
	defer func() {
		if r := recover(); r != nil {
			panicked = fmt.Sprint(r)
		}
	}()
	for _, v := range fn.Call(args) {
		out = append(out, v.Interface())
	}
	return out, ""
}

// A pattern made from a value cannot grow the cache without end.
func TestRegexCacheStopsGrowing(t *testing.T) {
	for i := range maxCachedRegexps + 50 {
		_, err := cachedRegexp(fmt.Sprintf("^unique-%d-[0-9]$", i))
		require.NoError(t, err)
	}
	require.LessOrEqual(t, int(regexCache.n.Load()), maxCachedRegexps)
	n := 0
	regexCache.m.Range(func(any, any) bool { n++; return true })
	require.LessOrEqual(t, n, maxCachedRegexps)
	r, err := cachedRegexp("^beyond-the-cap$")
	require.NoError(t, err)
	require.True(t, r.MatchString("beyond-the-cap"))
}
