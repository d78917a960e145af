package openrouter

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// fakeClock runs the idle timers of a Stream: they fire only when the
// test advances the clock, inside Advance, so nothing depends on how
// fast the machine is.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	timers []*fakeTimer
	armed  chan time.Duration // the duration of every timer started
}

type fakeTimer struct {
	c    *fakeClock
	at   time.Duration
	f    func()
	done bool // fired or stopped
}

func newFakeClock() *fakeClock { return &fakeClock{armed: make(chan time.Duration, 64)} }

func (c *fakeClock) AfterFunc(d time.Duration, f func()) stopper {
	c.mu.Lock()
	t := &fakeTimer{c: c, at: c.now + d, f: f}
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	c.armed <- d
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.done {
		return false
	}
	t.done = true
	return true
}

// Advance moves the clock by d and runs the timers that are due, in the
// caller's goroutine; it returns how many fired.
func (c *fakeClock) Advance(d time.Duration) int {
	c.mu.Lock()
	c.now += d
	var due []func()
	for _, t := range c.timers {
		if !t.done && t.at <= c.now {
			t.done = true
			due = append(due, t.f)
		}
	}
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
	return len(due)
}

// pending counts the timers neither fired nor stopped.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.done {
			n++
		}
	}
	return n
}

// hangGuard only turns a broken Stream into a failure instead of a hung
// test; no outcome depends on it.
const hangGuard = 30 * time.Second

// waitArmed waits until Recv starts its next idle timer and checks its
// duration.
func waitArmed(t *testing.T, c *fakeClock, want time.Duration) {
	t.Helper()
	select {
	case d := <-c.armed:
		if d != want {
			t.Fatalf("idle timer of %v, want %v", d, want)
		}
	case <-time.After(hangGuard):
		t.Fatal("Recv never started its idle timer")
	}
}

type recvResult struct {
	chunk domain.StreamChunk
	err   error
}

// TestStreamIdleTimeout: the idle bound runs from the last thing the
// upstream sent, keep-alive comments included, and a stalled stream
// ends with ErrTimeout exactly when the bound runs out, not before.
// The clock is fake and every step waits for the one before it.
func TestStreamIdleTimeout(t *testing.T) {
	const idle = 100 * time.Millisecond
	pr, pw := io.Pipe()
	defer pw.Close()
	clk := newFakeClock()
	st := NewStream(pr, 1<<20)
	st.idle = idle
	st.afterFunc = clk.AfterFunc

	results := make(chan recvResult, 1)
	recv := func() {
		go func() {
			c, err := st.Recv()
			results <- recvResult{c, err}
		}()
	}
	result := func(what string) recvResult {
		t.Helper()
		select {
		case r := <-results:
			return r
		case <-time.After(hangGuard):
			t.Fatalf("%s: Recv did not return", what)
			return recvResult{}
		}
	}
	// send returns once Recv has read all of s (an io.Pipe write waits
	// for the reader).
	send := func(s string) {
		t.Helper()
		if _, err := pw.Write([]byte(s)); err != nil {
			t.Fatalf("writing %q: %v (the stream gave up early)", s, err)
		}
	}
	advance := func(d time.Duration, wantFired int, what string) {
		t.Helper()
		if n := clk.Advance(d); n != wantFired {
			t.Fatalf("%s: %d idle timers fired, want %d", what, n, wantFired)
		}
	}
	wantEvent := func(r recvResult, n int) {
		t.Helper()
		if want := fmt.Sprintf(`{"n":%d}`, n); r.err != nil || string(r.chunk.Data) != want {
			t.Fatalf("event %d: %s, %v; want %s", n, r.chunk.Data, r.err, want)
		}
	}

	// Event 1.
	recv()
	waitArmed(t, clk, idle)
	send("data: {\"n\":1}\n\n")
	wantEvent(result("event 1"), 1)
	if n := clk.pending(); n != 0 {
		t.Fatalf("%d idle timers still running after an event", n)
	}

	// Event 2 comes 120 ms later, a keep-alive at 60 ms: no bound of
	// 100 ms runs out, because the keep-alive starts the wait again.
	recv()
	waitArmed(t, clk, idle)
	advance(60*time.Millisecond, 0, "60 ms after event 1")
	send(": OPENROUTER PROCESSING\n\n")
	waitArmed(t, clk, idle) // restarted by the keep-alive
	advance(60*time.Millisecond, 0, "120 ms after event 1, 60 ms after the keep-alive")
	send("data: {\"n\":2}\n\n")
	wantEvent(result("event 2"), 2)

	// Then the upstream stalls: nothing at 99 ms, ErrTimeout at 100 ms.
	recv()
	waitArmed(t, clk, idle)
	advance(idle-time.Millisecond, 0, "1 ms before the bound")
	select {
	case r := <-results:
		t.Fatalf("Recv returned before the idle bound: %s, %v", r.chunk.Data, r.err)
	default:
	}
	advance(time.Millisecond, 1, "at the bound")
	r := result("stalled stream")
	if !errors.Is(r.err, domain.ErrTimeout) {
		t.Fatalf("stalled stream: %v, want ErrTimeout", r.err)
	}
	if !strings.Contains(r.err.Error(), idle.String()) {
		t.Fatalf("error %q does not name the idle bound %v", r.err, idle)
	}
	// The body was closed (the connection is released) and the error sticks.
	if _, err := pw.Write([]byte("data: {\"n\":3}\n\n")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("write after the timeout: %v, want io.ErrClosedPipe", err)
	}
	if _, err := st.Recv(); err != r.err {
		t.Fatalf("Recv after the timeout: %v, want the same error %v", err, r.err)
	}
	if n := clk.pending(); n != 0 {
		t.Fatalf("%d idle timers still running after the stream ended", n)
	}
}

// TestStreamIdleTimeoutRealTimer: without a fake clock the bound is a
// real timer. Nothing is ever sent, so however late the timer fires, the
// outcome is ErrTimeout.
func TestStreamIdleTimeoutRealTimer(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	st := NewStream(pr, 1<<20)
	st.idle = time.Millisecond
	_, err := st.Recv()
	if !errors.Is(err, domain.ErrTimeout) {
		t.Fatalf("stalled stream: %v, want ErrTimeout", err)
	}
}
