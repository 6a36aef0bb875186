package ibkr

// Acceptance checks of the package's layering: the exported API names no
// type of the wire library (or of ibkr's internal packages), and only
// ibkr/internal/conn imports the wire library at all.

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const (
	modulePath = "github.com/ibbot/ibbot"
	ibkrPath   = modulePath + "/ibkr"
	connPath   = ibkrPath + "/internal/conn"
	wirePath   = "github.com/scmhub/ibapi"
)

// goList runs `go list` with args in this package's directory.
func goList(t *testing.T, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command:", err)
	}
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// hiddenType reports whether a type from package path must not appear in
// ibkr's exported API: the wire library's, or an internal package's.
func hiddenType(path string) bool {
	return path == wirePath || strings.HasPrefix(path, wirePath+"/") || strings.HasPrefix(path, ibkrPath+"/internal/")
}

// TestExportedAPIHidesWireTypes type-checks package ibkr (its non-test
// files, with the compiler's export data of its imports) and walks every
// exported name: constants, variables, functions, types with their
// exported fields and methods. None may mention a type of scmhub/ibapi or
// of ibkr/internal/...
func TestExportedAPIHidesWireTypes(t *testing.T) {
	exports := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(goList(t, "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}", ".")))
	for sc.Scan() {
		if path, file, ok := strings.Cut(sc.Text(), "\t"); ok && file != "" {
			exports[path] = file
		}
	}
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
	pkg, err := (&types.Config{Importer: imp}).Check(ibkrPath, fset, files, nil)
	if err != nil {
		t.Fatal(err)
	}

	var bad []string
	seen := map[types.Type]bool{}
	var visit func(where string, typ types.Type)
	visit = func(where string, typ types.Type) {
		if typ == nil || seen[typ] {
			return
		}
		seen[typ] = true
		defer delete(seen, typ) // report every place, not only the first
		switch tt := typ.(type) {
		case *types.Alias:
			if p := tt.Obj().Pkg(); p != nil && hiddenType(p.Path()) {
				bad = append(bad, fmt.Sprintf("%s: %s", where, tt))
				return
			}
			visit(where, tt.Rhs())
		case *types.Named:
			p := tt.Obj().Pkg()
			if p != nil && hiddenType(p.Path()) {
				bad = append(bad, fmt.Sprintf("%s: %s", where, tt))
				return
			}
			for i := 0; i < tt.TypeArgs().Len(); i++ {
				visit(where, tt.TypeArgs().At(i))
			}
			// An unexported ibkr type in an exported signature exposes its
			// structure; exported ones are walked on their own.
			if p == pkg && !tt.Obj().Exported() {
				visit(where, tt.Underlying())
			}
		case *types.Pointer:
			visit(where, tt.Elem())
		case *types.Slice:
			visit(where, tt.Elem())
		case *types.Array:
			visit(where, tt.Elem())
		case *types.Map:
			visit(where, tt.Key())
			visit(where, tt.Elem())
		case *types.Chan:
			visit(where, tt.Elem())
		case *types.Signature:
			for _, tup := range []*types.Tuple{tt.Params(), tt.Results()} {
				for i := 0; i < tup.Len(); i++ {
					visit(where, tup.At(i).Type())
				}
			}
		case *types.Struct:
			for i := 0; i < tt.NumFields(); i++ {
				if f := tt.Field(i); f.Exported() || f.Embedded() {
					visit(where+"."+f.Name(), f.Type())
				}
			}
		case *types.Interface:
			for i := 0; i < tt.NumMethods(); i++ {
				if m := tt.Method(i); m.Exported() {
					visit(where+"."+m.Name(), m.Type())
				}
			}
			for i := 0; i < tt.NumEmbeddeds(); i++ {
				visit(where, tt.EmbeddedType(i))
			}
		case *types.TypeParam:
			visit(where, tt.Constraint())
		}
	}

	scope := pkg.Scope()
	n := 0
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		n++
		switch o := obj.(type) {
		case *types.TypeName:
			if named, ok := o.Type().(*types.Named); ok {
				visit(name, named.Underlying())
				ms := types.NewMethodSet(types.NewPointer(named))
				for i := 0; i < ms.Len(); i++ {
					if m := ms.At(i).Obj(); m.Exported() {
						visit(name+"."+m.Name(), m.Type())
					}
				}
			} else {
				visit(name, o.Type())
			}
		default:
			visit(name, obj.Type())
		}
	}
	if n < 50 {
		t.Fatalf("only %d exported names found in package ibkr; the walk is broken", n)
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("exported API mentions a hidden type: %s", b)
	}
}

// TestOnlyConnImportsTheWireLibrary lists the packages of ibkr (without the
// simulator, and without tests) with their imports: ibkr/internal/conn is
// the only one importing scmhub/ibapi, so it is the only place that can
// call the EClient. It also checks that conn is one of ibkr's
// dependencies, so that the check covers the real graph.
func TestOnlyConnImportsTheWireLibrary(t *testing.T) {
	out := goList(t, "-f", "{{.ImportPath}}\t{{join .Imports \" \"}}", "./...")
	var checked []string
	connImports := false
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, imports, _ := strings.Cut(line, "\t")
		if path == ibkrPath+"/ibsim" || strings.HasPrefix(path, ibkrPath+"/ibsim/") {
			continue
		}
		checked = append(checked, path)
		for _, imp := range strings.Fields(imports) {
			if imp != wirePath && !strings.HasPrefix(imp, wirePath+"/") {
				continue
			}
			if path == connPath {
				connImports = true
				continue
			}
			t.Errorf("%s imports %s; only %s may", path, imp, connPath)
		}
	}
	if !connImports {
		t.Errorf("%s does not import %s; checked %v", connPath, wirePath, checked)
	}
	deps := strings.Fields(string(goList(t, "-deps", "-f", "{{.ImportPath}}", ".")))
	if !slices.Contains(deps, connPath) {
		t.Errorf("package ibkr does not depend on %s", connPath)
	}
	// The wire library reaches ibkr only through conn.
	if !slices.Contains(deps, wirePath) {
		t.Errorf("package ibkr does not depend on %s at all; the check is vacuous", wirePath)
	}
	// No non-test file outside conn names the EClient, even in a comment
	// that could hide a call through another route.
	dirs, err := filepath.Glob("internal/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range append(dirs, ".") {
		if dir == filepath.Join("internal", "conn") {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte("ibapi.EClient")) || bytes.Contains(b, []byte("NewEClient")) {
				t.Errorf("%s names the EClient; only %s may", f, connPath)
			}
		}
	}
}
