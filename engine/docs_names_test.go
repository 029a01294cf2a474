package engine

import (
	"os"
	"strings"
	"testing"
)

// The reference names every AuthMethod parameter and scenario setting the
// compiler treats as a template string (engine/docs_test.go holds it to
// the functions, variables and scenario ids).
func TestReferenceNamesTemplatedParameters(t *testing.T) {
	data, err := os.ReadFile("../docs/templates/reference.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range append(append([]string{}, authTexts...), scenarioTexts...) {
		if !strings.Contains(string(data), "`"+n+"`") {
			t.Errorf("docs/templates/reference.md does not document the templated parameter %s", n)
		}
	}
}
