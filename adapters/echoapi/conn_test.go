package echoapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/adapters/echoapi"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// fakeRequests is a RequestService whose calls the test holds: each
// Transcribe and Complete sends the test a channel on calls and returns
// once the test closes it (at once when calls is nil); Stream returns
// stream.
type fakeRequests struct {
	calls  chan chan struct{}
	stream ports.ChatStream
}

// newFakeRequests returns a fakeRequests whose calls wait for the test.
func newFakeRequests() *fakeRequests { return &fakeRequests{calls: make(chan chan struct{})} }

func (f *fakeRequests) hold(ctx context.Context) error {
	if f.calls == nil {
		return nil
	}
	release := make(chan struct{})
	select {
	case f.calls <- release:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeRequests) Complete(ctx context.Context, _ string, _ *domain.ChatRequest) (*domain.ChatResponse, error) {
	if err := f.hold(ctx); err != nil {
		return nil, err
	}
	return &domain.ChatResponse{Raw: []byte(`{"id":"x","choices":[]}`)}, nil
}

func (f *fakeRequests) Stream(context.Context, string, *domain.ChatRequest) (ports.ChatStream, error) {
	return f.stream, nil
}

func (f *fakeRequests) Transcribe(ctx context.Context, _ string, req *domain.TranscriptionRequest) (*domain.Transcription, error) {
	if err := f.hold(ctx); err != nil {
		return nil, err
	}
	return &domain.Transcription{Text: fmt.Sprintf("%d bytes of %s", len(req.Audio), req.Format)}, nil
}

// endlessStream is a chat stream of 1 kB events that never ends; closed
// is closed by Close.
type endlessStream struct {
	once   sync.Once
	closed chan struct{}
}

func (s *endlessStream) Recv() (domain.StreamChunk, error) {
	return domain.StreamChunk{Data: []byte(`{"choices":[{"delta":{"content":"` + strings.Repeat("z", 1000) + `"}}]}`)}, nil
}

func (s *endlessStream) Close() error { s.once.Do(func() { close(s.closed) }); return nil }

// realServer serves the request routes of reqs behind BearerAuth and
// WriteTimeout(writeTimeout) over loopback TCP.
func realServer(t *testing.T, reqs ports.RequestService, writeTimeout time.Duration, opts echoapi.Options) *httptest.Server {
	t.Helper()
	e := echo.New()
	e.HTTPErrorHandler = echoapi.ErrorHandler(nil)
	e.Use(echoapi.WriteTimeout(writeTimeout))
	g := e.Group("/api/v1", echoapi.BearerAuth(token, "/api/v1/openapi.json"))
	echoapi.Register(g, echoapi.Services{Requests: reqs}, opts)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// dialSmall connects with a receive buffer of a few kilobytes, so that a
// response the test does not read blocks the server's writes at once.
func dialSmall(t *testing.T, url string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return errors.Join(err, serr)
	}}
	c, err := d.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func rawRequest(t *testing.T, c net.Conn, method, path string, header map[string]string, body []byte) {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: test\r\n", method, path)
	for k, v := range header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n")
	b.Write(body)
	if _, err := c.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
}

// TestWriteTimeoutDropsANonReadingClient: a handler writing 8 MB to a
// client that reads nothing gets a write error within a few write
// timeouts; a client that reads gets all of it though writing it takes
// longer than one timeout.
func TestWriteTimeoutDropsANonReadingClient(t *testing.T) {
	// Long enough that the reading client below takes each 1 MiB piece in
	// time on a loaded machine (8 MB take ≈ 70 ms through its 4 kB buffer).
	const d = time.Second
	big := bytes.Repeat([]byte("w"), 8<<20)
	done := make(chan error, 1)
	e := echo.New()
	e.Use(echoapi.WriteTimeout(d))
	e.GET("/big", func(c echo.Context) error {
		err := c.Blob(http.StatusOK, "application/octet-stream", big)
		done <- err
		return err
	})
	srv := httptest.NewServer(e)
	defer srv.Close()

	c := dialSmall(t, srv.URL)
	begin := time.Now()
	rawRequest(t, c, "GET", "/big", nil, nil)
	select {
	case err := <-done:
		took := time.Since(begin)
		if err == nil {
			t.Fatalf("8 MB written to a client that reads nothing")
		}
		t.Logf("the write failed after %v (write timeout %v): %v", took.Round(time.Millisecond), d, err)
		if took > 10*d {
			t.Errorf("the write failed after %v, want within a few write timeouts", took)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the handler still writes to a client that reads nothing after 30 s")
	}

	// A reading client gets everything, though at loopback speed through a
	// 4 kB buffer that may take longer than d.
	c = dialSmall(t, srv.URL)
	rawRequest(t, c, "GET", "/big", nil, nil)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != int64(len(big)) {
		t.Errorf("a reading client got %d bytes (%v), want %d", n, err, len(big))
	}
	if err := <-done; err != nil {
		t.Errorf("the write to a reading client failed: %v", err)
	}
}

// TestStreamDropsAClientThatStopsReading: an endless stream to a client
// that read its first event and stopped is closed (and the upstream stream
// with it) within a few per-event write deadlines, although the server
// has no WriteTimeout middleware.
func TestStreamDropsAClientThatStopsReading(t *testing.T) {
	const d = 200 * time.Millisecond
	st := &endlessStream{closed: make(chan struct{})}
	reqs := newFakeRequests()
	reqs.stream = st
	srv := realServer(t, reqs, 0, echoapi.Options{StreamWriteTimeout: d})
	c := dialSmall(t, srv.URL)
	body := []byte(`{"model":"text","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	rawRequest(t, c, "POST", "/api/v1/chat/completions", map[string]string{
		"Authorization": "Bearer " + token, "Content-Type": "application/json", "Content-Length": fmt.Sprint(len(body)),
	}, body)
	br := bufio.NewReaderSize(c, 4096)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stream: %v %v", err, resp)
	}
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	select {
	case <-st.closed:
		t.Logf("stream closed %v after the client stopped reading (per-event deadline %v)", time.Since(begin).Round(time.Millisecond), d)
	case <-time.After(10 * time.Second):
		t.Fatal("the stream still runs 10 s after its client stopped reading")
	}
}

// TestTrickledBodyWithoutToken: a request with a wrong token that
// declares a 100 kB body and sends 10 bytes of it gets its 401 at once
// with Connection: close, and the connection ends right after.
func TestTrickledBodyWithoutToken(t *testing.T) {
	srv := realServer(t, newFakeRequests(), time.Second, echoapi.Options{})
	for _, auth := range []string{"Bearer wrong-token", ""} {
		c := dialSmall(t, srv.URL)
		h := map[string]string{"Content-Type": "application/json", "Content-Length": "100000"}
		if auth != "" {
			h["Authorization"] = auth
		}
		begin := time.Now()
		rawRequest(t, c, "POST", "/api/v1/chat/completions", h, []byte(`{"model":"`))
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%q: no answer within 5 s: %v", auth, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 401 || !resp.Close { // Close: "Connection: close"
			t.Errorf("%q: %d, Connection: close %v; want 401 and close", auth, resp.StatusCode, resp.Close)
		}
		if _, err := br.ReadByte(); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("%q: after the 401 the connection is not closed: %v", auth, err)
		}
		if took := time.Since(begin); took > 2*time.Second {
			t.Errorf("%q: 401 and close after %v", auth, took)
		}
	}
}

// upload is a multipart transcription of size bytes of audio.
func upload(size int, fields ...string) (string, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = w.WriteField(fields[i], fields[i+1])
	}
	fw, _ := w.CreateFormFile("file", "voice.mp3")
	_, _ = fw.Write(bytes.Repeat([]byte{7}, size))
	_ = w.Close()
	return buf.String(), w.FormDataContentType()
}

// TestUploadSlots: with MaxUploads 4, four transcriptions in progress (held
// inside the service) make a fifth answer 503 with Retry-After at once,
// and a chat completion over 1 MB too, while a small chat completion is
// served; once one finishes, the next upload is served.
func TestUploadSlots(t *testing.T) {
	reqs := newFakeRequests()
	e := echo.New()
	e.HTTPErrorHandler = echoapi.ErrorHandler(nil)
	echoapi.Register(e.Group("/api/v1"), echoapi.Services{Requests: reqs}, echoapi.Options{MaxUploads: 4})
	body, ctype := upload(1000)
	post := func(path, body, ctype string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	results := make(chan *httptest.ResponseRecorder, 10)
	var held []chan struct{}
	for range 4 {
		go func() { results <- post("/api/v1/audio/transcriptions", body, ctype) }()
		held = append(held, <-reqs.calls) // inside the service, holding a slot
	}
	rec := post("/api/v1/audio/transcriptions", body, ctype)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" || rec.Header().Get("Connection") != "close" {
		t.Fatalf("a fifth upload: %d Retry-After %q Connection %q; want 503, 1, close: %s", rec.Code, rec.Header().Get("Retry-After"), rec.Header().Get("Connection"), rec.Body)
	}
	if code := errCodeOf(rec.Body.Bytes()); code != "unavailable" {
		t.Errorf("a fifth upload: code %q", code)
	}
	bigChat := `{"model":"text","messages":[{"role":"user","content":"` + strings.Repeat("a", echoapi.LargeBodyBytes) + `"}]}`
	if rec := post("/api/v1/chat/completions", bigChat, "application/json"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("a chat completion over 1 MB with every slot taken: %d, want 503", rec.Code)
	}
	small := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		small <- post("/api/v1/chat/completions", `{"model":"text","messages":[{"role":"user","content":"hi"}]}`, "application/json")
	}()
	close(<-reqs.calls)
	if rec := <-small; rec.Code != http.StatusOK {
		t.Errorf("a small chat completion with every slot taken: %d, want 200", rec.Code)
	}
	close(held[0]) // one upload ends, its slot is free
	if rec := <-results; rec.Code != http.StatusOK {
		t.Fatalf("a held upload: %d %s", rec.Code, rec.Body)
	}
	next := make(chan *httptest.ResponseRecorder, 1)
	go func() { next <- post("/api/v1/audio/transcriptions", body, ctype) }()
	close(<-reqs.calls)
	if rec := <-next; rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "1000 bytes of mp3") {
		t.Errorf("an upload once a slot was free: %d %s", rec.Code, rec.Body)
	}
	for _, r := range held[1:] {
		close(r)
		<-results
	}
}

// errCodeOf is error.code of a JSON error body.
func errCodeOf(b []byte) string {
	var eb echoapi.ErrorBody
	_ = json.Unmarshal(b, &eb)
	return eb.Error.Code
}

// TestMultipartFields reads the fields around the file wherever they
// come, skips unknown ones, and refuses a second file, an oversized field,
// a file over 25 MB and a missing one.
func TestMultipartFields(t *testing.T) {
	reqs := &fakeRequests{} // answers at once
	e := echo.New()
	e.HTTPErrorHandler = echoapi.ErrorHandler(nil)
	echoapi.Register(e.Group("/api/v1"), echoapi.Services{Requests: reqs}, echoapi.Options{MaxUploads: -1})
	post := func(body, ctype string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/audio/transcriptions", strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	body, ctype := upload(10, "model", "whisper-1", "temperature", "0.2", "format", "ogg", "response_format", "text")
	if rec := post(body, ctype); rec.Code != 200 || rec.Body.String() != "10 bytes of ogg" {
		t.Errorf("fields: %d %q", rec.Code, rec.Body)
	}

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for range 2 {
		fw, _ := w.CreateFormFile("file", "a.wav")
		_, _ = fw.Write([]byte("RIFF"))
	}
	_ = w.Close()
	type mpCase struct {
		body, ctype string
		status      int
	}
	mp := func(status, size int, fields ...string) mpCase {
		b, c := upload(size, fields...)
		return mpCase{b, c, status}
	}
	noFile := mp(422, 0)
	noFile.body = strings.Replace(noFile.body, `name="file"`, `name="other"`, 1)
	for name, tc := range map[string]mpCase{
		"two files":   {buf.String(), w.FormDataContentType(), 422},
		"long prompt": mp(422, 10, "prompt", strings.Repeat("p", 5000)),
		"no file":     noFile,
		"over 25 MB":  mp(422, domain.MaxAudioBytes+1),
		"no boundary": {"x", "multipart/form-data", 422},
		"cut off":     {body[:len(body)/2], ctype, 400},
	} {
		if rec := post(tc.body, tc.ctype); rec.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", name, rec.Code, rec.Body, tc.status)
		}
	}
}
