package engine

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/tidwall/gjson"
)

// extractRows reads a request's outputs from a JSON answer into rows (one
// row per contact found). A path that yields an array gives one value per
// element, and the outputs are zipped by index into rows. A path that
// yields a single value gives that value to every row. An empty or
// unmatched path gives "". No array and no value means no rows.
//
// Outputs that read a field of each element of one array
// ("results.#.id", "results.#.url") are aligned: row i holds element i's
// fields, and an element without a field gives "" for it. GJSON alone
// skips such elements, which would hand the next contact's value (its
// screen-pop URL, its phone) to this one. An element that has none of the
// request's array outputs makes no row, as GJSON gives it none either.
// Webhook bodies (Template.ReadBody) are read the same way, so that the
// fields of one message stay together.
func extractRows(body string, outs []Output) ([]map[string]string, error) {
	if len(outs) == 0 || strings.TrimSpace(body) == "" {
		return nil, nil
	}
	// column is what one output found: values per element, or one value.
	type column struct {
		vals  []string
		array bool
		one   string
	}
	var colsBuf [8]column // on the stack for the usual handful of outputs
	cols := colsBuf[:0]
	if len(outs) > len(colsBuf) {
		cols = make([]column, 0, len(outs))
	}
	cols = cols[:len(outs)]
	rows, scalar := -1, false
	// Rows below full have a value in some output that every element gave;
	// beyond it, a row is kept only when an element's field was found
	// there (arrays.found).
	full := 0
	var arrays elementCache
	for i, o := range outs {
		if o.Path == "" {
			continue
		}
		if o.List {
			// One value holding the whole list, as a JSON array of strings:
			// a message's media URLs, not one row per URL.
			if res := gjson.Get(body, o.Path); res.Exists() {
				cols[i].one = listJSON(res)
				scalar = true
			}
			continue
		}
		if vals, gaps, ok := arrays.values(body, o.Path); ok {
			cols[i] = column{vals: vals, array: true}
			rows = max(rows, len(vals))
			if !gaps {
				full = max(full, len(vals))
			}
			continue
		}
		res := gjson.Get(body, o.Path)
		switch {
		case !res.Exists():
		case res.IsArray():
			var vals []string
			res.ForEach(func(_, e gjson.Result) bool {
				vals = append(vals, e.String())
				return true
			})
			cols[i] = column{vals: vals, array: true}
			rows = max(rows, len(vals))
			full = max(full, len(vals))
		default:
			cols[i].one = res.String()
			scalar = true
		}
	}
	if rows < 0 {
		rows = 0
		if scalar {
			rows = 1
		}
	}
	out := make([]map[string]string, 0, rows)
	for r := range rows {
		if arrays.found != nil && r >= full && (r >= len(arrays.found) || !arrays.found[r]) {
			continue // made only of elements' missing fields: no row
		}
		row := make(map[string]string, len(outs))
		for i, o := range outs {
			v := cols[i].one
			if cols[i].array {
				v = ""
				if r < len(cols[i].vals) {
					v = cols[i].vals[r]
				}
			}
			row[o.Name] = v
		}
		out = append(out, row)
	}
	// Only an answer where no output found anything can be something other
	// than JSON; checking then keeps the full scan off the common path.
	if len(out) == 0 && !gjson.Valid(body) {
		return nil, errors.New("the response is not JSON, so its outputs cannot be read")
	}
	return out, nil
}

// listJSON encodes a result as a JSON array of strings: each element's
// text for an array, the value alone otherwise, nothing for null.
func listJSON(res gjson.Result) string {
	var vals []string
	switch {
	case res.IsArray():
		vals = []string{}
		res.ForEach(func(_, e gjson.Result) bool {
			if e.Type != gjson.Null {
				vals = append(vals, e.String())
			}
			return true
		})
	case res.Type == gjson.Null:
		vals = []string{}
	default:
		vals = []string{res.String()}
	}
	b, _ := json.Marshal(vals) // strings always marshal
	return string(b)
}

// elementCache reads paths of the form "results.#.name" — the usual shape
// of a list answer's outputs — per element: the array's elements are found
// once per answer (GJSON would build a new JSON array per path), and each
// output reads its field from each element, so an element without the
// field can give "" in its own place (see extractRows).
type elementCache struct {
	n        int
	prefix   [4]string   // array paths seen ("" is the answer itself)
	elements [4][]string // their elements' raw JSON; nil: not an array
	spare    []string    // room for values, shared by the outputs
	// found marks the elements where an output that some element lacked
	// found its field; nil until an element lacks one.
	found []bool
}

// values returns the path's values, one per element ("" where the element
// lacks the field), when the path has the fast form and its array exists;
// ok is false when GJSON must read the path itself. gaps says some element
// lacks the field; c.found then marks the elements that have it.
func (c *elementCache) values(body, path string) (vals []string, gaps, ok bool) {
	prefix, field, ok := splitElementPath(path)
	if !ok {
		return nil, false, false
	}
	elems, ok := c.elementsOf(body, prefix)
	if !ok {
		return nil, false, false
	}
	if len(c.spare) < len(elems) {
		c.spare = make([]string, 4*len(elems)) // room for a few outputs' values
	}
	vals, c.spare = c.spare[:len(elems):len(elems)], c.spare[len(elems):]
	for i, e := range elems {
		v := gjson.Get(e, field)
		if !v.Exists() {
			vals[i] = ""
			if !gaps {
				gaps = true
				c.markFound(i, len(elems)) // every element before this one had it
			}
			continue
		}
		vals[i] = v.String()
		if gaps {
			c.found[i] = true
		}
	}
	return vals, gaps, true
}

// markFound marks elements [0, upTo) as found, making room for n.
func (c *elementCache) markFound(upTo, n int) {
	if len(c.found) < n {
		c.found = append(c.found, make([]bool, n-len(c.found))...)
	}
	for i := range upTo {
		c.found[i] = true
	}
}

func (c *elementCache) elementsOf(body, prefix string) ([]string, bool) {
	for i, p := range c.prefix[:c.n] {
		if p == prefix {
			return c.elements[i], c.elements[i] != nil
		}
	}
	var arr gjson.Result
	if prefix == "" {
		arr = gjson.Parse(body)
	} else {
		arr = gjson.Get(body, prefix)
	}
	var elems []string
	if arr.IsArray() {
		elems = []string{}
		arr.ForEach(func(_, e gjson.Result) bool {
			elems = append(elems, e.Raw)
			return true
		})
	}
	if c.n < len(c.prefix) { // beyond a few arrays per answer, read each again
		c.prefix[c.n], c.elements[c.n] = prefix, elems
		c.n++
	}
	return elems, elems != nil
}

// splitElementPath splits "a.b.#.c.d" into "a.b" and "c.d" (and "#.c" into
// "" and "c") when both sides are plain names and indexes: no wildcards,
// escapes, queries, modifiers or pipes, whose meaning across the split GJSON
// alone decides. The field may hold a further "#" ("#.emails.#.value").
func splitElementPath(path string) (prefix, field string, ok bool) {
	if rest, found := strings.CutPrefix(path, "#."); found {
		prefix, field = "", rest
	} else if prefix, field, found = strings.Cut(path, ".#."); !found {
		return "", "", false
	}
	if field == "" || !plainPath(prefix, false) || !plainPath(field, true) {
		return "", "", false
	}
	return prefix, field, true
}

// plainPath reports whether p is dot-separated names of letters, digits,
// '_' and '-' (and, where allowed, "#" components).
func plainPath(p string, hash bool) bool {
	if p == "" {
		return true
	}
	for part := range strings.SplitSeq(p, ".") {
		if part == "" {
			return false
		}
		if part == "#" && hash {
			continue
		}
		for i := 0; i < len(part); i++ {
			ch := part[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-') {
				return false
			}
		}
	}
	return true
}
