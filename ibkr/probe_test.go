package ibkr

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// A stream that lost its framing (here: a frame header announcing 4 KiB
// that the Gateway never sends, so every later message is swallowed into
// it) leaves the socket open and the Session ready while every call times
// out. The probe finds it dead and the Session reconnects; without the
// probe the call below never succeeds.
func TestDeadStreamIsDroppedAndReconnected(t *testing.T) {
	for _, v := range []int{200, ibsim.HighestServerVersion} {
		s := fastSim(t, ibsim.Config{MaxServerVersion: v})
		sess := fastSession(t, s, Config{ClientID: 61, ReconnectWait: time.Millisecond, MaxReconnectWait: 5 * time.Millisecond,
			ProbeInterval: 20 * time.Millisecond, ProbeTimeout: 300 * time.Millisecond})
		ctx := testCtx(t, 30*time.Second)
		if _, err := sess.CurrentTime(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.SendRaw(61, []byte{0, 0, 0x10, 0}); err != nil {
			t.Fatal(err)
		}
		changed := sess.StatusChanged()
		for sess.Stats().DeadConnections == 0 {
			select {
			case <-changed: // the drop sets StatusReconnecting
			case <-ctx.Done():
				t.Fatalf("v%d: the dead stream was never dropped (status %v)", v, sess.Status())
			}
		}
		// The next calls are served on a new connection.
		for {
			c, cancel := context.WithTimeout(ctx, time.Second)
			_, err := sess.CurrentTime(c)
			cancel()
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("v%d: not served after the drop: %v", v, err)
			}
		}
		if _, err := sess.Qualify(ctx, Stock("SPY")); err != nil {
			t.Fatalf("v%d: after the drop: %v", v, err)
		}
		st := sess.Stats()
		if st.DeadConnections != 1 || st.Reconnects < 1 {
			t.Fatalf("v%d: %d dead connections, %d reconnects; want 1 and at least 1", v, st.DeadConnections, st.Reconnects)
		}
	}
}

// A healthy connection is never dropped by the probe, even while the
// writer's queue holds the probe back at the rate limit: the timeout runs
// from when it is written.
func TestProbeKeepsAHealthyConnection(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	sess := sessionFor(t, s, Config{ClientID: 62, ProbeInterval: 5 * time.Millisecond, ProbeTimeout: 200 * time.Millisecond})
	ctx := testCtx(t, 60*time.Second)
	// 150 bulk requests queue about three seconds of writes at IB's rate.
	errs := make(chan error, 150)
	for range 150 {
		go func() {
			_, err := sess.ContractDetails(ctx, Stock("SPY"))
			errs <- err
		}()
	}
	for range 150 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if st := sess.Stats(); st.DeadConnections != 0 || st.Reconnects != 0 {
		t.Fatalf("%d dead connections, %d reconnects on a healthy Gateway", st.DeadConnections, st.Reconnects)
	}
}

func TestProbeConfig(t *testing.T) {
	c, err := Config{ClientID: 1}.withDefaults()
	if err != nil || c.ProbeInterval != DefaultProbeInterval || c.ProbeTimeout != DefaultProbeTimeout {
		t.Fatalf("defaults: %v, %v, %v", c.ProbeInterval, c.ProbeTimeout, err)
	}
	if c, err := (Config{ClientID: 1, ProbeInterval: -1}).withDefaults(); err != nil || c.ProbeInterval >= 0 {
		t.Fatalf("a negative ProbeInterval (off): %v, %v", c.ProbeInterval, err)
	}
	_, err = Config{ClientID: 1, ProbeTimeout: -time.Second}.withDefaults()
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "Config.ProbeTimeout" {
		t.Fatalf("a negative ProbeTimeout: %v", err)
	}
}
