package engine

import (
	"reflect"
	"strings"
	"text/template"
)

// boundFuncs replaces the sprig functions that make something as large as
// a number (or a string) they are given with versions that first work out
// the size of the result and refuse it past MaxRenderLoops elements or
// MaxRenderBytes bytes; below the bounds they return exactly what sprig
// returns. It also removes the key and certificate generators: they take
// seconds that nothing can interrupt, and use randomness, which the
// hermetic set promises not to.
func boundFuncs(fm template.FuncMap) {
	for _, name := range []string{"genPrivateKey", "genCA", "genCAWithKey", "genSelfSignedCert",
		"genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey", "buildCustomCert"} {
		delete(fm, name)
	}
	until := fm["until"].(func(int) []int)
	fm["until"] = func(count int) ([]int, error) {
		step := 1
		if count < 0 {
			step = -1
		}
		if n := untilLen(0, count, step); n > MaxRenderLoops {
			return nil, limitErrorf("until %d would make a list of %d numbers; the limit is %d", count, n, MaxRenderLoops)
		}
		return until(count), nil
	}
	untilStep := fm["untilStep"].(func(int, int, int) []int)
	fm["untilStep"] = func(start, stop, step int) ([]int, error) {
		if n := untilLen(start, stop, step); n > MaxRenderLoops {
			return nil, limitErrorf("untilStep %d %d %d would make a list of %d numbers; the limit is %d", start, stop, step, n, MaxRenderLoops)
		}
		return untilStep(start, stop, step), nil
	}
	seq := fm["seq"].(func(...int) string)
	fm["seq"] = func(params ...int) (string, error) {
		if n := seqLen(params); n > MaxRenderLoops {
			return "", limitErrorf("seq would make %d numbers; the limit is %d", n, MaxRenderLoops)
		}
		return seq(params...), nil
	}
	repeat := fm["repeat"].(func(int, string) string)
	fm["repeat"] = func(count int, s string) (string, error) {
		if count > 0 && len(s) > 0 && count > MaxRenderBytes/len(s) {
			return "", limitErrorf("repeat %d would make a string of more than %s", count, sizeText(MaxRenderBytes))
		}
		return repeat(count, s), nil
	}
	indent := fm["indent"].(func(int, string) string)
	fm["indent"] = func(spaces int, s string) (string, error) {
		if err := indentFits("indent", spaces, s, 0); err != nil {
			return "", err
		}
		return indent(spaces, s), nil
	}
	nindent := fm["nindent"].(func(int, string) string)
	fm["nindent"] = func(spaces int, s string) (string, error) {
		if err := indentFits("nindent", spaces, s, 1); err != nil {
			return "", err
		}
		return nindent(spaces, s), nil
	}
	wrapWith := fm["wrapWith"].(func(int, string, string) string)
	fm["wrapWith"] = func(width int, sep, s string) (string, error) {
		// Each separator comes after at least two characters of s (a
		// word and the space it breaks at, or a long word cut at width),
		// one at width 1.
		breaks := len(s)
		if width >= 2 {
			breaks = len(s) / 2
		}
		if len(sep) > 0 && breaks > 0 && breaks > (MaxRenderBytes-len(s))/len(sep) {
			return "", limitErrorf("wrapWith %d would make a string of more than %s", width, sizeText(MaxRenderBytes))
		}
		return wrapWith(width, sep, s), nil
	}
	replace := fm["replace"].(func(string, string, string) string)
	fm["replace"] = func(old, with, s string) (string, error) {
		if grow := len(with) - len(old); grow > 0 && len(s) > 0 {
			if n := strings.Count(s, old); n > 0 && n > (MaxRenderBytes-len(s))/grow {
				return "", limitErrorf("replace would make a string of more than %s", sizeText(MaxRenderBytes))
			}
		}
		return replace(old, with, s), nil
	}
	join := fm["join"].(func(string, any) string)
	fm["join"] = func(sep string, list any) (string, error) {
		if rv := reflect.ValueOf(list); len(sep) > 0 && (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) {
			if rv.Len() > 1 && rv.Len()-1 > MaxRenderBytes/len(sep) {
				return "", limitErrorf("join would make a string of more than %s", sizeText(MaxRenderBytes))
			}
		}
		return join(sep, list), nil
	}
}

// untilLen is how many numbers sprig's untilStep(start, stop, step) makes.
func untilLen(start, stop, step int) uint64 {
	switch {
	case stop < start && step < 0:
		return ceilDiv(uint64(start)-uint64(stop), uint64(-step))
	case stop > start && step > 0:
		return ceilDiv(uint64(stop)-uint64(start), uint64(step))
	}
	return 0
}

func ceilDiv(a, b uint64) uint64 {
	n := a / b
	if a%b != 0 {
		n++
	}
	return n
}

// seqLen is how many numbers sprig's seq makes, following its cases.
func seqLen(p []int) uint64 {
	switch len(p) {
	case 1:
		if p[0] < 1 {
			return untilLen(1, p[0]-1, -1)
		}
		return untilLen(1, p[0]+1, 1)
	case 2:
		if p[1] < p[0] {
			return untilLen(p[0], p[1]-1, -1)
		}
		return untilLen(p[0], p[1]+1, 1)
	case 3:
		if p[2] < p[0] {
			if p[1] > 0 {
				return 0
			}
			return untilLen(p[0], p[2]-1, p[1])
		}
		return untilLen(p[0], p[2]+1, p[1])
	}
	return 0
}

// indentFits checks that indenting every line of s by spaces (after extra
// leading bytes) stays within MaxRenderBytes.
func indentFits(name string, spaces int, s string, extra int) error {
	if spaces <= 0 {
		return nil
	}
	lines := 1 + strings.Count(s, "\n")
	if lines > (MaxRenderBytes-len(s)-extra)/spaces {
		return limitErrorf("%s %d would make a string of more than %s", name, spaces, sizeText(MaxRenderBytes))
	}
	return nil
}
