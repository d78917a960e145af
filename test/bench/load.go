package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Target is one request to send repeatedly.
type Target struct {
	Name   string
	Method string
	URL    string
	Header http.Header
	Body   []byte
	// FirstEvent makes the latency the time to the first Server-Sent
	// Events "data:" line instead of the time to the whole body (the
	// rest of the body is still read).
	FirstEvent bool
}

// Result is what one load phase measured.
type Result struct {
	Target    string
	Latencies []time.Duration // sorted, successful requests only
	OK        int
	Errors    int
	// Dropped counts scheduled requests not sent because MaxInFlight
	// requests were already outstanding (open loop only).
	Dropped   int
	Elapsed   time.Duration
	FirstErr  error
	BodyBytes int64
}

// RPS is the rate of successful requests.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Pct returns the p-quantile (0..1) of the latencies (nearest rank).
func (r *Result) Pct(p float64) time.Duration {
	return Percentile(r.Latencies, p)
}

// Percentile returns the p-quantile of sorted (nearest rank), 0 when empty.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

// NewClient returns an HTTP/1.1 client for loopback load: enough idle
// connections per host for conns concurrent requests, no transparent
// gzip (the bytes on the wire are what is measured), no proxy.
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

var dataPrefix = []byte("data:")

// Do sends t once and returns the latency (to the whole body, or to the
// first SSE data line when t.FirstEvent) and the body size.
func Do(ctx context.Context, c *http.Client, t *Target) (time.Duration, int64, error) {
	req, err := http.NewRequestWithContext(ctx, t.Method, t.URL, bytes.NewReader(t.Body))
	if err != nil {
		return 0, 0, err
	}
	for k, v := range t.Header {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, 0, fmt.Errorf("%s: status %d: %s", t.Name, resp.StatusCode, bytes.TrimSpace(b))
	}
	if !t.FirstEvent {
		n, err := io.Copy(io.Discard, resp.Body)
		return time.Since(start), n, err
	}
	br := bufio.NewReaderSize(resp.Body, 16<<10)
	var first time.Duration
	var n int64
	for {
		line, err := br.ReadSlice('\n')
		n += int64(len(line))
		if first == 0 && bytes.HasPrefix(line, dataPrefix) {
			first = time.Since(start)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, n, err
		}
	}
	if first == 0 {
		return 0, n, fmt.Errorf("%s: no data event in the stream", t.Name)
	}
	return first, n, nil
}

type collector struct {
	mu  sync.Mutex
	res Result
}

func (c *collector) add(lat time.Duration, n int64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.res.Errors++
		if c.res.FirstErr == nil {
			c.res.FirstErr = err
		}
		return
	}
	c.res.OK++
	c.res.BodyBytes += n
	c.res.Latencies = append(c.res.Latencies, lat)
}

func (c *collector) done(name string, elapsed time.Duration) *Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.res
	r.Target, r.Elapsed = name, elapsed
	slices.Sort(r.Latencies)
	return &r
}

// Closed runs conc workers that each send t back to back until d has
// passed or maxReq requests were started (0: no count bound): the
// maximum rate the target sustains at that concurrency.
func Closed(ctx context.Context, c *http.Client, t *Target, conc int, d time.Duration, maxReq int) *Result {
	ctx, cancel := context.WithTimeout(ctx, d+10*time.Second)
	defer cancel()
	var col collector
	col.res.Latencies = make([]time.Duration, 0, 1<<14)
	var started atomic.Int64
	deadline := time.Now().Add(d)
	begin := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if maxReq > 0 && started.Add(1) > int64(maxReq) {
					return
				}
				lat, n, err := Do(ctx, c, t)
				col.add(lat, n, err)
			}
		})
	}
	wg.Wait()
	return col.done(t.Name, time.Since(begin))
}

// Open sends t at a fixed rate (requests per second) for d, each request
// in its own goroutine so that a slow response never delays the next
// one; at most maxInFlight are outstanding (more are counted as
// dropped). Latency is measured from the moment each request is sent.
func Open(ctx context.Context, c *http.Client, t *Target, rate float64, d time.Duration, maxInFlight int) *Result {
	ctx, cancel := context.WithTimeout(ctx, d+10*time.Second)
	defer cancel()
	var col collector
	total := int(rate * d.Seconds())
	col.res.Latencies = make([]time.Duration, 0, total)
	interval := time.Duration(float64(time.Second) / rate)
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	begin := time.Now()
	dropped := 0
	for i := range total {
		next := begin.Add(time.Duration(i) * interval)
		if w := time.Until(next); w > 0 {
			time.Sleep(w)
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case sem <- struct{}{}:
		default:
			dropped++
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			lat, n, err := Do(ctx, c, t)
			col.add(lat, n, err)
		})
	}
	wg.Wait()
	r := col.done(t.Name, time.Since(begin))
	r.Dropped = dropped
	return r
}

// Merge concatenates results of the same target (repeated rounds).
func Merge(rs ...*Result) *Result {
	if len(rs) == 0 {
		return &Result{}
	}
	out := &Result{Target: rs[0].Target}
	for _, r := range rs {
		out.Latencies = append(out.Latencies, r.Latencies...)
		out.OK += r.OK
		out.Errors += r.Errors
		out.Dropped += r.Dropped
		out.Elapsed += r.Elapsed
		out.BodyBytes += r.BodyBytes
		if out.FirstErr == nil {
			out.FirstErr = r.FirstErr
		}
	}
	slices.Sort(out.Latencies)
	return out
}
