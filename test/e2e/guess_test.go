package e2e

import (
	"bufio"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTokenGuessing sends wrong tokens from one address (127.0.0.1): after
// the burst (20) they are refused with 429 and Retry-After, while a right
// token from another address (127.0.0.2) still gets 200 and /healthz stays
// fast; the log has one summary line for the address instead of an info
// line per attempt. AIMODELS_TEST_GUESSES sets the number of attempts
// (default 300).
//
// It failed before the limit: every attempt was a 401 with an info line.
func TestTokenGuessing(t *testing.T) {
	t.Parallel()
	n := 300
	if v := os.Getenv("AIMODELS_TEST_GUESSES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 50_000 {
			t.Fatalf("AIMODELS_TEST_GUESSES=%q: want 1 to 50000", v)
		}
	}
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL()})
	addr := hostPort(s.URL)
	health := watchHealth(s.URL)

	// send makes one request from ip with token and returns its status and
	// Retry-After.
	send := func(ip, token string) (int, string) {
		c := dialFrom(t, ip, addr)
		defer c.Close()
		writeRequest(t, c, "GET", "/api/v1/settings/api-keys", map[string]string{"Authorization": "Bearer " + token}, nil)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: "GET"})
		if err != nil {
			t.Fatalf("from %s: %v", ip, err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	counts := map[int]int{}
	begin := time.Now()
	first429 := -1
	for i := range n {
		status, ra := send("127.0.0.1", "guess-"+strconv.Itoa(i)+strings.Repeat("0", 30))
		counts[status]++
		if status == http.StatusTooManyRequests {
			if first429 < 0 {
				first429 = i
			}
			if secs, err := strconv.Atoi(ra); err != nil || secs < 1 {
				t.Fatalf("attempt %d: 429 with Retry-After %q, want whole seconds", i, ra)
			}
		}
		if i == n/2 {
			if st, _ := send("127.0.0.2", adminToken); st != http.StatusOK {
				t.Errorf("the right token from another address during the guessing: %d, want 200", st)
			}
		}
	}
	took := time.Since(begin)
	t.Logf("%d wrong tokens in %v: %d × 401, %d × 429 (the first 429 at attempt %d)", n, took.Round(time.Millisecond), counts[401], counts[429], first429)
	if counts[401]+counts[429] != n {
		t.Errorf("statuses %v, want only 401 and 429", counts)
	}
	if counts[429] == 0 || first429 > 25 {
		t.Errorf("the first 429 at attempt %d, want one right after the burst of 20", first429)
	}
	health.check(t, time.Second)

	// One summary line for the address (the interval is 10 s).
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.stderr.String(), "failed authentications") {
		if time.Now().After(deadline) {
			t.Fatalf("no summary of the failed authentications within 20 s:\n%s", tail(s.stderr.String(), 3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	var summaries, infoLines int
	for line := range strings.Lines(s.stderr.String()) {
		if strings.Contains(line, "failed authentications") {
			summaries++
			if !strings.Contains(line, "ip=127.0.0.1") {
				t.Errorf("summary %q does not name the address", line)
			}
		}
		if strings.Contains(line, "level=INFO") && strings.Contains(line, `msg="http request"`) &&
			(strings.Contains(line, "status=401") || strings.Contains(line, "status=429")) {
			infoLines++
		}
	}
	if summaries < 1 || summaries > 1+int(took/(10*time.Second))+1 {
		t.Errorf("%d summary lines for %v of guessing, want one per 10 s", summaries, took)
	}
	if infoLines > 0 {
		t.Errorf("%d access lines at info for refused tokens, want them at debug", infoLines)
	}
	s.stop(t)
}
