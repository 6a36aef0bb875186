package route

import (
	"context"
	"testing"
	"time"
)

// A caller that arrives after the running request was written gets the
// answer to a later request, never the one already on its way: the
// Gateway may have answered that before whatever the caller just did.
func TestFlightAnswersAreFresh(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var f Flight[int]
	joinedWritten := make(chan struct{}, 1)
	f.onJoin = func(written bool) {
		if written {
			joinedWritten <- struct{}{}
		}
	}
	sent := make(chan func(), 4) // each request's "write" step, run by the test
	start := func(o *OneShot[int], written func()) {
		sent <- written
	}
	type result struct {
		v   []int
		err error
	}
	early := make(chan result, 1)
	go func() {
		v, err := f.Do(ctx, start)
		early <- result{v, err}
	}()
	write1 := <-sent // the early caller's request, not yet written
	write1()
	if !f.Active() {
		t.Fatal("the request is not active after its write")
	}
	late := make(chan result, 1)
	go func() {
		v, err := f.Do(ctx, start)
		late <- result{v, err}
	}()
	<-joinedWritten // the late caller joined the written request
	// The first answer: the early caller gets it; the late one must not.
	f.Add(1)
	f.Finish()
	if r := <-early; r.err != nil || len(r.v) != 1 || r.v[0] != 1 {
		t.Fatalf("early caller got %v, %v; want [1]", r.v, r.err)
	}
	select {
	case write2 := <-sent:
		write2()
	case r := <-late:
		t.Fatalf("the late caller took the answer of a request written before its call: %v", r.v)
	}
	f.Add(2)
	f.Finish()
	if r := <-late; r.err != nil || len(r.v) != 1 || r.v[0] != 2 {
		t.Fatalf("late caller got %v, %v; want [2]", r.v, r.err)
	}
}
