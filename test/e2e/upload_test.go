package e2e

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	of "github.com/aimodels/aimodels/test/openroutertest"
)

// peakRSS is the peak resident set size of process pid (VmHWM), in bytes.
func peakRSS(t testing.TB, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read /proc/%d/status: %v", pid, err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// multipartUpload is an OpenAI-style multipart transcription upload of
// size bytes of audio.
func multipartUpload(size int) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("model", "whisper-1")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="voice.wav"`)
	h.Set("Content-Type", "audio/wav")
	p, _ := w.CreatePart(h)
	_, _ = p.Write(bytes.Repeat([]byte("RIFF"), size/4))
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// TestConcurrentUploadsBounded sends 10 concurrent 24 MB multipart
// transcriptions while the upstream takes 2 s per answer: 4 are served
// (AIMODELS_MAX_UPLOADS' default), the others are refused at once with 503
// and Retry-After before their body is read, and the server's peak RSS
// stays bounded (1.8 GB was measured before). The clients send
// "Expect: 100-continue", as curl does for a large upload, so a refused
// one gets its 503 without sending the body (one that sends it anyway
// gets the 503 and the connection closed, and may see the reset first).
//
// It failed before the upload limit: all 10 were read at once, each
// through ParseMultipartForm and another copy.
func TestConcurrentUploadsBounded(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("reads the server's peak RSS from /proc")
	}
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL(), env: []string{"AIMODELS_LOG_LEVEL=info"}})
	s.storeKey(t, of.DefaultAPIKey)
	s.saveSelection(t, map[string]string{"audio": "openai/whisper-1"})
	fake.SetFault(of.RouteTranscriptions, of.Fault{Latency: 2 * time.Second})
	body, ctype := multipartUpload(24 << 20)
	before := peakRSS(t, s.cmd.Process.Pid)

	const n = 10
	type result struct {
		status     int
		retryAfter string
		err        error
		took       time.Duration
	}
	results := make([]result, n)
	var ready, wg sync.WaitGroup
	ready.Add(n)
	gate := make(chan struct{})
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{ExpectContinueTimeout: 10 * time.Second}}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hr, _ := http.NewRequest("POST", s.URL+"/api/v1/audio/transcriptions", bytes.NewReader(body))
			hr.Header.Set("Authorization", "Bearer "+adminToken)
			hr.Header.Set("Content-Type", ctype)
			hr.Header.Set("Expect", "100-continue")
			ready.Done()
			<-gate
			begin := time.Now()
			resp, err := hc.Do(hr)
			r := result{err: err, took: time.Since(begin)}
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				r.status, r.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
			}
			results[i] = r
		}()
	}
	ready.Wait()
	close(gate)
	wg.Wait()
	peak := peakRSS(t, s.cmd.Process.Pid)

	counts := map[string]int{}
	for i, r := range results {
		switch {
		case r.err != nil:
			counts["transport error"]++
			t.Logf("upload %d: %v after %v", i, r.err, r.took.Round(time.Millisecond))
		case r.status == http.StatusServiceUnavailable:
			counts["503"]++
			if r.retryAfter == "" {
				t.Errorf("upload %d: 503 without Retry-After", i)
			}
			if r.took > time.Second {
				t.Errorf("upload %d: refused after %v, want at once", i, r.took)
			}
		default:
			counts[strconv.Itoa(r.status)]++
		}
	}
	t.Logf("10 concurrent 24 MB uploads: %v; peak RSS %d MB before, %d MB after", counts, before>>20, peak>>20)
	if counts["200"] != 4 {
		t.Errorf("%d uploads served, want 4 (the limit): %v", counts["200"], counts)
	}
	if counts["503"] != n-4 {
		t.Errorf("outcomes %v, want the other 6 refused with 503", counts)
	}
	if peak > 1<<30 {
		t.Errorf("peak RSS %d MB, want well under 1 GB", peak>>20)
	}
	fake.ClearFaults()
	s.stop(t)
}
