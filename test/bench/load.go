package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Target is one request a scenario sends repeatedly, and the process
// that answers it.
type Target struct {
	// Name labels the target in the progress log and the report.
	Name string
	vegeta.Target
	// FirstEvent makes the latency the time to the first Server-Sent
	// Events "data:" line instead of the time to the whole body (the
	// rest of the body is still read); see firstEvents.
	FirstEvent bool
	// PID, when not 0, is the server process whose CPU time (user +
	// system) each phase records.
	PID int
}

// Load is how a phase sends its requests.
type Load struct {
	// Rate is the fixed rate of an open loop, in requests per second:
	// vegeta starts each request on schedule, adding workers when all
	// are waiting for an answer, so a slow answer never delays the next
	// request. 0 is the closed loop: Conns workers send back to back, as
	// fast as the target answers (vegeta.Rate{Freq: 0}).
	Rate int
	// Conns is the number of workers of the closed loop.
	Conns int
}

// maxOpenWorkers bounds the workers of an open loop: at 1,000 req/s a
// target that stops answering holds at most 4 s of requests.
const maxOpenWorkers = 4096

func (l Load) pacer() vegeta.Pacer { return vegeta.Rate{Freq: l.Rate, Per: time.Second} }

func (l Load) options() []func(*vegeta.Attacker) {
	if l.Rate > 0 {
		return []func(*vegeta.Attacker){vegeta.MaxWorkers(maxOpenWorkers)}
	}
	n := uint64(max(1, l.Conns))
	return []func(*vegeta.Attacker){vegeta.Workers(n), vegeta.MaxWorkers(n)}
}

// Result is what one phase measured, or every phase of one target in a
// scenario (the merged result Attack adds to).
type Result struct {
	Target string
	// Metrics are vegeta's figures of every request of the phase:
	// latencies (t-digest quantiles), status codes, errors.
	Metrics vegeta.Metrics
	// OK counts the 200 answers (with a first event when streaming),
	// Errors everything else.
	OK, Errors int
	FirstErr   string
	// Elapsed is the time from the first request to the last answer
	// (summed over the merged phases): the denominator of RPS.
	Elapsed time.Duration
	// CPU is the user + system time of Target.PID during the phase(s),
	// in units of clock ticks (10 ms); 0 when not measured.
	CPU time.Duration
}

func (r *Result) add(v *vegeta.Result) {
	if v.Code == http.StatusOK && v.Error == "" {
		r.OK++
	} else {
		r.Errors++
		if r.FirstErr == "" {
			r.FirstErr = fmt.Sprintf("status %d %s", v.Code, v.Error)
		}
	}
	r.Metrics.Add(v)
}

// Close computes the latency quantiles of a merged result.
func (r *Result) Close() { r.Metrics.Close() }

// Requests is the number of requests sent.
func (r *Result) Requests() int { return r.OK + r.Errors }

// RPS is the rate of successful requests.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Pct returns the p-quantile (0..1) of the latencies.
func (r *Result) Pct(p float64) time.Duration { return r.Metrics.Latencies.Quantile(p) }

// CPUPer1000 is the server's CPU time per 1,000 requests, in
// milliseconds (0 when not measured).
func (r *Result) CPUPer1000() float64 {
	if r.Requests() == 0 {
		return 0
	}
	return float64(r.CPU) / float64(time.Millisecond) * 1000 / float64(r.Requests())
}

// NewClient returns an HTTP/1.1 client for loopback load: enough idle
// connections per host for conns concurrent requests, no transparent
// gzip (the bytes on the wire are what is measured), no proxy. Attack
// hands it to vegeta (vegeta.Client).
func NewClient(conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// Attack sends t with load l for d through c (its connections stay open
// for the next phase) and returns what it measured. Every result is also
// added to merged when not nil (Close it after the last phase): vegeta's
// latency summary is a t-digest that cannot be combined after the fact,
// so rounds are merged as they run.
func Attack(ctx context.Context, c *http.Client, t *Target, l Load, d time.Duration, merged *Result) *Result {
	var fe *firstEvents
	if t.FirstEvent {
		cc := *c
		fe = &firstEvents{next: c.Transport, at: map[string]time.Time{}}
		cc.Transport = fe
		c = &cc
	}
	// vegeta.Client first: the options after it change that client.
	// MaxBody(0): vegeta keeps no body (it still reads and discards it),
	// so the client does not allocate 400 kB per catalog answer.
	opts := append([]func(*vegeta.Attacker){vegeta.Client(c), vegeta.MaxBody(0)}, l.options()...)
	atk := vegeta.NewAttacker(opts...)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()

	res := &Result{Target: t.Name}
	cpu0, cpuErr := readCPU(t.PID)
	for v := range atk.Attack(vegeta.NewStaticTargeter(t.Target), l.pacer(), d, "") {
		if fe != nil {
			fe.latency(v)
		}
		res.add(v)
		if merged != nil {
			merged.add(v)
		}
	}
	if cpu1, err := readCPU(t.PID); err == nil && cpuErr == nil {
		res.CPU = cpu1 - cpu0
	}
	res.Metrics.Close()
	res.Elapsed = res.Metrics.Duration + res.Metrics.Wait
	if merged != nil {
		merged.Elapsed += res.Elapsed
		merged.CPU += res.CPU
	}
	return res
}

// clockTick is the unit of utime and stime in /proc/PID/stat: USER_HZ,
// which is 100 on every architecture Go supports on Linux (getconf
// CLK_TCK), whatever the kernel's own HZ.
const clockTick = 10 * time.Millisecond

// readCPU returns utime + stime of the process pid (all its threads, as
// the kernel accounts them) from /proc/PID/stat; 0 when pid is 0.
func readCPU(pid int) (time.Duration, error) {
	if pid == 0 {
		return 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// "pid (comm) state ppid …": comm may hold spaces and parentheses,
	// so split after the last ')'. utime and stime are fields 14 and 15
	// of the line, 12 and 13 after comm.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no comm", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	return time.Duration(ut+st) * clockTick, nil
}

// firstEvents measures the time to the first Server-Sent Events "data:"
// line. vegeta's latency ends when the whole body has been read and it
// has no hook at the first byte of the body, so this transport watches
// the body as vegeta reads it and notes when "data:" begins a line, by
// the sequence number vegeta puts in the X-Vegeta-Seq request header;
// latency then replaces each result's latency with that time minus the
// result's own start. Pacing, workers and statistics stay vegeta's.
type firstEvents struct {
	next http.RoundTripper
	mu   sync.Mutex
	at   map[string]time.Time // by X-Vegeta-Seq
}

// RoundTrip implements http.RoundTripper.
func (f *firstEvents) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := f.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	seq := req.Header.Get("X-Vegeta-Seq")
	resp.Body = &eventWatcher{ReadCloser: resp.Body, seen: func(at time.Time) {
		f.mu.Lock()
		f.at[seq] = at
		f.mu.Unlock()
	}}
	return resp, nil
}

// latency sets v's latency to its time to the first event, or marks it
// failed when the stream had none.
func (f *firstEvents) latency(v *vegeta.Result) {
	f.mu.Lock()
	at, ok := f.at[strconv.FormatUint(v.Seq, 10)]
	f.mu.Unlock()
	switch {
	case v.Error != "":
	case !ok:
		v.Error = "no data event in the stream"
	default:
		v.Latency = at.Sub(v.Timestamp)
	}
}

var dataPrefix = []byte("data:")

// eventWatcher calls seen once, when the bytes read so far first hold
// a line that starts with "data:".
type eventWatcher struct {
	io.ReadCloser
	seen    func(time.Time)
	matched int  // bytes of dataPrefix matched at the start of this line
	midLine bool // a byte other than the prefix was seen on this line
	done    bool
}

func (w *eventWatcher) Read(p []byte) (int, error) {
	n, err := w.ReadCloser.Read(p)
	for _, b := range p[:n] {
		if w.done {
			break
		}
		switch {
		case b == '\n':
			w.matched, w.midLine = 0, false
		case !w.midLine && b == dataPrefix[w.matched]:
			if w.matched++; w.matched == len(dataPrefix) {
				w.done = true
				w.seen(time.Now())
			}
		default:
			w.midLine = true
		}
	}
	return n, err
}
