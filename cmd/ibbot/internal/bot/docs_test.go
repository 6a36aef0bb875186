package bot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The key table in docs/bot.md and examples/settings.yaml are generated
// from the settings table: they cannot drift from the code. Regenerate
// with IBBOT_WRITE_DOCS=1 go test -run TestConfigDocs ./cmd/ibbot/internal/bot/
func TestConfigDocs(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..")
	write := os.Getenv("IBBOT_WRITE_DOCS") == "1"

	docPath := filepath.Join(root, "docs", "bot.md")
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- config-table:start -->\n", "<!-- config-table:end -->"
	i, j := strings.Index(string(doc), start), strings.Index(string(doc), end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q markers", docPath, start, end)
	}
	want := string(doc[:i+len(start)]) + DocTable() + string(doc[j:])
	if write {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if string(doc) != want {
		t.Errorf("%s's key table is stale: IBBOT_WRITE_DOCS=1 go test -run TestConfigDocs ./cmd/ibbot/internal/bot/", docPath)
	}

	exPath := filepath.Join(root, "examples", "settings.yaml")
	if write {
		if err := os.WriteFile(exPath, []byte(Example()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ex, err := os.ReadFile(exPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(ex) != Example() {
		t.Errorf("%s is stale: IBBOT_WRITE_DOCS=1 go test -run TestConfigDocs ./cmd/ibbot/internal/bot/", exPath)
	}
	for _, k := range Keys() {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/bot.md does not name %s", k)
		}
	}
}

// The example loads unchanged and gives exactly the defaults.
func TestExampleLoadsAsDefaults(t *testing.T) {
	p := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(p, []byte(Example()), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p, func(string) string { return "" })
	if err != nil {
		t.Fatalf("Load(example): %v\n%s", err, Example())
	}
	def := Defaults()
	for _, s := range settings {
		if g, w := s.get(&got), s.get(&def); g != w {
			t.Errorf("%s: example gives %q, default is %q", s.key, g, w)
		}
		if got.Sources[s.key] != "file" {
			t.Errorf("%s: source %q, want file", s.key, got.Sources[s.key])
		}
	}
}
