package metrics

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr"
)

// docs/operations.md names and explains every ibbot_* metric, and names
// none that does not exist.
func TestEveryMetricDocumented(t *testing.T) {
	s := &fakeSession{status: ibkr.StatusReady}
	m := New("test", Sources{Session: s, Decisions: func() map[string]int { return map[string]int{"order": 1} },
		Alerts: func() map[string]AlertStats { return map[string]AlertStats{"slack": {}} }})
	m.ObserveRoundTrip(0, time.Now())
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, f := range fams {
		if strings.HasPrefix(f.GetName(), Namespace+"_") {
			have = append(have, f.GetName())
		}
	}
	sort.Strings(have)
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The metrics table: | `name{labels}` | type | meaning |
	row := regexp.MustCompile("(?m)^\\| `(ibbot_[a-z_]+)(?:\\{[a-z,]+\\})?` \\| (counter|gauge|histogram) \\| (.+) \\|$")
	documented := map[string]string{}
	for _, mm := range row.FindAllStringSubmatch(string(doc), -1) {
		documented[mm[1]] = mm[2]
		if len(strings.TrimSpace(mm[3])) < 20 {
			t.Errorf("%s: explanation %q is too short to explain anything", mm[1], mm[3])
		}
	}
	types := map[string]string{}
	for _, f := range fams {
		types[f.GetName()] = strings.ToLower(f.GetType().String())
	}
	for _, name := range have {
		typ, ok := documented[name]
		switch {
		case !ok:
			t.Errorf("%s is served but not in the metrics table of docs/operations.md", name)
		case typ != types[name]:
			t.Errorf("%s is documented as a %s, served as a %s", name, typ, types[name])
		}
	}
	for name := range documented {
		if _, ok := types[name]; !ok {
			t.Errorf("docs/operations.md documents %s, which is not served", name)
		}
	}
}
