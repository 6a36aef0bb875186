package ibsim

import (
	"testing"

	"github.com/scmhub/ibapi"
)

// TestNewestClientVersionIsTheLibrarys keeps NewestClientVersion equal to
// the newest version scmhub/ibapi asks for, and the fully spoken version
// within it.
func TestNewestClientVersionIsTheLibrarys(t *testing.T) {
	if NewestClientVersion != int(ibapi.MAX_CLIENT_VER) {
		t.Fatalf("NewestClientVersion %d, scmhub/ibapi MAX_CLIENT_VER %d", NewestClientVersion, ibapi.MAX_CLIENT_VER)
	}
	if HighestServerVersion > NewestClientVersion || DefaultServerVersion != HighestServerVersion {
		t.Fatalf("HighestServerVersion %d, DefaultServerVersion %d, NewestClientVersion %d", HighestServerVersion, DefaultServerVersion, NewestClientVersion)
	}
	for _, v := range []int{MinClientVersion, HighestServerVersion, NewestClientVersion} {
		if _, err := (Config{MaxServerVersion: v}).withDefaults(); err != nil {
			t.Errorf("MaxServerVersion %d: %v", v, err)
		}
	}
	if _, err := (Config{MaxServerVersion: NewestClientVersion + 1}).withDefaults(); err == nil {
		t.Errorf("MaxServerVersion %d accepted", NewestClientVersion+1)
	}
}
