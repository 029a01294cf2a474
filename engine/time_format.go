package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// TimeFormat formats a Unix timestamp in seconds with a Java-style pattern,
// as the Yeastar templates do. Tokens: yyyy yy MM dd HH hh mm ss SSS a, and
// zones -z/+z (signed offset, +08:00), Zz (Z in UTC, else the offset) and z
// (the offset). ".000" right after the seconds prints milliseconds. Every
// other character is printed as written — it is never handed to Go's layout
// parser, where digits such as "0000" would become tokens.
func TimeFormat(ts any, pattern string, utc bool, loc *time.Location) (string, error) {
	f, ok, err := unixSeconds(ts)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", nil
	}
	sec, frac := math.Modf(f)
	t := time.Unix(int64(sec), int64(math.Round(frac*1e9)))
	if utc {
		t = t.UTC()
	} else {
		t = t.In(loc)
	}
	ms := t.Nanosecond() / int(time.Millisecond)

	var b strings.Builder
	b.Grow(len(pattern) + 8)
	pad2 := func(n int) { b.WriteByte(byte('0' + n/10%10)); b.WriteByte(byte('0' + n%10)) }
	for i := 0; i < len(pattern); {
		rest := pattern[i:]
		switch {
		case strings.HasPrefix(rest, "yyyy"):
			y := strconv.Itoa(t.Year())
			b.WriteString(strings.Repeat("0", max(0, 4-len(y))) + y)
			i += 4
		case strings.HasPrefix(rest, "yy"):
			pad2(t.Year() % 100)
			i += 2
		case strings.HasPrefix(rest, "MM"):
			pad2(int(t.Month()))
			i += 2
		case strings.HasPrefix(rest, "dd"):
			pad2(t.Day())
			i += 2
		case strings.HasPrefix(rest, "HH"):
			pad2(t.Hour())
			i += 2
		case strings.HasPrefix(rest, "hh"):
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad2(h)
			i += 2
		case strings.HasPrefix(rest, "mm"):
			pad2(t.Minute())
			i += 2
		case strings.HasPrefix(rest, "ss"):
			pad2(t.Second())
			i += 2
			if strings.HasPrefix(pattern[i:], ".000") {
				b.WriteString(fmt.Sprintf(".%03d", ms))
				i += 4
			}
		case strings.HasPrefix(rest, "SSS"):
			b.WriteString(fmt.Sprintf("%03d", ms))
			i += 3
		case strings.HasPrefix(rest, "Zz"):
			if _, off := t.Zone(); off == 0 {
				b.WriteByte('Z')
			} else {
				b.WriteString(offset(t))
			}
			i += 2
		case strings.HasPrefix(rest, "-z"), strings.HasPrefix(rest, "+z"):
			b.WriteString(offset(t))
			i += 2
		case rest[0] == 'z':
			b.WriteString(offset(t))
			i++
		case rest[0] == 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
			i++
		default:
			b.WriteByte(rest[0])
			i++
		}
	}
	return b.String(), nil
}

// offset prints the zone offset as +hh:mm.
func offset(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return string(sign) + fmt.Sprintf("%02d:%02d", off/3600, off%3600/60)
}
