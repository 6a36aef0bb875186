// Package archtest keeps docs/architecture.md true: it reads the page and
// the source tree and fails when they disagree, and it checks the layering
// rules the page states. It holds tests only.
//
// The page's conventions (see its "Keeping this page true" section):
//
//   - A heading whose whole text is one backticked path, such as
//     "### `ibkr/internal/pace`", opens that package's section. Every table
//     with a "file" column from there to the next heading lists files of
//     that package: each backticked name.go in a file cell.
//   - doc.go is not listed: every package has one, and TestDocGo checks it.
//   - The first fenced block after "## Layers" is the layer diagram: one
//     line per package or subtree ("/..."), the path first, indentation
//     nesting a path under the less indented line above it, higher lines
//     importing lower ones only.
package archtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const (
	modulePath = "github.com/ibbot/ibbot"
	docPath    = "docs/architecture.md"
	wireLib    = "github.com/scmhub/ibapi"
	cobraLib   = "github.com/spf13/cobra"
)

// root returns the repository root: two levels up from this package's
// directory (internal/archtest), checked by its go.mod.
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatalf("repository root %s: %v (the test must run in internal/archtest)", dir, err)
	}
	if !bytes.Contains(b, []byte("module "+modulePath+"\n")) {
		t.Fatalf("%s/go.mod is not module %s", dir, modulePath)
	}
	return dir
}

// pkgDirs returns every package directory of the module, slash-separated
// and relative to the root, with its non-test .go files (every build
// constraint included). A directory is a package when it holds at least
// one non-test .go file; testdata, vendor and hidden directories are not
// walked.
func pkgDirs(t *testing.T, root string) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if p != root {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		pkgs[rel] = append(pkgs[rel], name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, files := range pkgs {
		sort.Strings(files)
	}
	return pkgs
}

// docRow is one file named in a file table of the page.
type docRow struct {
	pkg  string // the section's package, "" outside any package section
	file string
	line int
}

// layerLine is one line of the layer diagram.
type layerLine struct {
	path    string // module-relative ("ibkr/internal/pace"), or a full import path for an external one
	subtree bool   // "/...": the path and every package below it
	ext     bool   // outside the module (its first element has a dot)
	line    int
	text    string
}

// archDoc is what the tests read from the page.
type archDoc struct {
	rows     []docRow
	sections map[string][]int // package -> lines of its headings
	paths    []docRow         // backticked repository paths outside code blocks (pkg unused)
	layers   []layerLine
	problems []string // malformed parts of the page
}

var (
	headingRE   = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*$`)
	pkgHeadRE   = regexp.MustCompile("^`([^`]+)`$")
	backtickRE  = regexp.MustCompile("`([^`]+)`")
	goFileRE    = regexp.MustCompile(`^[A-Za-z0-9_.-]+\.go$`)
	repoPathRE  = regexp.MustCompile(`^(cmd|ibkr|optchain|sched|examples|internal|docs)(/[A-Za-z0-9_.-]+)+$`)
	tableSepRE  = regexp.MustCompile(`^\|(\s*:?-+:?\s*\|)+\s*$`)
	readDocOnce sync.Once
	readDocVal  *archDoc
	readDocErr  error
)

func readDoc(t *testing.T, root string) *archDoc {
	t.Helper()
	readDocOnce.Do(func() { readDocVal, readDocErr = parseDoc(filepath.Join(root, filepath.FromSlash(docPath))) })
	if readDocErr != nil {
		t.Fatal(readDocErr)
	}
	return readDocVal
}

// cells splits a table row into its trimmed cells.
func cells(row string) []string {
	row = strings.ReplaceAll(strings.TrimSpace(row), `\|`, "\x00")
	row = strings.TrimPrefix(row, "|")
	row = strings.TrimSuffix(row, "|")
	parts := strings.Split(row, "|")
	for i, c := range parts {
		parts[i] = strings.TrimSpace(strings.ReplaceAll(c, "\x00", "|"))
	}
	return parts
}

func parseDoc(file string) (*archDoc, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", docPath, err)
	}
	d := &archDoc{sections: map[string][]int{}}
	lines := strings.Split(string(b), "\n")
	inCode, inLayers, layersDone := false, false, false
	afterLayersHeading := false
	section := ""
	fileCol := -1 // the file column of the table being read, -1 outside one
	type parent struct {
		indent int
		l      layerLine
	}
	var stack []parent
	for i := 0; i < len(lines); i++ {
		n, line := i+1, lines[i]
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			if inCode {
				inCode = false
				if inLayers {
					inLayers, layersDone = false, true
				}
			} else {
				inCode = true
				if afterLayersHeading && !layersDone {
					inLayers = true
				}
			}
			continue
		}
		if inCode {
			if inLayers && strings.TrimSpace(line) != "" {
				indent := len(line) - len(strings.TrimLeft(line, " "))
				p := strings.Fields(line)[0]
				l := layerLine{line: n, text: strings.TrimSpace(line)}
				if strings.HasSuffix(p, "/...") {
					l.subtree, p = true, strings.TrimSuffix(p, "/...")
				}
				for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
					stack = stack[:len(stack)-1]
				}
				first, _, _ := strings.Cut(p, "/")
				switch {
				case strings.Contains(first, "."):
					l.ext = true
				case len(stack) > 0:
					par := stack[len(stack)-1].l
					if par.ext || par.subtree {
						d.problems = append(d.problems, fmt.Sprintf("%s:%d: %q is indented under %q, which cannot have children", docPath, n, p, par.text))
					}
					p = par.path + "/" + p
				}
				l.path = p
				d.layers = append(d.layers, l)
				stack = append(stack, parent{indent, l})
			}
			continue
		}
		if m := headingRE.FindStringSubmatch(line); m != nil {
			fileCol = -1
			section = ""
			afterLayersHeading = m[1] == "##" && m[2] == "Layers"
			if pm := pkgHeadRE.FindStringSubmatch(m[2]); pm != nil {
				section = strings.Trim(pm[1], "/")
				d.sections[section] = append(d.sections[section], n)
			}
			continue
		}
		trimmed := strings.TrimSpace(line)
		if !strings.HasPrefix(trimmed, "|") {
			fileCol = -1
		} else if fileCol < 0 && i+1 < len(lines) && tableSepRE.MatchString(strings.TrimSpace(lines[i+1])) {
			// A table's header row: find its file column.
			for j, c := range cells(trimmed) {
				if strings.EqualFold(c, "file") {
					fileCol = j
				}
			}
			if fileCol < 0 {
				fileCol = -2 // a table without a file column: its rows name no files
			}
			i++ // the separator row
			continue
		} else if fileCol >= 0 {
			cs := cells(trimmed)
			if fileCol < len(cs) {
				for _, m := range backtickRE.FindAllStringSubmatch(cs[fileCol], -1) {
					if !goFileRE.MatchString(m[1]) {
						d.problems = append(d.problems, fmt.Sprintf("%s:%d: %q in a file cell is not a file name like `name.go`", docPath, n, m[1]))
						continue
					}
					d.rows = append(d.rows, docRow{pkg: section, file: m[1], line: n})
				}
			}
		}
		for _, m := range backtickRE.FindAllStringSubmatch(line, -1) {
			if repoPathRE.MatchString(m[1]) && !strings.Contains(m[1], "...") {
				d.paths = append(d.paths, docRow{file: m[1], line: n})
			}
		}
	}
	if len(d.layers) == 0 {
		d.problems = append(d.problems, fmt.Sprintf("%s: no layer diagram: the first fenced block after the heading \"## Layers\"", docPath))
	}
	return d, nil
}

func TestDocIsWellFormed(t *testing.T) {
	d := readDoc(t, root(t))
	for _, p := range d.problems {
		t.Error(p)
	}
	for pkg, lines := range d.sections {
		if len(lines) > 1 {
			t.Errorf("%s: package `%s` has %d sections (lines %v): keep one heading per package", docPath, pkg, len(lines), lines)
		}
	}
}

// TestDocFilesExist: every file a file table names exists in the package
// directory of its section.
func TestDocFilesExist(t *testing.T) {
	r := root(t)
	d := readDoc(t, r)
	pkgs := pkgDirs(t, r)
	for pkg, lines := range d.sections {
		if _, ok := pkgs[pkg]; !ok {
			t.Errorf("%s:%d: the heading `%s` names no package directory of the module (no %s/*.go): fix the path or remove the section", docPath, lines[0], pkg, pkg)
		}
	}
	if len(d.rows) == 0 {
		t.Fatalf("%s: no file tables found (a table with a \"file\" column under a heading like ### `ibkr`)", docPath)
	}
	for _, row := range d.rows {
		if row.pkg == "" {
			t.Errorf("%s:%d: `%s` is in a file table outside any package section: put the table under a heading that is the package's path in backticks, like ### `ibkr/internal/pace`", docPath, row.line, row.file)
			continue
		}
		if _, ok := pkgs[row.pkg]; !ok {
			continue // reported above
		}
		if _, err := os.Stat(filepath.Join(r, filepath.FromSlash(row.pkg), row.file)); err != nil {
			t.Errorf("%s:%d: lists `%s` under `%s`, but %s/%s does not exist: remove the row, or fix the file's name or section", docPath, row.line, row.file, row.pkg, row.pkg, row.file)
		}
		if strings.HasSuffix(row.file, "_test.go") {
			t.Errorf("%s:%d: lists the test file `%s` under `%s`: file tables list non-test files only", docPath, row.line, row.file, row.pkg)
		}
	}
}

// TestEveryFileListed: every non-test .go file of every package (doc.go
// aside) is in its package's section.
func TestEveryFileListed(t *testing.T) {
	r := root(t)
	d := readDoc(t, r)
	listed := map[string]map[string]bool{}
	for _, row := range d.rows {
		if listed[row.pkg] == nil {
			listed[row.pkg] = map[string]bool{}
		}
		listed[row.pkg][row.file] = true
	}
	pkgs := pkgDirs(t, r)
	for _, pkg := range slices.Sorted(maps.Keys(pkgs)) {
		if _, ok := d.sections[pkg]; !ok {
			t.Errorf("package %s has no section in %s: add a heading ### `%s` with a table (columns file | holds) naming each of its files: %s", pkg, docPath, pkg, strings.Join(withoutDocGo(pkgs[pkg]), ", "))
			continue
		}
		for _, f := range pkgs[pkg] {
			if f == "doc.go" || listed[pkg][f] {
				continue
			}
			t.Errorf("%s/%s is not in %s: add a row for `%s` (what it holds) to the table under ### `%s` (line %d)", pkg, f, docPath, f, pkg, d.sections[pkg][0])
		}
	}
}

// TestDocPaths: every backticked repository path on the page exists.
func TestDocPaths(t *testing.T) {
	r := root(t)
	d := readDoc(t, r)
	for _, p := range d.paths {
		if _, err := os.Stat(filepath.Join(r, filepath.FromSlash(p.file))); err != nil {
			t.Errorf("%s:%d: `%s` does not exist: fix or remove the path", docPath, p.line, p.file)
		}
	}
}

// TestDocGo: every package has a doc.go with the package comment, and no
// other file has one.
func TestDocGo(t *testing.T) {
	r := root(t)
	pkgs := pkgDirs(t, r)
	fset := token.NewFileSet()
	for _, pkg := range slices.Sorted(maps.Keys(pkgs)) {
		dir := filepath.Join(r, filepath.FromSlash(pkg))
		var docIn []string
		name := ""
		for _, f := range pkgs[pkg] {
			af, err := parser.ParseFile(fset, filepath.Join(dir, f), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Errorf("%s/%s: %v", pkg, f, err)
				continue
			}
			name = af.Name.Name
			if f == "doc.go" {
				if af.Doc == nil || strings.TrimSpace(af.Doc.Text()) == "" {
					t.Errorf("%s/doc.go has no package comment: write one (// Package %s ...) directly above its package clause", pkg, af.Name.Name)
					continue
				}
				want := "Package " + af.Name.Name + " "
				if af.Name.Name == "main" {
					want = "Command "
				}
				if !strings.HasPrefix(af.Doc.Text(), want) {
					t.Errorf("%s/doc.go: the package comment should start with %q, not %q", pkg, want, firstLine(af.Doc.Text()))
				}
				continue
			}
			if af.Doc != nil {
				docIn = append(docIn, f)
			}
		}
		if !slices.Contains(pkgs[pkg], "doc.go") {
			how := fmt.Sprintf("create %s/doc.go with a package comment and the clause package %s", pkg, name)
			if len(docIn) > 0 {
				how = fmt.Sprintf("move the package comment from %s into a new %s/doc.go (the comment, then package %s)", strings.Join(docIn, ", "), pkg, name)
			}
			t.Errorf("package %s has no doc.go: %s", pkg, how)
			continue
		}
		for _, f := range docIn {
			t.Errorf("%s/%s has a package comment besides doc.go's: merge it into doc.go and delete it here (separate a file comment from the package clause with a blank line)", pkg, f)
		}
	}
}

// listedPkg is one package as go list reports it.
type listedPkg struct {
	ImportPath string
	Name       string
	Dir        string
	Imports    []string
	rel        string // module-relative path
}

func goList(t *testing.T, root string) []listedPkg {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command:", err)
	}
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Name,Dir,Imports,Error", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./...: %v\n%s", err, stderr.String())
	}
	var pkgs []listedPkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			listedPkg
			Error *struct{ Err string }
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if p.Error != nil && len(p.Imports) == 0 {
			continue // e.g. a directory with test files only
		}
		rel, ok := inModule(p.ImportPath)
		if !ok {
			t.Fatalf("go list ./... listed %s, outside module %s", p.ImportPath, modulePath)
		}
		p.rel = rel
		pkgs = append(pkgs, p.listedPkg)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list ./... listed no packages")
	}
	return pkgs
}

// under reports whether module-relative path p is dir or below it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// inModule returns the module-relative path of import path imp, if it is
// in the module.
func inModule(imp string) (string, bool) {
	if imp == modulePath {
		return ".", true
	}
	rel, ok := strings.CutPrefix(imp, modulePath+"/")
	return rel, ok
}

// isLibrary reports whether a package is a library: anything outside
// cmd/ and examples/ that is not a command.
func isLibrary(p listedPkg) bool {
	return p.Name != "main" && !under(p.rel, "cmd") && !under(p.rel, "examples") && p.rel != "internal/archtest"
}

// TestLayerRules checks the rules of the Layers paragraph on the
// non-test imports of every package.
func TestLayerRules(t *testing.T) {
	r := root(t)
	pkgs := goList(t, r)
	var connImports, ibsimImports, sawSched, sawIbsim bool
	for _, p := range pkgs {
		for _, imp := range p.Imports {
			rel, mod := inModule(imp)
			if isLibrary(p) {
				if imp == cobraLib || strings.HasPrefix(imp, cobraLib+"/") {
					t.Errorf("%s imports %s: no library package imports cobra; flags belong to a command under cmd/ibbot/internal/cmd", p.rel, imp)
				}
				if mod && under(rel, "cmd") {
					t.Errorf("%s imports %s: no library package imports anything under cmd/; move what it needs down into a library package", p.rel, imp)
				}
				if imp == "os/signal" {
					t.Errorf("%s imports os/signal: no library package installs signal handlers; take a context instead", p.rel)
				}
			}
			if under(p.rel, "sched") && mod && under(rel, "ibkr") {
				t.Errorf("%s imports %s: sched imports nothing of ibkr (ibkr and ibsim import sched)", p.rel, imp)
			}
			if under(p.rel, "ibkr/ibsim") && mod && under(rel, "ibkr") && !under(rel, "ibkr/ibsim") {
				t.Errorf("%s imports %s: ibsim imports nothing of ibkr's own packages; it speaks the protocol itself", p.rel, imp)
			}
			if imp == wireLib || strings.HasPrefix(imp, wireLib+"/") {
				switch {
				case p.rel == "ibkr/internal/conn":
					connImports = true
				case under(p.rel, "ibkr/ibsim"):
					ibsimImports = true
				case p.Name == "main":
					// A program may set the wire library's process-wide log level.
				default:
					t.Errorf("%s imports %s: only ibkr/internal/conn and ibkr/ibsim/... may (and programs, for the log level); go through package ibkr or ibsim instead", p.rel, imp)
				}
			}
		}
		sawSched = sawSched || p.rel == "sched"
		sawIbsim = sawIbsim || p.rel == "ibkr/ibsim"
	}
	if !connImports || !ibsimImports || !sawSched || !sawIbsim {
		t.Errorf("the checks are vacuous: conn imports the wire library %v, ibsim imports it %v, sched listed %v, ibsim listed %v", connImports, ibsimImports, sawSched, sawIbsim)
	}
	// No library package reads the environment or exits: a source scan,
	// every build constraint included.
	fset := token.NewFileSet()
	for _, p := range pkgs {
		if !isLibrary(p) {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(p.Dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			names := map[string]string{} // local name -> import path
			for _, is := range af.Imports {
				ip, _ := strconv.Unquote(is.Path.Value)
				local := path.Base(ip)
				if is.Name != nil {
					local = is.Name.Name
				}
				names[local] = ip
			}
			ast.Inspect(af, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				x, ok := sel.X.(*ast.Ident)
				if !ok || names[x.Name] != "os" {
					return true
				}
				switch sel.Sel.Name {
				case "Exit", "Getenv", "LookupEnv", "Environ", "Setenv", "Unsetenv":
					pos := fset.Position(sel.Pos())
					rel, _ := filepath.Rel(r, pos.Filename)
					t.Errorf("%s:%d: os.%s in library package %s: no library package reads the environment or exits; take the value or return an error instead", filepath.ToSlash(rel), pos.Line, sel.Sel.Name, p.rel)
				}
				return true
			})
		}
	}
}

// layerOf returns the index of the diagram line that holds module-relative
// package rel (ext false) or external import path imp (ext true), or -1.
func layerOf(layers []layerLine, p string, ext bool) int {
	best, bestLen := -1, -1
	for i, l := range layers {
		if l.ext != ext {
			continue
		}
		switch {
		case !l.subtree && !ext && l.path == p:
			return i
		case (l.subtree || ext) && under(p, l.path) && len(l.path) > bestLen:
			best, bestLen = i, len(l.path)
		}
	}
	return best
}

// TestLayersPointDown: every package is on a line of the Layers diagram,
// and every non-test import between the diagram's lines points down.
func TestLayersPointDown(t *testing.T) {
	r := root(t)
	d := readDoc(t, r)
	if len(d.layers) == 0 {
		t.Fatalf("%s: no layer diagram (the first fenced block after \"## Layers\")", docPath)
	}
	pkgs := goList(t, r)
	dirs := pkgDirs(t, r)
	used := make([]bool, len(d.layers))
	layer := map[string]int{}
	for _, p := range pkgs {
		if _, ok := dirs[p.rel]; !ok {
			continue // test files only
		}
		i := layerOf(d.layers, p.rel, false)
		if i < 0 {
			t.Errorf("package %s is not in the Layers diagram of %s: add a line for it (or a parent's /... line) below every package that imports it and above every package it imports", p.rel, docPath)
			continue
		}
		layer[p.rel] = i
		used[i] = true
	}
	for i, l := range d.layers {
		if !l.ext && !used[i] {
			t.Errorf("%s:%d: the Layers diagram names %s, which is no package of the module: fix the path (indentation nests it under the line above) or remove the line", docPath, l.line, l.path)
		}
	}
	for _, p := range pkgs {
		from, ok := layer[p.rel]
		if !ok {
			continue
		}
		for _, imp := range p.Imports {
			to := -1
			if rel, mod := inModule(imp); mod {
				var ok bool
				if to, ok = layer[rel]; !ok {
					continue // reported above
				}
			} else if to = layerOf(d.layers, imp, true); to < 0 {
				continue // not in the diagram: the standard library, other dependencies
			}
			if to < from {
				t.Errorf("%s imports %s, but the Layers diagram puts %q (%s:%d) above %q (line %d): arrows point down only; move the line down or remove the import",
					p.rel, imp, d.layers[to].text, docPath, d.layers[to].line, d.layers[from].text, d.layers[from].line)
			}
		}
	}
}

func withoutDocGo(files []string) []string {
	var out []string
	for _, f := range files {
		if f != "doc.go" {
			out = append(out, f)
		}
	}
	return out
}

func firstLine(s string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	if sc.Scan() {
		return sc.Text()
	}
	return ""
}
