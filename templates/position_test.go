package templates

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// naivePos is the definition of a position: count lines, then the
// characters before the offset on its line.
func naivePos(data []byte, off int) Pos {
	start := strings.LastIndexByte(string(data[:off]), '\n') + 1
	return Pos{Line: strings.Count(string(data[:off]), "\n") + 1, Column: utf8.RuneCount(data[start:off]) + 1}
}

// A long line of many attributes must cost one pass over the file, not one
// pass over the line per attribute: the index counts the bytes it looks at.
func TestLineIndexIsLinearOnALongLine(t *testing.T) {
	var b strings.Builder
	b.WriteString("<Information")
	for i := range 20000 {
		b.WriteString(` Title="Wert für `)
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(`"`)
	}
	b.WriteString("/>\n<Scenarios/>")
	data := []byte(b.String())

	ix := newLineIndex(data)
	attrs := tagAttrs(data, 0, len(data))
	require.Len(t, attrs, 20000)
	for i, a := range attrs {
		got := ix.pos(a.off)
		if i%1000 == 999 {
			require.Equal(t, naivePos(data, a.off), got)
		}
	}
	require.LessOrEqual(t, ix.counted, len(data), "positions in document order must count each byte at most once")
}

func TestLineIndexAnyOrder(t *testing.T) {
	data := []byte("ab\n日本語 x=\"1\" y=\"ü\"\n\n\xe6\x97 z\nlast")
	ix := newLineIndex(data)
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		off := r.IntN(len(data) + 1)
		require.Equal(t, naivePos(data, off), ix.pos(off), "offset %d", off)
	}
}
