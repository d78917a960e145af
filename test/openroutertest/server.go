package openroutertest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAPIKey is the key the fake accepts unless WithAPIKey says otherwise.
const DefaultAPIKey = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// APIPrefix is the path prefix of OpenRouter's API; Server.URL ends with it.
const APIPrefix = "/api/v1"

// Route keys accepted by SetFault and RequestCount: the method, a space and
// the path below /api/v1.
const (
	RouteModels         = "GET /models"
	RouteUserModels     = "GET /models/user"
	RouteKey            = "GET /key"
	RouteCredits        = "GET /credits"
	RouteChat           = "POST /chat/completions"
	RouteTranscriptions = "POST /audio/transcriptions"
)

// maxRequestBody bounds what the fake reads of a request body.
const maxRequestBody = 64 << 20

// Option configures a Server.
type Option func(*config)

type config struct {
	key              string
	fixturesDir      string
	addr             string
	creditsForbidden bool
	midstream        bool
	latency          time.Duration
	chatCost         string // usage.cost of chat completions, "" for the fixture's
	transcribeCost   string // usage.cost of transcriptions, "" for the computed one
}

// WithAPIKey sets the one key the fake accepts (default DefaultAPIKey).
func WithAPIKey(key string) Option { return func(c *config) { c.key = key } }

// WithFixturesDir reads the fixtures from dir instead of searching for them.
func WithFixturesDir(dir string) Option { return func(c *config) { c.fixturesDir = dir } }

// WithCreditsForbidden makes GET /credits answer 403, as OpenRouter does
// for ordinary (non-management) keys.
func WithCreditsForbidden() Option { return func(c *config) { c.creditsForbidden = true } }

// WithMidstreamError makes streamed chat completions serve
// stream-midstream-error.sse (an error object after a few chunks) instead
// of stream-reasoning.sse.
func WithMidstreamError() Option { return func(c *config) { c.midstream = true } }

// WithLatency delays every API response (not the control API) by d.
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithUsageCost makes chat completions answer the fixture with
// usage.cost = chat (added to its usage object) and transcriptions with
// usage.cost = transcription, both exact decimal strings written as JSON
// numbers; "" keeps the default (the fixture has no cost; a transcription
// costs $0.006 a minute as computed). Streams keep the fixture's usage
// chunk, which has a cost of its own (0.000669).
func WithUsageCost(chat, transcription string) Option {
	return func(c *config) { c.chatCost, c.transcribeCost = chat, transcription }
}

// WithAddr listens on addr (such as "127.0.0.1:8089") instead of a random
// loopback port.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// Request is one request the fake received.
type Request struct {
	// Route is the route key, such as "GET /key" (empty for unknown paths).
	Route string `json:"route"`
	// Method and Path are as received; Path includes /api/v1.
	Method string `json:"method"`
	Path   string `json:"path"`
	// Query is the decoded query string.
	Query url.Values `json:"query"`
	// Header is a copy of the request headers, Authorization included.
	Header http.Header `json:"header"`
	// Body is the request body.
	Body []byte `json:"body"`
	// Time is when the request arrived.
	Time time.Time `json:"time"`
}

// Server is a fake OpenRouter API. It is safe for concurrent use.
type Server struct {
	conns    atomic.Int64
	ts       *httptest.Server
	cfg      config
	fixtures map[string][]byte

	mu       sync.Mutex
	faults   map[string]*faultState
	requests []Request
	sent     map[string]int64
}

// New starts a fake OpenRouter server. It panics when the fixtures cannot
// be read or the address cannot be listened on, like httptest.NewServer;
// use Start to get an error instead.
func New(opts ...Option) *Server {
	s, err := Start(opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// Start is New returning an error instead of panicking.
func Start(opts ...Option) (*Server, error) {
	cfg := config{key: DefaultAPIKey}
	for _, o := range opts {
		o(&cfg)
	}
	dir := cfg.fixturesDir
	if dir == "" {
		d, err := FixturesDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	fx, err := loadFixtures(dir)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, fixtures: fx, faults: map[string]*faultState{}, sent: map[string]int64{}}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	if cfg.addr != "" {
		l, err := net.Listen("tcp", cfg.addr)
		if err != nil {
			return nil, fmt.Errorf("openroutertest: listen: %w", err)
		}
		s.ts.Listener.Close()
		s.ts.Listener = l
	}
	s.ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.ts.Start()
	return s, nil
}

// Connections returns how many TCP connections clients have opened to the
// fake so far (a test of connection reuse compares two readings).
func (s *Server) Connections() int64 { return s.conns.Load() }

// URL returns the API base URL, ending in /api/v1.
func (s *Server) URL() string { return s.ts.URL + APIPrefix }

// RootURL returns the server's URL without /api/v1 (the control API is
// under RootURL()+"/_fake/").
func (s *Server) RootURL() string { return s.ts.URL }

// Client returns an *http.Client for the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// APIKey returns the key the server accepts.
func (s *Server) APIKey() string { return s.cfg.key }

// Fixture returns the named fixture as loaded (nil when unknown). Callers
// must not modify it.
func (s *Server) Fixture(name string) []byte { return s.fixtures[name] }

// Close shuts the server down, cutting open connections.
func (s *Server) Close() {
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Requests returns a copy of every request received since start or Reset.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestCount returns how many requests the route received.
func (s *Server) RequestCount(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.requests {
		if s.requests[i].Route == route {
			n++
		}
	}
	return n
}

// LastRequest returns the route's last request.
func (s *Server) LastRequest(route string) (Request, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.requests) - 1; i >= 0; i-- {
		if s.requests[i].Route == route {
			return s.requests[i], true
		}
	}
	return Request{}, false
}

// BytesSent returns how many body bytes the route's responses wrote
// (counted for huge bodies, which stop when the client stops reading).
func (s *Server) BytesSent(route string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[route]
}

// Reset forgets recorded requests and clears every fault.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.sent = map[string]int64{}
	s.faults = map[string]*faultState{}
}

func (s *Server) record(route string, r *http.Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Route: route, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
		Header: r.Header.Clone(), Body: body, Time: time.Now(),
	})
}

func (s *Server) addSent(route string, n int64) {
	s.mu.Lock()
	s.sent[route] += n
	s.mu.Unlock()
}

// response is what a route answers before faults modify it.
type response struct {
	status      int
	contentType string
	body        []byte
	retryAfter  string
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_fake/") {
		s.serveControl(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	route := ""
	if p, ok := strings.CutPrefix(r.URL.Path, APIPrefix); ok {
		route = r.Method + " " + strings.TrimSuffix(p, "/")
	}
	s.record(route, r, body)

	if s.cfg.latency > 0 && !sleepCtx(r, s.cfg.latency) {
		return
	}
	served, f, hasFault := s.routeModels(route, body)
	if !hasFault {
		f, hasFault = s.takeFault(route)
	}
	if hasFault {
		if f.Latency > 0 && !sleepCtx(r, f.Latency) {
			return
		}
		if f.Hang {
			<-r.Context().Done()
			return
		}
		if f.ResetConnection {
			resetConnection(w)
			return
		}
		if f.RedirectTo != "" {
			status := f.Status
			if status == 0 {
				status = http.StatusTemporaryRedirect
			}
			http.Redirect(w, r, f.RedirectTo, status)
			return
		}
	}

	var resp response
	if hasFault && (f.Status != 0 || f.Body != nil || f.FixtureName != "") {
		resp = s.faultResponse(f)
	} else {
		resp = s.route(route, r, body, served)
	}
	if hasFault && f.RetryAfter != "" {
		resp.retryAfter = f.RetryAfter
	}
	s.write(w, route, resp, f, hasFault)
}

func sleepCtx(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// routeModels applies the faults limited to one model to a chat or
// transcription request: for a chat with a "models" list it passes over
// each model whose fault OpenRouter would fall back from (see Fault.Model),
// taking that fault once, and returns the model that serves, or that
// model's fault when it does not fall over (or is the last). served is ""
// for a request without a model or with no model faults at all.
func (s *Server) routeModels(route string, body []byte) (served string, f Fault, ok bool) {
	if route != RouteChat && route != RouteTranscriptions {
		return "", Fault{}, false
	}
	s.mu.Lock()
	found := false
	for k := range s.faults {
		if strings.HasPrefix(k, route+"\x00") {
			found = true
			break
		}
	}
	s.mu.Unlock()
	if !found {
		return "", Fault{}, false
	}
	var req struct {
		Model  string   `json:"model"`
		Models []string `json:"models"`
	}
	if json.Unmarshal(body, &req) != nil || req.Model == "" {
		return "", Fault{}, false
	}
	list := []string{req.Model}
	if route == RouteChat && len(req.Models) > 0 {
		list = req.Models
	}
	for i, m := range list {
		mf, has := s.takeFault(modelRoute(route, m))
		if !has {
			return m, Fault{}, false
		}
		if i == len(list)-1 || !fallsOver(mf) {
			return m, mf, true
		}
	}
	return "", Fault{}, false
}

// route answers a request as OpenRouter would, without faults; served,
// when set, is the model of a "models" list that serves a chat.
func (s *Server) route(route string, r *http.Request, body []byte, served string) response {
	switch route {
	case RouteModels:
		if r.URL.Query().Get("output_modalities") == "all" {
			return s.fixtureResp(http.StatusOK, FixtureModelsAll)
		}
		return s.fixtureResp(http.StatusOK, FixtureModelsDefault)
	case RouteUserModels, RouteKey, RouteCredits, RouteChat, RouteTranscriptions:
	default:
		return jsonError(http.StatusNotFound, "Not Found")
	}
	if resp, ok := s.checkAuth(r); !ok {
		return resp
	}
	switch route {
	case RouteUserModels:
		return s.fixtureResp(http.StatusOK, FixtureModelsAll)
	case RouteKey:
		return s.fixtureResp(http.StatusOK, FixtureKey)
	case RouteCredits:
		if s.cfg.creditsForbidden {
			return jsonError(http.StatusForbidden, "Only management keys can fetch credits")
		}
		return s.fixtureResp(http.StatusOK, FixtureCredits)
	case RouteChat:
		return s.chat(body, served)
	default:
		return s.transcribe(body)
	}
}

// checkAuth answers like OpenRouter: no Authorization header gives
// error-401-missing-key.json, a wrong key error-401-invalid-key.json.
func (s *Server) checkAuth(r *http.Request) (response, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return s.fixtureResp(http.StatusUnauthorized, FixtureErrMissingKey), false
	}
	if tok, ok := strings.CutPrefix(h, "Bearer "); !ok || tok != s.cfg.key {
		return s.fixtureResp(http.StatusUnauthorized, FixtureErrInvalidKey), false
	}
	return response{}, true
}

func (s *Server) fixtureResp(status int, name string) response {
	ct := "application/json"
	if strings.HasSuffix(name, ".sse") {
		ct = "text/event-stream"
	}
	return response{status: status, contentType: ct, body: s.fixtures[name]}
}

func jsonError(status int, msg string) response {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": status, "message": msg}})
	return response{status: status, contentType: "application/json", body: b}
}

// chat answers chat-completion-google.json with the requested model (or
// served, the model of a "models" list that serves), or streams an SSE
// fixture verbatim when the request asks for a stream.
func (s *Server) chat(body []byte, served string) response {
	var req struct {
		Model  string `json:"model"`
		Stream bool   `json:"stream"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return jsonError(http.StatusBadRequest, "Invalid JSON body")
	}
	if req.Model == "" {
		return jsonError(http.StatusBadRequest, "No model specified")
	}
	if req.Stream {
		s.mu.Lock()
		mid := s.cfg.midstream
		s.mu.Unlock()
		if mid {
			return s.fixtureResp(http.StatusOK, FixtureStreamMidstream)
		}
		return s.fixtureResp(http.StatusOK, FixtureStreamReasoning)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(s.fixtures[FixtureChatCompletion], &obj); err != nil {
		return jsonError(http.StatusInternalServerError, "fixture: "+err.Error())
	}
	if served == "" {
		served = req.Model
	}
	obj["model"], _ = json.Marshal(served)
	if c := s.cfg.chatCost; c != "" {
		var usage map[string]json.RawMessage
		if err := json.Unmarshal(obj["usage"], &usage); err != nil || usage == nil {
			usage = map[string]json.RawMessage{}
		}
		usage["cost"] = json.RawMessage(c)
		obj["usage"], _ = json.Marshal(usage)
	}
	out, _ := json.Marshal(obj)
	return response{status: http.StatusOK, contentType: "application/json", body: out}
}

// SetMidstreamError switches streamed completions to
// stream-midstream-error.sse (true) or stream-reasoning.sse (false).
func (s *Server) SetMidstreamError(on bool) {
	s.mu.Lock()
	s.cfg.midstream = on
	s.mu.Unlock()
}

// transcribe builds a transcription answer. No fixture of a real
// /audio/transcriptions response exists in shared/fixtures, so this body
// is made up in the documented shape {"text", "usage": {"cost", "seconds"}}.
func (s *Server) transcribe(body []byte) response {
	var req struct {
		Model      string `json:"model"`
		InputAudio struct {
			Data   string `json:"data"`
			Format string `json:"format"`
		} `json:"input_audio"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return jsonError(http.StatusBadRequest, "Invalid JSON body")
	}
	if req.Model == "" || req.InputAudio.Data == "" || req.InputAudio.Format == "" {
		return jsonError(http.StatusBadRequest, "model, input_audio.data and input_audio.format are required")
	}
	raw, err := base64.StdEncoding.DecodeString(req.InputAudio.Data)
	if err != nil {
		return jsonError(http.StatusBadRequest, "input_audio.data must be base64")
	}
	// 16 kHz 16-bit mono: 32000 bytes per second.
	seconds := float64(len(raw)) / 32000
	var cost any = seconds / 60 * 0.006
	if c := s.cfg.transcribeCost; c != "" {
		cost = json.RawMessage(c)
	}
	out, _ := json.Marshal(map[string]any{
		"text":  TranscriptionText,
		"usage": map[string]any{"cost": cost, "seconds": seconds},
	})
	return response{status: http.StatusOK, contentType: "application/json", body: out}
}

// TranscriptionText is the text the fake transcribes every audio to.
const TranscriptionText = "Hello from the fake OpenRouter transcription."

func (s *Server) write(w http.ResponseWriter, route string, resp response, f Fault, hasFault bool) {
	h := w.Header()
	if resp.retryAfter != "" {
		h.Set("Retry-After", resp.retryAfter)
	}
	if resp.contentType != "" {
		h.Set("Content-Type", resp.contentType)
	}
	if resp.status == 0 {
		resp.status = http.StatusOK
	}
	if hasFault && f.HugeBytes > 0 {
		h.Set("Content-Type", "application/json")
		w.WriteHeader(resp.status)
		s.writeHuge(w, route, f.HugeBytes)
		return
	}
	body := resp.body
	if hasFault && f.Malformed {
		body = malformed(body)
	}
	if hasFault && f.Truncate {
		h.Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(resp.status)
		n, _ := w.Write(body[:len(body)/2])
		s.addSent(route, int64(n))
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		// Abort: the server closes the connection mid-body.
		panic(http.ErrAbortHandler)
	}
	if resp.contentType == "text/event-stream" {
		h.Set("Cache-Control", "no-cache")
		w.WriteHeader(resp.status)
		s.writeEvents(w, route, body)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(resp.status)
	n, _ := w.Write(body)
	s.addSent(route, int64(n))
}

// writeEvents writes an SSE body event by event, flushing each.
func (s *Server) writeEvents(w http.ResponseWriter, route string, body []byte) {
	fl, _ := w.(http.Flusher)
	for len(body) > 0 {
		i := bytes.Index(body, []byte("\n\n"))
		var part []byte
		if i < 0 {
			part, body = body, nil
		} else {
			part, body = body[:i+2], body[i+2:]
		}
		n, err := w.Write(part)
		s.addSent(route, int64(n))
		if err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
	}
}

// writeHuge streams about n bytes of valid-looking JSON (a models list
// that never seems to end), stopping early when the client goes away.
func (s *Server) writeHuge(w http.ResponseWriter, route string, n int64) {
	const item = `{"id":"padding/model","name":"Padding: Model","pricing":{"prompt":"0","completion":"0"}},`
	chunk := bytes.Repeat([]byte(item), 32<<10/len(item))
	var sent int64
	put := func(b []byte) bool {
		m, err := w.Write(b)
		sent += int64(m)
		return err == nil
	}
	defer func() { s.addSent(route, sent) }()
	if !put([]byte(`{"data":[`)) {
		return
	}
	for sent+int64(len(chunk)) < n {
		if !put(chunk) {
			return
		}
	}
	put([]byte(`{"id":"padding/last"}]}`))
}

// malformed returns a body that is not valid JSON but starts like one.
func malformed(body []byte) []byte {
	if len(body) < 8 {
		return []byte(`{"data": [ {"id": oops } ]`)
	}
	out := append([]byte(nil), body[:len(body)/2]...)
	return append(out, []byte(`,,]}} <html>502 Bad Gateway</html>`)...)
}

// resetConnection hijacks the connection and closes it with a TCP reset.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
