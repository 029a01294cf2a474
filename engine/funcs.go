package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/Masterminds/sprig/v3"
)

// FuncMap returns the functions available to templates: sprig's hermetic set
// (no clock, randomness or environment), bounded as bounded_funcs.go says,
// plus the Yeastar functions and JsonEscape. loc is the PBX time zone TimeFormat uses when not told UTC.
func FuncMap(loc *time.Location) template.FuncMap {
	if loc == nil {
		loc = time.UTC
	}
	fm := sprig.HermeticTxtFuncMap()
	// Sprig's hermetic set still reads the clock (ago) or draws random
	// numbers (randInt, shuffle, and the salts and IVs of bcrypt,
	// htpasswd and encryptAES): a request rendered twice must be the same,
	// for retries, idempotency keys and replayed template tests.
	for _, name := range nonDeterministic {
		delete(fm, name)
	}
	boundFuncs(fm)
	cacheRegexFuncs(fm)
	fm["TimeFormat"] = func(ts any, layout string, utc ...string) (string, error) {
		return TimeFormat(ts, layout, len(utc) > 0 && strings.TrimSpace(utc[0]) == "1", loc)
	}
	fm["ToMillis"] = ToMillis
	fm["Capitalize"] = Capitalize
	fm["UrlEncode"] = URLEncode
	fm["JsonEscape"] = JSONEscape
	return fm
}

// nonDeterministic are sprig's hermetic functions whose result is not the
// same from one render to the next.
var nonDeterministic = []string{"ago", "randInt", "shuffle", "bcrypt", "htpasswd", "encryptAES"}

// FuncNames lists the function names templates may call, sorted.
func FuncNames() []string {
	fm := FuncMap(nil)
	names := make([]string, 0, len(fm))
	for n := range fm {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// unixSeconds reads a Unix timestamp in seconds given as a number or a
// string. ok is false for an empty value.
func unixSeconds(v any) (float64, bool, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case string:
		s = x
	case json.Number:
		s = string(x)
	case int:
		return float64(x), true, nil
	case int64:
		return float64(x), true, nil
	case float64:
		return x, true, nil
	default:
		s = fmt.Sprint(x)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, fmt.Errorf("%q is not a Unix timestamp in seconds", s)
	}
	return f, true, nil
}

// ToMillis turns Unix seconds (a number or a string) into milliseconds. An
// empty value stays empty.
func ToMillis(ts any) (string, error) {
	f, ok, err := unixSeconds(ts)
	if !ok || err != nil {
		return "", err
	}
	return strconv.FormatInt(int64(math.Round(f*1000)), 10), nil
}

// Capitalize upper-cases the first letter and leaves the rest as it is.
func Capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// URLEncode percent-encodes everything except RFC 3986's unreserved
// characters (A–Z a–z 0–9 - _ . ~), so a value is safe in any part of a URL.
func URLEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// JSONEscape escapes a value for use inside a JSON string literal: the
// result goes between quotes the template author wrote.
func JSONEscape(v any) string {
	s, ok := v.(string)
	if !ok {
		s = fmt.Sprint(v)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}
