package ibkr

import (
	"errors"
	"sync"
	"time"
)

// connectivity tracks the Gateway's own link to IB (1100/1101/1102).
type connectivity struct {
	mu    sync.Mutex
	timer *time.Timer
}

// connectivityLost handles 1100: calls wait (status connectivity-lost), and
// if the link is not restored within ConnectivityTimeout the connection is
// dropped and made again.
func (s *Session) connectivityLost(gen uint64, e *APIError) {
	s.warn(e)
	s.status.set(StatusEvent{Status: StatusConnectivityLost, Err: e})
	s.conn1100.mu.Lock()
	defer s.conn1100.mu.Unlock()
	if s.conn1100.timer != nil {
		s.conn1100.timer.Stop()
	}
	s.conn1100.timer = time.AfterFunc(s.cfg.ConnectivityTimeout, func() {
		s.dropConn(gen, errors.New("connectivity between the gateway and IB was not restored"))
	})
}

// connectivityRestored handles 1101 (data lost: market data subscriptions
// were dropped and are requested again) and 1102 (data maintained: nothing
// to do).
func (s *Session) connectivityRestored(e *APIError, dataLost bool) {
	s.warn(e)
	s.conn1100.mu.Lock()
	if s.conn1100.timer != nil {
		s.conn1100.timer.Stop()
		s.conn1100.timer = nil
	}
	s.conn1100.mu.Unlock()
	if s.Status() == StatusConnectivityLost {
		s.status.set(StatusEvent{Status: StatusReady})
	}
	if !dataLost {
		return
	}
	// Off the reader goroutine: re-requesting writes through the writer.
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		streams := s.liveStreams()
		for _, st := range streams {
			st.lost(e)
			st.resume(s)
		}
		// The Gateway dropped pending snapshots too: ask again on the same
		// ids, or their callers would wait for an end that never comes.
		snaps := s.resendSnapshots(0)
		s.log.Info("ibkr: subscriptions requested again after 1101", "streams", len(streams), "snapshots", snaps)
	}()
}
