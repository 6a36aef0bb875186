package ibkr_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/scmhub/ibapi"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	ibapi.SetLogLevel(7) // quiet the wire library's global logger
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

// tradingMorning is 10:00 New York on a trading day.
var tradingMorning = time.Date(2026, 3, 10, 10, 0, 0, 0, mustNY())

func mustNY() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return l
}

func startSim(t testing.TB, cfg ibsim.Config) *ibsim.Server {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = ibsim.NewVirtualClock(tradingMorning)
	}
	if s := os.Getenv("IBBOT_SIM_VERSION"); s != "" && cfg.MaxServerVersion == 0 {
		// As simVersion in load_test.go: CI runs the suite at 200 too.
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("IBBOT_SIM_VERSION=%q: want a server version", s)
		}
		cfg.MaxServerVersion = v
	}
	s, err := ibsim.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func endpoint(t testing.TB, s *ibsim.Server) (string, int) {
	t.Helper()
	i := strings.LastIndexByte(s.Addr(), ':')
	port, err := strconv.Atoi(s.Addr()[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	return s.Addr()[:i], port
}

func dial(t testing.TB, s *ibsim.Server, cfg ibkr.Config) *ibkr.Session {
	t.Helper()
	cfg.Host, cfg.Port = endpoint(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := ibkr.Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDialAndCurrentTime(t *testing.T) {
	s := startSim(t, ibsim.Config{Account: "DU5550001"})
	sess := dial(t, s, ibkr.Config{ClientID: 1})
	if sess.Status() != ibkr.StatusReady {
		t.Fatalf("status %v, want ready", sess.Status())
	}
	if got := sess.Accounts(); len(got) != 1 || got[0] != "DU5550001" {
		t.Errorf("accounts %v", got)
	}
	now, err := sess.CurrentTime(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if !now.Equal(tradingMorning) {
		t.Errorf("current time %v, want %v", now, tradingMorning)
	}
}

func TestDialRefusedClientID(t *testing.T) {
	s := startSim(t, ibsim.Config{})
	dial(t, s, ibkr.Config{ClientID: 253})
	host, port := endpoint(t, s)
	_, err := ibkr.Dial(ctxT(t), ibkr.Config{Host: host, Port: port, ClientID: 253})
	if !errors.Is(err, ibkr.ErrClientIDInUse) {
		t.Fatalf("second Dial with the same id: %v, want ErrClientIDInUse", err)
	}
	var ae *ibkr.APIError
	if !errors.As(err, &ae) || ae.Code != 326 {
		t.Errorf("error %v is not an *APIError with code 326", err)
	}
}

func TestCloseIsIdempotentAndFailsCalls(t *testing.T) {
	s := startSim(t, ibsim.Config{})
	sess := dial(t, s, ibkr.Config{ClientID: 2})
	sess.Close()
	sess.Close()
	if _, err := sess.CurrentTime(ctxT(t)); !errors.Is(err, ibkr.ErrClosed) {
		t.Fatalf("call after Close: %v, want ErrClosed", err)
	}
	if sess.Status() != ibkr.StatusClosed {
		t.Errorf("status %v", sess.Status())
	}
}

// The incident that started ibbot: SPY, QQQ and AAPL processed by several
// goroutines at once, all with one client id.
func TestIncidentOneClientIDManyGoroutines(t *testing.T) {
	s := startSim(t, ibsim.Config{})
	host, port := endpoint(t, s)
	pool := ibkr.NewPool(ibkr.PoolConfig{})
	defer pool.Close()
	for _, workers := range []int{2, 3} {
		t.Run(strconv.Itoa(workers), func(t *testing.T) {
			symbols := []string{"SPY", "QQQ", "AAPL"}
			var wg sync.WaitGroup
			sessions := make([]*ibkr.Lease, workers)
			errs := make(chan error, 100)
			work := make(chan string, len(symbols))
			for _, s := range symbols {
				work <- s
			}
			close(work)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sess, err := pool.Session(ctxT(t), ibkr.Endpoint{Host: host, Port: port, ClientID: 253})
					if err != nil {
						errs <- err
						return
					}
					sessions[w] = sess
					for sym := range work {
						d, err := sess.Qualify(ctxT(t), ibkr.Stock(sym))
						if err != nil {
							errs <- err
							continue
						}
						if d.Contract.Symbol != sym || d.Contract.ConID == 0 {
							errs <- errors.New("wrong contract for " + sym + ": " + d.Contract.String())
						}
						if _, err := sess.CurrentTime(ctxT(t)); err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			for _, x := range sessions[1:] {
				if x.Session != sessions[0].Session {
					t.Error("the pool gave two sessions for one endpoint")
				}
			}
			for _, x := range sessions {
				x.Release()
			}
			if n := s.Stats().Errors(326); n != 0 {
				t.Errorf("the gateway sent 326 %d times", n)
			}
		})
	}
}
