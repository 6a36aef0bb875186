package cmdutil

import (
	"io"
	"os"
	"strings"
	"testing"
)

func TestIsTerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.CreateTemp(t.TempDir(), "in")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var nilFile *os.File
	for name, in := range map[string]io.Reader{
		"string reader": strings.NewReader("help\n"),
		"null device":   null,
		"pipe":          r,
		"regular file":  file,
		"nil file":      nilFile,
		"nil reader":    nil,
	} {
		if IsTerminal(in) {
			t.Errorf("IsTerminal(%s) = true", name)
		}
	}
}
