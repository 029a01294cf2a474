package engine

import (
	"bytes"
	"errors"

	"github.com/tidwall/gjson"
)

// extractRows reads a request's outputs from a JSON response. A path that
// yields an array gives one value per element, and the outputs are zipped
// by index into rows (one row per contact found). A path that yields a
// single value gives that value to every row. An empty or unmatched path
// gives "". No array and no value means no rows.
func extractRows(body []byte, outs []Output) ([]map[string]string, error) {
	if len(outs) == 0 || len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	cols := make([][]string, len(outs))
	isArray := make([]bool, len(outs))
	rows, scalar := -1, false
	for i, o := range outs {
		if o.Path == "" {
			continue
		}
		res := gjson.GetBytes(body, o.Path)
		switch {
		case !res.Exists():
		case res.IsArray():
			var vals []string
			res.ForEach(func(_, e gjson.Result) bool {
				vals = append(vals, e.String())
				return true
			})
			cols[i], isArray[i] = vals, true
			rows = max(rows, len(vals))
		default:
			cols[i] = []string{res.String()}
			scalar = true
		}
	}
	if rows < 0 {
		rows = 0
		if scalar {
			rows = 1
		}
	}
	// Only an answer where no output found anything can be something other
	// than JSON; checking then keeps the full scan off the common path.
	if rows == 0 && !gjson.ValidBytes(body) {
		return nil, errors.New("the response is not JSON, so its outputs cannot be read")
	}
	out := make([]map[string]string, rows)
	for r := range out {
		row := make(map[string]string, len(outs))
		for i, o := range outs {
			v := ""
			if isArray[i] {
				if r < len(cols[i]) {
					v = cols[i][r]
				}
			} else if len(cols[i]) > 0 {
				v = cols[i][0]
			}
			row[o.Name] = v
		}
		out[r] = row
	}
	return out, nil
}
