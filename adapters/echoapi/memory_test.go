package echoapi_test

import (
	"bytes"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/adapters/echoapi"
)

// heapPeak samples HeapInuse every few milliseconds until stopped and
// returns the highest value seen.
func heapPeak() (stop func() uint64) {
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				result <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}

// TestUploadMemory measures a 24 MB multipart transcription through the
// handler: the bytes it allocates (one buffer of the file's size; it was
// 4.8× the file with ParseMultipartForm and a second copy), and the peak
// heap while 10 such uploads are held inside the service at once, without
// the upload limit and with MaxUploads 4 (the others refused). It logs
// what the same audio as JSON allocates (216 MB for a 32 MB body: the body,
// the JSON decoder's growing buffer, its copy of input_audio.data and the
// decoded audio; 258 MB before the body was read in one allocation).
func TestUploadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates some 400 MB")
	}
	const size = 24 << 20
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("model", "whisper-1")
	fw, _ := w.CreateFormFile("file", "voice.wav")
	_, _ = fw.Write(bytes.Repeat([]byte("RIFF"), size/4))
	_ = w.Close()
	body, ctype := buf.Bytes(), w.FormDataContentType()

	server := func(reqs *fakeRequests, maxUploads int) *echo.Echo {
		e := echo.New()
		e.HTTPErrorHandler = echoapi.ErrorHandler(nil)
		echoapi.Register(e.Group("/api/v1"), echoapi.Services{Requests: reqs}, echoapi.Options{MaxUploads: maxUploads})
		return e
	}
	post := func(e *echo.Echo) int {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/audio/transcriptions", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec.Code
	}

	// One upload, answered at once: what it allocates.
	e := server(&fakeRequests{}, -1)
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	if code := post(e); code != 200 {
		t.Fatalf("upload: %d", code)
	}
	runtime.ReadMemStats(&m1)
	alloc := m1.TotalAlloc - m0.TotalAlloc
	t.Logf("one 24 MB upload allocates %.1f MB (%.2f× the file)", float64(alloc)/(1<<20), float64(alloc)/size)
	if alloc > size*3/2 {
		t.Errorf("one 24 MB upload allocates %d MB, want about one buffer of the file", alloc>>20)
	}

	// The same audio as JSON, base64 in input_audio.data, with the
	// upload limit (the body is then read in one allocation).
	e = server(&fakeRequests{}, 4)
	jsonBody := []byte(`{"model":"whisper-1","input_audio":{"format":"wav","data":"` +
		base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("RIFF"), size/4)) + `"}}`)
	runtime.GC()
	runtime.ReadMemStats(&m0)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/audio/transcriptions", bytes.NewReader(jsonBody))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	runtime.ReadMemStats(&m1)
	if rec.Code != 200 {
		t.Fatalf("JSON upload: %d %s", rec.Code, rec.Body)
	}
	alloc = m1.TotalAlloc - m0.TotalAlloc
	t.Logf("the same as a %d MB JSON body allocates %.1f MB (%.2f× the body)", len(jsonBody)>>20, float64(alloc)/(1<<20), float64(alloc)/float64(len(jsonBody)))

	// Ten at once, held inside the service.
	for _, limit := range []int{-1, 4} {
		reqs := newFakeRequests()
		e := server(reqs, limit)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := heapPeak()
		codes := make(chan int, 10)
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() { defer wg.Done(); codes <- post(e) }()
		}
		want := 10
		if limit > 0 {
			want = limit
		}
		var held []chan struct{}
		for range want {
			held = append(held, <-reqs.calls)
		}
		for _, r := range held {
			close(r)
		}
		wg.Wait()
		peak := stop()
		close(codes)
		n := map[int]int{}
		for c := range codes {
			n[c]++
		}
		t.Logf("10 concurrent 24 MB uploads, MaxUploads %d: %v; heap in use %d MB before, peak %d MB (+%d MB)",
			limit, n, base.HeapInuse>>20, peak>>20, (peak-base.HeapInuse)>>20)
		if n[200] != want {
			t.Errorf("MaxUploads %d: %v, want %d served", limit, n, want)
		}
		if grow := peak - base.HeapInuse; grow > uint64(want)*size*2 {
			t.Errorf("MaxUploads %d: the heap grew by %d MB for %d uploads held", limit, grow>>20, want)
		}
	}
}
