package templates

import (
	"bytes"
	"sort"
	"unicode/utf8"
)

// lineIndex turns byte offsets into line:column positions.
//
// Columns count characters, so each position needs the characters before it
// on its line counted. Counting from the line's start every time is
// quadratic on a long line (a template written on one line holds thousands
// of attributes), so the index remembers the last position it gave and
// counts on from there: Parse asks in document order, which makes the whole
// pass linear in the file size. Asking out of order is still correct, only
// slower.
type lineIndex struct {
	data   []byte
	starts []int // byte offset of each line's first byte

	last    int // byte offset of the last position computed
	lastPos Pos // and that position
	counted int // bytes counted so far, for tests of the linear bound
}

func newLineIndex(data []byte) *lineIndex {
	starts := make([]int, 1, bytes.Count(data, []byte{'\n'})+1)
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{data: data, starts: starts, lastPos: Pos{Line: 1, Column: 1}}
}

// pos returns the 1-based line and character column of a byte offset.
func (ix *lineIndex) pos(off int) Pos {
	off = max(0, min(off, len(ix.data)))
	line := ix.lastPos.Line - 1
	// Counting on from the middle of a character would count it twice.
	onLastLine := off >= ix.last && off < ix.lineEnd(line) && (ix.last == len(ix.data) || utf8.RuneStart(ix.data[ix.last]))
	if !onLastLine {
		line = max(0, sort.Search(len(ix.starts), func(i int) bool { return ix.starts[i] > off })-1)
	}
	from, col := ix.starts[line], 1
	if onLastLine {
		from, col = ix.last, ix.lastPos.Column
	}
	col += utf8.RuneCount(ix.data[from:off])
	ix.counted += off - from
	ix.last, ix.lastPos = off, Pos{Line: line + 1, Column: col}
	return ix.lastPos
}

// lineEnd is the offset just past the line's last byte (its line break).
func (ix *lineIndex) lineEnd(line int) int {
	if line+1 < len(ix.starts) {
		return ix.starts[line+1]
	}
	return len(ix.data) + 1
}

// srcAttr is one attribute of a start tag as written: its name (with its
// prefix, if any) and the byte offset where the name starts.
type srcAttr struct {
	name string
	off  int
}

// tagAttrs returns the attributes of the start tag data[start:end], in
// order, duplicates included. The tag is known to be well formed.
func tagAttrs(data []byte, start, end int) []srcAttr {
	var out []srcAttr
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
		nameStart := i
		for i < end && data[i] != '=' && !isXMLSpace(data[i]) {
			i++
		}
		out = append(out, srcAttr{name: string(data[nameStart:i]), off: nameStart})
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
