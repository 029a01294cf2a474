package templates

import (
	"fmt"
	"sort"
	"strings"
)

// Severity tells whether a problem stops a template from loading.
type Severity string

const (
	// SeverityError makes the template unusable: it is rejected.
	SeverityError Severity = "error"
	// SeverityWarning is reported but the template still loads.
	SeverityWarning Severity = "warning"
)

// Pos is a 1-based line and column (counted in characters) in the XML file.
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// Problem is one thing wrong with a template, with the place it was found.
type Problem struct {
	File     string   `json:"file,omitempty"`
	Pos               // line and column
	Path     string   `json:"path"` // element path, e.g. Scenario[SyncContactAuto]/Request[contacts]@URLFormat
	Message  string   `json:"message"`
	Severity Severity `json:"severity"`
}

// String renders the problem the way compilers do, so editors can jump to it:
// "zendesk.xml:41:9 Scenario[X]/Request[y]@URLFormat: message". Warnings say so.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteByte(':')
	}
	b.WriteString(p.Pos.String())
	b.WriteByte(' ')
	if p.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is the full list of what validation found, errors and warnings.
type Problems []Problem

// Errors returns only the problems that reject the template.
func (ps Problems) Errors() Problems { return ps.filter(SeverityError) }

// Warnings returns only the problems that do not reject the template.
func (ps Problems) Warnings() Problems { return ps.filter(SeverityWarning) }

// HasErrors reports whether any problem rejects the template.
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

func (ps Problems) filter(s Severity) Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

// Sort orders problems by position so reports read top to bottom.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Column < ps[j].Column
	})
}

// ValidationError is returned when a template has at least one error. It
// carries every problem found, warnings included, so callers can show all.
type ValidationError struct {
	Problems Problems
}

func (e *ValidationError) Error() string {
	errs := e.Problems.Errors()
	if len(errs) == 0 {
		return "template is invalid"
	}
	lines := make([]string, 0, len(errs))
	for _, p := range errs {
		lines = append(lines, p.String())
	}
	noun := "problems"
	if len(errs) == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("template has %d %s:\n%s", len(errs), noun, strings.Join(lines, "\n"))
}
