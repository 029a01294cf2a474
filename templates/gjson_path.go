package templates

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// NormalizePath turns an Output Path as written in templates into a GJSON
// path. The Yeastar documentation writes queries as #{cond}; GJSON spells
// them #(cond), so the first is read as the second. A single leading "."
// (seen in the documentation's ContactFieldForUri example) is dropped.
func NormalizePath(p string) string {
	p = strings.TrimSpace(p)
	if strings.HasPrefix(p, ".") && !strings.HasPrefix(p, "..") {
		p = p[1:]
	}
	if !strings.Contains(p, "#{") {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	depth := 0 // open #{ queries
	inStr := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteByte(c)
			i++
			b.WriteByte(p[i])
			continue
		case inStr:
			if c == '"' {
				inStr = false
			}
		case c == '"' && depth > 0:
			inStr = true
		case c == '#' && i+1 < len(p) && p[i+1] == '{':
			b.WriteString("#(")
			i++
			depth++
			continue
		case c == '}' && depth > 0:
			depth--
			b.WriteByte(')')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// CheckPath reports a syntax problem in a GJSON path (already normalized),
// or nil. GJSON itself accepts anything and silently finds nothing, which
// hides typos; this catches what can be caught without a document.
func CheckPath(p string) error {
	if p == "" {
		return nil
	}
	var stack []byte
	inStr := false
	compStart := true // at the start of a path component
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' {
			if i+1 >= len(p) {
				return fmt.Errorf("path %q ends with an escape character", p)
			}
			i++
			compStart = false
			continue
		}
		if inStr {
			if c == '"' {
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			if len(stack) > 0 {
				inStr = true
			}
		case '(', '[', '{':
			if c == '(' && (i == 0 || p[i-1] != '#') && len(stack) == 0 {
				return fmt.Errorf("path %q: '(' at character %d must follow '#' (a query is written #(key==\"value\"))", p, i+1)
			}
			stack = append(stack, c)
			if c == '(' && i+1 < len(p) && p[i+1] == ')' {
				return fmt.Errorf("path %q: empty query at character %d", p, i)
			}
		case ')', ']', '}':
			open := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return fmt.Errorf("path %q: unbalanced %q at character %d", p, c, i+1)
			}
			stack = stack[:len(stack)-1]
		case '.', '|':
			if len(stack) == 0 {
				if compStart && i > 0 && !(c == '.' && i == 1 && p[0] == '.') {
					return fmt.Errorf("path %q: empty component at character %d", p, i+1)
				}
				if i == len(p)-1 {
					return fmt.Errorf("path %q ends with %q", p, c)
				}
				compStart = true
				continue
			}
		case '@':
			if len(stack) == 0 && compStart {
				j := i + 1
				for j < len(p) && p[j] != ':' && p[j] != '.' && p[j] != '|' {
					j++
				}
				name := p[i+1 : j]
				if !gjson.ModifierExists(name, nil) {
					return fmt.Errorf("path %q: unknown modifier @%s", p, name)
				}
			}
		}
		compStart = false
	}
	if inStr {
		return fmt.Errorf("path %q: unterminated string", p)
	}
	if len(stack) > 0 {
		return fmt.Errorf("path %q: %q is never closed", p, stack[len(stack)-1])
	}
	return nil
}
