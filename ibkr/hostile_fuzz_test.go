package ibkr

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/shopspring/decimal"
)

// What a hostile or broken Gateway sends reaches the Session through the
// connection's frame relay, the wire library's decoder and the Session's
// own handlers (routing, decimals, bar times, order and account records).
// FuzzHostileGateway sends arbitrary bytes down a live connection and
// checks the one property that matters to a bot that trades unattended:
// nothing panics, every call ends (with a result or an error) within its
// deadline, and once the bytes stop the Session serves again, on the same
// connection or after reconnecting.
//
// The seeds are real frames: every frame the simulator sent while a
// Session ran one of each kind of call, recorded at server version 200
// (text) and at the simulator's highest version (binary ids, protobuf
// families), so the fuzzer starts from messages the decoder routes, not
// from noise.
//
// Input: data[0] bit 0 picks the connection (0: version 200, 1: the
// highest), bit 1 sends data[1:] as it is (no length prefix: a truncated
// or desynchronising stream); otherwise data[1:] is one frame's payload.
//
//	go test -run XXX -fuzz FuzzHostileGateway -fuzztime 60s ./ibkr/
func FuzzHostileGateway(f *testing.F) {
	versions := []int{200, ibsim.HighestServerVersion}
	for i, v := range versions {
		for _, p := range recordFrames(f, v) {
			f.Add(append([]byte{byte(i)}, p...))
			if len(p) > 8 {
				f.Add(append([]byte{byte(i)}, p[:len(p)/2]...)) // fields cut short
			}
		}
	}
	f.Add([]byte{2, 0, 0, 0, 200})                                               // a length prefix, then silence
	f.Add([]byte{3, 0x7f, 0xff, 0xff, 0xff, 'x'})                                // a frame far over the limit
	f.Add([]byte{0, '4', 0, '2', 0, '-', '1', 0, '1', '1', '0', '0', 0, 'x', 0}) // 1100 with no recovery

	type conn struct {
		sim  *ibsim.Server
		sess *Session
		id   int64
	}
	var conns []conn
	for i, v := range versions {
		s := fastSim(f, ibsim.Config{MaxServerVersion: v})
		id := int64(80 + i)
		sess := fastSession(f, s, Config{ClientID: id, ReconnectWait: time.Millisecond,
			MaxReconnectWait: 5 * time.Millisecond, ConnectivityTimeout: 100 * time.Millisecond,
			ProbeInterval: 50 * time.Millisecond, ProbeTimeout: 500 * time.Millisecond})
		conns = append(conns, conn{s, sess, id})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 || len(data) > 1<<16 {
			return
		}
		c := conns[data[0]&1]
		b := data[1:]
		if data[0]&2 == 0 {
			b = binary.BigEndian.AppendUint32(nil, uint32(len(b)))
			b = append(b, data[1:]...)
		}
		// Between connections the bytes have no socket to go to; wait
		// (bounded) for the Session's next one.
		sent := false
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
			if err := c.sim.SendRaw(c.id, b); err == nil {
				sent = true
				break
			} else if !errors.Is(err, ibsim.ErrNoClient) {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond) // polling for the reconnect, bounded above
		}
		if !sent {
			t.Fatal("the Session did not reconnect within 10 s before the input was sent")
		}
		callsEnd(t, c.sess)
		// Recovery: the Session answers again within 20 s.
		deadline := time.Now().Add(20 * time.Second)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := c.sess.CurrentTime(ctx)
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the Session does not serve 20 s after the input: %v (status %v)", err, c.sess.Status())
			}
		}
	})
}

// callsEnd runs one of several kinds of call while the input is being
// read and fails if any outlives its deadline by more than a second.
func callsEnd(t *testing.T, sess *Session) {
	t.Helper()
	const timeout = 2 * time.Second
	calls := map[string]func(context.Context) error{
		"CurrentTime":    func(ctx context.Context) error { _, err := sess.CurrentTime(ctx); return err },
		"Positions":      func(ctx context.Context) error { _, err := sess.Positions(ctx); return err },
		"OpenOrders":     func(ctx context.Context) error { _, err := sess.OpenOrders(ctx); return err },
		"AccountSummary": func(ctx context.Context) error { _, err := sess.AccountSummary(ctx); return err },
		"Qualify":        func(ctx context.Context) error { _, err := sess.Qualify(ctx, Stock("SPY")); return err },
	}
	var wg sync.WaitGroup
	late := make(chan string, len(calls))
	for name, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			_ = call(ctx) // a result or an error: both are an end
			if d := time.Since(start); d > timeout+time.Second {
				late <- name + " took " + d.String()
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout + 5*time.Second):
		t.Fatalf("a call did not end %v after its %v deadline", 5*time.Second, timeout)
	}
	close(late)
	for l := range late {
		t.Errorf("%s with a %v deadline", l, timeout)
	}
}

// recordFrames runs a Session through a recording proxy against a
// simulator negotiating at most version v and returns the payload of
// every distinct kind of frame the simulator sent (up to three of each
// message id).
func recordFrames(f *testing.F, v int) [][]byte {
	f.Helper()
	s := fastSim(f, ibsim.Config{MaxServerVersion: v})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	var (
		mu  sync.Mutex
		rec bytes.Buffer
		wg  sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		down, err := ln.Accept()
		if err != nil {
			return
		}
		defer down.Close()
		up, err := net.Dial("tcp", s.Addr())
		if err != nil {
			return
		}
		defer up.Close()
		go func() { _, _ = io.Copy(up, down); _ = up.Close() }()
		buf := make([]byte, 32<<10)
		for {
			n, err := up.Read(buf)
			if n > 0 {
				mu.Lock()
				rec.Write(buf[:n])
				mu.Unlock()
				if _, werr := down.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sess, err := Dial(ctx, Config{Host: "127.0.0.1", Port: port, ClientID: 90, rateOverride: 1e6, Burst: 50})
	if err != nil {
		f.Fatalf("Dial through the recorder at %d: %v", v, err)
	}
	if err := exerciseSession(ctx, sess); err != nil {
		f.Fatalf("at %d: %v", v, err)
	}
	sess.Close()
	_ = ln.Close()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	stream := rec.Bytes()
	// The handshake reply is a frame of its own (version and time), then
	// every message is a frame.
	var frames [][]byte
	perID := map[string]int{}
	for len(stream) >= 4 {
		n := int(binary.BigEndian.Uint32(stream))
		if n > len(stream)-4 {
			break
		}
		p := stream[4 : 4+n]
		stream = stream[4+n:]
		key := frameKey(p, v)
		if perID[key] < 3 {
			perID[key]++
			frames = append(frames, append([]byte(nil), p...))
		}
	}
	if len(perID) < 10 {
		f.Fatalf("recorded %d kinds of frame at version %d, want the calls' replies", len(perID), v)
	}
	return frames
}

// exerciseSession runs one call of each kind the Session makes, so that
// the Gateway sends one message of each kind it answers them with.
func exerciseSession(ctx context.Context, sess *Session) error {
	spyDetails, err := sess.Qualify(ctx, Stock("SPY"))
	if err != nil {
		return err
	}
	spy := spyDetails.Contract
	_, _ = sess.CurrentTime(ctx)
	_, _ = sess.ContractDetails(ctx, Stock("SPY"))
	_, _ = sess.Qualify(ctx, Stock("NOSUCH")) // error 200
	_, _ = sess.SecDefOptParams(ctx, "SPY", "STK", spy.ConID)
	_, _ = sess.MarketRule(ctx, 26)
	_, _ = sess.Snapshot(ctx, spy)
	_, _ = sess.HistoricalBars(ctx, HistoricalRequest{Contract: spy, Duration: "1 D", BarSize: "1 hour", WhatToShow: "TRADES", UseRTH: true})
	_, _ = sess.Positions(ctx)
	_, _ = sess.AccountSummary(ctx)
	_, _ = sess.OpenOrders(ctx)
	_, _ = sess.CompletedOrders(ctx, true)
	_, _ = sess.Executions(ctx, ExecutionFilter{})
	if tr, err := sess.PlaceOrder(ctx, spy, Order{Action: "BUY", Quantity: decimal.NewFromInt(1), Type: "LMT", LimitPrice: decimal.NewFromInt(1)}); err == nil {
		_ = sess.CancelOrder(ctx, tr.ID())
		_, _ = tr.Wait(ctx)
	}
	if tr, err := sess.PlaceOrder(ctx, spy, Order{Action: "BUY", Quantity: decimal.NewFromInt(1), Type: "MKT"}); err == nil {
		_, _ = tr.Wait(ctx)
	}
	_, _ = sess.Executions(ctx, ExecutionFilter{})
	_, _ = sess.Positions(ctx)
	return nil
}

// frameKey is a frame's message id, as text.
func frameKey(p []byte, v int) string {
	if v >= 201 && len(p) >= 4 {
		return strconv.FormatUint(uint64(binary.BigEndian.Uint32(p)), 10)
	}
	if i := bytes.IndexByte(p, 0); i >= 0 {
		return string(p[:i])
	}
	return string(p)
}
