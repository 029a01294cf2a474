package engine

import (
	"regexp"
	"sync"
	"sync/atomic"
	"text/template"
)

// sprig's regex functions compile their pattern on every call; a call's
// body with {{if regexMatch "^[0-9]+$" .CrmId}} spent more on compiling
// that pattern than on the rest of the string. These give exactly what
// sprig's give (the same results, errors and panics) from patterns
// compiled once. Patterns come from templates, so there are few of them;
// one built from a value ({{regexMatch .Phone …}}) could be anything, so
// the cache stops growing at maxCachedRegexps and further patterns are
// compiled each time, as sprig does.

const maxCachedRegexps = 512

var regexCache struct {
	m sync.Map // pattern → *regexp.Regexp
	n atomic.Int32
}

// cachedRegexp compiles a pattern, or returns it compiled before.
func cachedRegexp(pattern string) (*regexp.Regexp, error) {
	if r, ok := regexCache.m.Load(pattern); ok {
		return r.(*regexp.Regexp), nil
	}
	r, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	if regexCache.n.Load() < maxCachedRegexps {
		if _, loaded := regexCache.m.LoadOrStore(pattern, r); !loaded {
			regexCache.n.Add(1)
		}
	}
	return r, nil
}

// mustCachedRegexp panics as regexp.MustCompile does.
func mustCachedRegexp(pattern string) *regexp.Regexp {
	r, err := cachedRegexp(pattern)
	if err != nil {
		return regexp.MustCompile(pattern) // panics with its own words
	}
	return r
}

// cacheRegexFuncs replaces sprig's regex functions in fm.
func cacheRegexFuncs(fm template.FuncMap) {
	fm["regexMatch"] = func(regex, s string) bool {
		r, err := cachedRegexp(regex)
		return err == nil && r.MatchString(s)
	}
	fm["mustRegexMatch"] = func(regex, s string) (bool, error) {
		r, err := cachedRegexp(regex)
		if err != nil {
			return false, err
		}
		return r.MatchString(s), nil
	}
	fm["regexFindAll"] = func(regex, s string, n int) []string {
		return mustCachedRegexp(regex).FindAllString(s, n)
	}
	fm["mustRegexFindAll"] = func(regex, s string, n int) ([]string, error) {
		r, err := cachedRegexp(regex)
		if err != nil {
			return []string{}, err
		}
		return r.FindAllString(s, n), nil
	}
	fm["regexFind"] = func(regex, s string) string {
		return mustCachedRegexp(regex).FindString(s)
	}
	fm["mustRegexFind"] = func(regex, s string) (string, error) {
		r, err := cachedRegexp(regex)
		if err != nil {
			return "", err
		}
		return r.FindString(s), nil
	}
	fm["regexReplaceAll"] = func(regex, s, repl string) string {
		return mustCachedRegexp(regex).ReplaceAllString(s, repl)
	}
	fm["mustRegexReplaceAll"] = func(regex, s, repl string) (string, error) {
		r, err := cachedRegexp(regex)
		if err != nil {
			return "", err
		}
		return r.ReplaceAllString(s, repl), nil
	}
	fm["regexReplaceAllLiteral"] = func(regex, s, repl string) string {
		return mustCachedRegexp(regex).ReplaceAllLiteralString(s, repl)
	}
	fm["mustRegexReplaceAllLiteral"] = func(regex, s, repl string) (string, error) {
		r, err := cachedRegexp(regex)
		if err != nil {
			return "", err
		}
		return r.ReplaceAllLiteralString(s, repl), nil
	}
	fm["regexSplit"] = func(regex, s string, n int) []string {
		return mustCachedRegexp(regex).Split(s, n)
	}
	fm["mustRegexSplit"] = func(regex, s string, n int) ([]string, error) {
		r, err := cachedRegexp(regex)
		if err != nil {
			return []string{}, err
		}
		return r.Split(s, n), nil
	}
}
