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

// While the Gateway reports its link to IB lost (1100) the connectivity
// timeout decides, not the probe: a Gateway that left reqCurrentTime
// unanswered then is not dropped early. Once the timeout passes the
// Session reconnects, as for any 1100 that never recovers.
func TestProbeWaitsOutConnectivityLoss(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 64, ReconnectWait: time.Millisecond, MaxReconnectWait: 5 * time.Millisecond,
		ProbeInterval: 10 * time.Millisecond, ProbeTimeout: 50 * time.Millisecond, ConnectivityTimeout: time.Second})
	ctx := testCtx(t, 30*time.Second)
	changed := sess.StatusChanged()
	if err := s.Broadcast(1100); err != nil {
		t.Fatal(err)
	}
	for sess.Status() != StatusConnectivityLost {
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatal("no connectivity-lost status after 1100")
		}
	}
	s.Hang(49) // reqCurrentTime goes unanswered from now on
	lostAt := time.Now()
	for sess.Status() != StatusReconnecting {
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatal("the connection was never dropped after the connectivity timeout")
		}
	}
	if d := time.Since(lostAt); d < 900*time.Millisecond {
		t.Errorf("dropped %v after 1100, before the 1 s connectivity timeout", d)
	}
	if n := sess.Stats().DeadConnections; n != 0 {
		t.Errorf("%d connections dropped by the probe during 1100", n)
	}
	s.SetLatency(49, 0) // the new connection's first round trip is answered
	if _, err := sess.CurrentTime(ctx); err != nil {
		t.Fatalf("after the reconnect: %v", err)
	}
}
