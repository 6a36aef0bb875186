package ibkr

import (
	"fmt"
	"time"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
)

// lostConn asks the supervisor to drop the connection of generation gen
// (a later connection ignores it) for err.
type lostConn struct {
	gen uint64
	err error
}

// dropConn asks the supervisor to drop the connection of generation gen.
func (s *Session) dropConn(gen uint64, err error) {
	select {
	case s.lostCh <- lostConn{gen: gen, err: err}:
	default: // a drop is already pending
	}
}

// probe proves c's stream alive every ProbeInterval with a reqCurrentTime
// (joining one a caller already sent). An answer that does not come
// within ProbeTimeout of the probe leaving means the connection is dead
// with its socket still open: a half-open TCP connection, a Gateway that
// stopped reading or writing, or a stream that lost its framing. Nothing
// would end it: every call would time out while the Session stays ready.
// probe drops it, and the supervisor reconnects. A probe that fails
// because the connection ended is the supervisor's business already, and
// while the Gateway reports its link to IB lost (1100) the connectivity
// timeout decides instead.
func (s *Session) probe(c *conn.Conn) {
	defer s.wg.Done()
	gen := c.Gen()
	every := time.NewTicker(s.cfg.ProbeInterval)
	defer every.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-c.Down():
			return
		case <-every.C:
		}
		if s.Status() == StatusConnectivityLost {
			continue // the connectivity timeout governs a Gateway cut off from IB
		}
		if waited, dead := s.probeOnce(c, gen); dead && s.Status() != StatusConnectivityLost {
			err := fmt.Errorf("the gateway did not answer a probe (reqCurrentTime) within %v of it being written: the connection is dead", waited.Round(time.Millisecond))
			s.log.Warn("ibkr: dropping a dead connection", "gen", gen, "err", err)
			s.probeDrops.Add(1)
			s.dropConn(gen, err)
			return
		}
	}
}

// probeOnce sends (or joins) a reqCurrentTime on c and reports whether it
// went unanswered for ProbeTimeout after it was written. The wait before
// it is written (the writer's queue at the rate limit) does not count.
func (s *Session) probeOnce(c *conn.Conn, gen uint64) (time.Duration, bool) {
	r := s.joinTime(gen)
	check := time.NewTicker(max(s.cfg.ProbeTimeout/20, time.Millisecond))
	defer check.Stop()
	for {
		select {
		case <-r.Answer.Done(): // answered, or failed with the connection
			return 0, false
		case <-s.ctx.Done():
			return 0, false
		case <-c.Down():
			return 0, false
		case <-check.C:
			if at, ok := r.Written(); ok {
				if d := time.Since(at); d >= s.cfg.ProbeTimeout {
					return d, true
				}
			}
		}
	}
}
