package templates

import (
	"bytes"
	"sort"
	"unicode/utf8"
)

// lineIndex turns byte offsets into line:column positions.
type lineIndex struct {
	data   []byte
	starts []int // byte offset of each line's first byte
}

func newLineIndex(data []byte) *lineIndex {
	starts := make([]int, 1, bytes.Count(data, []byte{'\n'})+1)
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{data: data, starts: starts}
}

// pos returns the 1-based line and character column of a byte offset.
func (ix *lineIndex) pos(off int) Pos {
	if off > len(ix.data) {
		off = len(ix.data)
	}
	line := sort.Search(len(ix.starts), func(i int) bool { return ix.starts[i] > off }) - 1
	if line < 0 {
		line = 0
	}
	col := utf8.RuneCount(ix.data[ix.starts[line]:off]) + 1
	return Pos{Line: line + 1, Column: col}
}

// attrOffsets returns the byte offsets of the attribute names in a start tag
// data[start:end], in order. The tag is known to be well formed.
func attrOffsets(data []byte, start, end int) []int {
	var out []int
	i := start + 1
	for i < end && !isXMLSpace(data[i]) && data[i] != '>' && data[i] != '/' {
		i++ // element name
	}
	for i < end {
		for i < end && isXMLSpace(data[i]) {
			i++
		}
		if i >= end || data[i] == '>' || data[i] == '/' {
			return out
		}
		out = append(out, i)
		for i < end && data[i] != '=' {
			i++
		}
		for i < end && data[i] != '"' && data[i] != '\'' {
			i++
		}
		if i >= end {
			return out
		}
		q := data[i]
		i++
		for i < end && data[i] != q {
			i++
		}
		i++
	}
	return out
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
