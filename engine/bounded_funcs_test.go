package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/Masterminds/sprig/v3"
	"github.com/stretchr/testify/require"
)

// Below the bounds, the bounded functions return what sprig's return, and
// the sizes they work out beforehand are the sizes sprig makes.
func TestBoundedFuncsMatchSprig(t *testing.T) {
	ours, theirs := FuncMap(time.UTC), sprig.HermeticTxtFuncMap()
	nums := []int{-7, -3, -1, 0, 1, 2, 3, 5, 10}
	for _, a := range nums {
		got, err := ours["until"].(func(int) ([]int, error))(a)
		require.NoError(t, err)
		require.Equal(t, theirs["until"].(func(int) []int)(a), got, "until %d", a)
		for _, b := range nums {
			for _, c := range nums {
				want := theirs["untilStep"].(func(int, int, int) []int)(a, b, c)
				got, err := ours["untilStep"].(func(int, int, int) ([]int, error))(a, b, c)
				require.NoError(t, err)
				require.Equal(t, want, got, "untilStep %d %d %d", a, b, c)
				require.Equal(t, uint64(len(want)), untilLen(a, b, c), "untilStep %d %d %d", a, b, c)
				for _, p := range [][]int{{a}, {a, b}, {a, b, c}} {
					want := theirs["seq"].(func(...int) string)(p...)
					got, err := ours["seq"].(func(...int) (string, error))(p...)
					require.NoError(t, err)
					require.Equal(t, want, got, "seq %v", p)
					n := uint64(0)
					if want != "" {
						n = uint64(len(strings.Fields(want)))
					}
					require.Equal(t, n, seqLen(p), "seq %v", p)
				}
			}
		}
	}
	for _, s := range []string{"", "a", "a\nb\n", "word and more words here"} {
		for _, n := range []int{0, 1, 3} {
			got, err := ours["repeat"].(func(int, string) (string, error))(n, s)
			require.NoError(t, err)
			require.Equal(t, theirs["repeat"].(func(int, string) string)(n, s), got)
			got, err = ours["indent"].(func(int, string) (string, error))(n, s)
			require.NoError(t, err)
			require.Equal(t, theirs["indent"].(func(int, string) string)(n, s), got)
			got, err = ours["nindent"].(func(int, string) (string, error))(n, s)
			require.NoError(t, err)
			require.Equal(t, theirs["nindent"].(func(int, string) string)(n, s), got)
			got, err = ours["wrapWith"].(func(int, string, string) (string, error))(n, "<br>", s)
			require.NoError(t, err)
			require.Equal(t, theirs["wrapWith"].(func(int, string, string) string)(n, "<br>", s), got)
			got, err = ours["replace"].(func(string, string, string) (string, error))("a", "xyz", s)
			require.NoError(t, err)
			require.Equal(t, theirs["replace"].(func(string, string, string) string)("a", "xyz", s), got)
			got, err = ours["join"].(func(string, any) (string, error))(", ", []any{s, n, nil})
			require.NoError(t, err)
			require.Equal(t, theirs["join"].(func(string, any) string)(", ", []any{s, n, nil}), got)
		}
	}
}

// The bounds are put only where they can be needed: strings without loops
// or variables reading variables run as they did (the closures, or
// text/template on the same tree).
func TestBoundsOnlyWhereNeeded(t *testing.T) {
	for src, bounded := range map[string]bool{
		`{{.base}}/x?q={{UrlEncode .Phone}}`:                                      false,
		`{{$d := regexReplaceAll "[^0-9]" .Phone ""}}{{.base}}?q={{$d}}`:          false,
		`{{$s := .a}}{{$s = print $s $s}}{{$s}}`:                                  true,
		`{{range until 3}}x{{end}}`:                                               true,
		`{{if .a}}{{range $i, $e := splitList "," .a}}{{$x := $e}}{{end}}{{end}}`: true,
	} {
		text, err := newTextCompiler(FuncMap(time.UTC)).compile(src)
		require.NoError(t, err)
		require.Equal(t, bounded, strings.Contains(text.tmpl.Tree.Root.String(), internalPrefix), "%s: %s", src, text.tmpl.Tree.Root)
		require.Equal(t, strings.Contains(src, "range"), text.loops, src)
	}
}
