package architecture

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/switchboard/switchboard"

// pkg is one package of the module, read from its non-test files.
type pkg struct {
	path    string // import path
	dir     string
	files   []*ast.File
	fset    *token.FileSet
	imports []string // import paths, non-test files only
}

// repoRoot is the module's root: two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return filepath.Dir(filepath.Dir(wd))
}

// packages parses every package of the module (no tests, no testdata, no
// node_modules).
func packages(t *testing.T) map[string]*pkg {
	t.Helper()
	root := repoRoot(t)
	out := map[string]*pkg{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch name := d.Name(); {
			case p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules"):
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		dir := filepath.Dir(p)
		rel, _ := filepath.Rel(root, dir)
		path := module
		if rel != "." {
			path += "/" + filepath.ToSlash(rel)
		}
		k := out[path]
		if k == nil {
			k = &pkg{path: path, dir: dir, fset: token.NewFileSet()}
			out[path] = k
		}
		f, err := parser.ParseFile(k.fset, p, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		k.files = append(k.files, f)
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if !slices.Contains(k.imports, ip) {
				k.imports = append(k.imports, ip)
			}
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// deps are the module packages path imports, directly or not.
func deps(all map[string]*pkg, path string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		k := all[p]
		if k == nil {
			return
		}
		for _, ip := range k.imports {
			if strings.HasPrefix(ip, module) && !seen[ip] {
				seen[ip] = true
				walk(ip)
			}
		}
	}
	walk(path)
	var out []string
	for p := range seen {
		out = append(out, strings.TrimPrefix(p, module+"/"))
	}
	slices.Sort(out)
	return out
}

// The store is a leaf: storage types and interfaces, no domain package.
// The domain packages define the interfaces they need (auth's token
// store, the calls service's Store) and the store satisfies them.
func TestStoreDependsOnNoDomainPackage(t *testing.T) {
	all := packages(t)
	got := deps(all, module+"/store")
	for _, domain := range []string{"auth", "engine", "templates", "scenarios", "calls", "integrations", "messaging", "accounts", "server"} {
		require.NotContains(t, got, domain, "store imports %v", got)
	}
}

// Each layer imports only those below it: templates ← engine ← auth,
// scenarios ← integrations ← calls, messaging, accounts ← server ← cli;
// messaging ← templaterun (template runs of the CLI and the workbench);
// messaging/smpp, the SMPP protocol, knows nothing of Switchboard.
func TestLayers(t *testing.T) {
	all := packages(t)
	below := map[string][]string{
		"templates":      {},
		"engine":         {"templates"},
		"auth":           {"engine", "templates"},
		"scenarios":      {"engine", "templates"},
		"integrations":   {"auth", "engine", "scenarios", "store", "templates"},
		"calls":          {"auth", "engine", "integrations", "scenarios", "store", "templates"},
		"messaging":      {"auth", "engine", "messaging/smpp", "scenarios", "store", "templates"},
		"messaging/smpp": {},
		"templaterun":    {"auth", "engine", "messaging", "messaging/smpp", "scenarios", "store", "templates"},
		"templatecheck":  {"engine", "templates"},
		"accounts":       {"store"},
		"web":            {},
	}
	for name, allowed := range below {
		for _, d := range deps(all, module+"/"+name) {
			if d == "internal/configcheck" || d == "internal/groupcommit" {
				continue // leaves: every config's Validate; the grouping of writes
			}
			require.Contains(t, allowed, d, "%s must not depend on %s", name, d)
		}
	}
}

// server/ is the HTTP layer: no River worker (jobs belong to the package
// that owns their work) and no job queue of its own.
func TestServerHoldsNoWorkers(t *testing.T) {
	k := packages(t)[module+"/server"]
	require.NotNil(t, k)
	for _, f := range k.files {
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			require.NotEqual(t, "github.com/riverqueue/river", ip, "%s imports River: workers and jobs belong in calls, messaging or integrations", k.fset.Position(f.Pos()).Filename)
		}
	}
}

// No function takes more than six parameters: more is a struct waiting to
// be named.
func TestNoFunctionTakesMoreThanSixParameters(t *testing.T) {
	var wide []string
	for _, k := range packages(t) {
		for _, f := range k.files {
			ast.Inspect(f, func(n ast.Node) bool {
				var ft *ast.FuncType
				name := "a function literal"
				switch x := n.(type) {
				case *ast.FuncDecl:
					ft, name = x.Type, x.Name.Name
				case *ast.FuncLit:
					ft = x.Type
				default:
					return true
				}
				count := 0
				for _, field := range ft.Params.List {
					count += max(1, len(field.Names))
				}
				if count > 6 {
					wide = append(wide, k.fset.Position(ft.Pos()).String()+" "+name+": "+strconv.Itoa(count))
				}
				return true
			})
		}
	}
	slices.Sort(wide)
	require.Empty(t, wide, "functions with more than six parameters")
}

// Every package says, in its package comment, what it owns and what it
// must not do.
func TestEveryPackageSaysWhatItMustNotDo(t *testing.T) {
	for path, k := range packages(t) {
		var doc string
		for _, f := range k.files {
			if f.Doc != nil {
				doc += f.Doc.Text()
			}
		}
		require.NotEmpty(t, doc, "%s has no package comment", path)
		require.Regexp(t, `(?i)must\s+not|never`, doc, "%s: its package comment does not say what it must not do", path)
	}
}
