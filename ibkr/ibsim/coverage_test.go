package ibsim

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scmhub/ibapi"
)

// scmhubRequests returns scmhub/ibapi's outgoing message ids (the OUT
// constants of its message.go) by name.
func scmhubRequests(t *testing.T) map[string]int64 {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/scmhub/ibapi").Output()
	if err != nil {
		t.Fatalf("go list scmhub/ibapi: %v", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "message.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	ids := map[string]int64{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs, ok := s.(*ast.ValueSpec)
			if !ok || len(vs.Names) != 1 || len(vs.Values) != 1 {
				continue
			}
			if typ, ok := vs.Type.(*ast.Ident); !ok || typ.Name != "OUT" {
				continue
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok {
				t.Fatalf("%s: not a literal", vs.Names[0].Name)
			}
			v, err := strconv.ParseInt(lit.Value, 10, 64)
			if err != nil {
				t.Fatalf("%s = %s: %v", vs.Names[0].Name, lit.Value, err)
			}
			ids[vs.Names[0].Name] = v
		}
	}
	if len(ids) < 80 {
		t.Fatalf("found %d OUT message ids in %s, want the whole list", len(ids), path)
	}
	return ids
}

// coverageRows reads the rows of docs/simulator.md's Coverage table by
// constant name: the cells id, answer, since, encoding.
func coverageRows(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/simulator.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "\n## Coverage\n")
	if i < 0 {
		t.Fatal("docs/simulator.md has no Coverage section")
	}
	sec := doc[i+1:]
	if j := strings.Index(sec[3:], "\n## "); j >= 0 {
		sec = sec[:j+3]
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(sec, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| id ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 5 {
			t.Errorf("coverage row %q: %d cells, want 5", line, len(cells))
			continue
		}
		for k := range cells {
			cells[k] = strings.TrimSpace(cells[k])
		}
		name := strings.Trim(cells[1], "`")
		if _, dup := rows[name]; dup {
			t.Errorf("coverage table: %s listed twice", name)
		}
		rows[name] = []string{cells[0], cells[2], cells[3], cells[4]}
	}
	return rows
}

// TestCoverageTable checks that docs/simulator.md's Coverage table has a
// row for every request scmhub/ibapi can send, and that each row's id,
// answer kind, version and encoding are what the simulator does.
func TestCoverageTable(t *testing.T) {
	ids := scmhubRequests(t)
	rows := coverageRows(t)
	for name, id := range ids {
		row, ok := rows[name]
		if !ok {
			t.Errorf("coverage table: no row for %s (%d)", name, id)
			continue
		}
		if row[0] != strconv.FormatInt(id, 10) {
			t.Errorf("%s: id %s, want %d", name, row[0], id)
		}
		want := "320 on -1"
		if handlerFor(id) != nil {
			want = "served: "
		} else if u, ok := unservedRequests[id]; ok {
			want = "refused: nothing"
			if u.code != 0 {
				want = fmt.Sprintf("refused: %d", u.code)
			}
		}
		if !strings.HasPrefix(row[1], want) {
			t.Errorf("%s: answer %q, want it to start with %q", name, row[1], want)
		}
		since, err := strconv.Atoi(row[2])
		if err != nil || since < MinClientVersion {
			t.Errorf("%s: since %q, want a version of %d or later", name, row[2], MinClientVersion)
		}
		enc := "text"
		if v, ok := ibapi.PROTOBUF_MSG_IDS[id]; ok && int(v) <= HighestServerVersion {
			enc = fmt.Sprintf("text; protobuf from %d", v)
		} else if since >= 201 {
			enc = "protobuf" // a request newer than the text protocol: scmhub sends it only as protobuf
		}
		if row[3] != enc {
			t.Errorf("%s: encoding %q, want %q", name, row[3], enc)
		}
	}
	for name := range rows {
		if _, ok := ids[name]; !ok {
			t.Errorf("coverage table row %s is not an scmhub/ibapi message id", name)
		}
	}
}
