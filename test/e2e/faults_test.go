package e2e

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	of "github.com/aimodels/aimodels/test/openroutertest"
)

// faultCase is one upstream failure on one server route.
type faultCase struct {
	name       string
	route      string // the fake's route that fails
	fault      of.Fault
	midstream  bool   // stream the mid-stream error fixture
	call       string // chat, stream, balance, transcribe, models, connection
	status     int
	code       string // error.code, or test-connection's status for call "connection"
	retryAfter string // the Retry-After header the server must send
}

var hugeBody = int64(50 << 20)

func faultCases() []faultCase {
	chat, key := of.RouteChat, of.RouteKey
	return []faultCase{
		// Chat completions: every failure class.
		{name: "401 invalid key", route: chat, fault: of.Fault{Status: 401}, call: "chat", status: 401, code: "invalid_key"},
		{name: "402 insufficient credits", route: chat, fault: of.Fault{Status: 402}, call: "chat", status: 402, code: "insufficient_credits"},
		{name: "403 forbidden", route: chat, fault: of.Fault{Status: 403}, call: "chat", status: 403, code: "forbidden"},
		{name: "404 no endpoints", route: chat, fault: of.Fault{Status: 404}, call: "chat", status: 404, code: "model_not_found"},
		{name: "400 rejected", route: chat, fault: of.Fault{Status: 400}, call: "chat", status: 400, code: "upstream_rejected"},
		{name: "408 request timeout", route: chat, fault: of.Fault{Status: 408}, call: "chat", status: 504, code: "timeout"},
		{name: "429 with Retry-After", route: chat, fault: of.Fault{Status: 429, RetryAfter: "30"}, call: "chat", status: 429, code: "rate_limited", retryAfter: "30"},
		{name: "429 without Retry-After", route: chat, fault: of.Fault{Status: 429}, call: "chat", status: 429, code: "rate_limited"},
		{name: "500", route: chat, fault: of.Fault{Status: 500}, call: "chat", status: 503, code: "upstream_unavailable"},
		{name: "502", route: chat, fault: of.Fault{Status: 502}, call: "chat", status: 503, code: "upstream_unavailable"},
		{name: "503", route: chat, fault: of.Fault{Status: 503}, call: "chat", status: 503, code: "upstream_unavailable"},
		{name: "reset before answering", route: chat, fault: of.Fault{ResetConnection: true}, call: "chat", status: 503, code: "upstream_unavailable"},
		{name: "reset mid-body", route: chat, fault: of.Fault{Truncate: true}, call: "chat", status: 502, code: "bad_upstream_response"},
		{name: "stall beyond the upstream timeout", route: chat, fault: of.Fault{Latency: 6 * time.Second}, call: "chat", status: 504, code: "timeout"},
		{name: "hang", route: chat, fault: of.Fault{Hang: true}, call: "chat", status: 504, code: "timeout"},
		{name: "truncated JSON", route: chat, fault: of.Fault{Body: []byte(`{"id":"gen-1","choices":[{"index":0,"message":{"role":"assistant","content":"Hel`)}, call: "chat", status: 502, code: "bad_upstream_response"},
		{name: "malformed JSON", route: chat, fault: of.Fault{Malformed: true}, call: "chat", status: 502, code: "bad_upstream_response"},
		{name: "50 MB body", route: chat, fault: of.Fault{HugeBytes: hugeBody}, call: "chat", status: 502, code: "bad_upstream_response"},
		{name: "error inside a 200 body", route: chat, fault: of.Fault{Body: []byte(`{"error":{"code":402,"message":"Insufficient credits"}}`)}, call: "chat", status: 402, code: "insufficient_credits"},

		// Streaming: before the headers the error is a JSON error; after
		// them it travels inside the stream.
		{name: "stream 429 before headers", route: chat, fault: of.Fault{Status: 429, RetryAfter: "30"}, call: "stream", status: 429, code: "rate_limited", retryAfter: "30"},
		{name: "stream 401", route: chat, fault: of.Fault{Status: 401}, call: "stream", status: 401, code: "invalid_key"},
		{name: "stream stall", route: chat, fault: of.Fault{Latency: 6 * time.Second}, call: "stream", status: 504, code: "timeout"},
		{name: "stream error inside 200", route: chat, midstream: true, call: "stream", status: 200, code: "upstream_rejected"},

		// Balance (GET /key).
		{name: "balance 401", route: key, fault: of.Fault{Status: 401}, call: "balance", status: 401, code: "invalid_key"},
		{name: "balance 429", route: key, fault: of.Fault{Status: 429, RetryAfter: "30"}, call: "balance", status: 429, code: "rate_limited", retryAfter: "30"},
		{name: "balance 500", route: key, fault: of.Fault{Status: 500}, call: "balance", status: 503, code: "upstream_unavailable"},
		{name: "balance stall", route: key, fault: of.Fault{Latency: 6 * time.Second}, call: "balance", status: 504, code: "timeout"},
		{name: "balance malformed", route: key, fault: of.Fault{Malformed: true}, call: "balance", status: 502, code: "bad_upstream_response"},
		{name: "balance 50 MB", route: key, fault: of.Fault{HugeBytes: hugeBody}, call: "balance", status: 502, code: "bad_upstream_response"},
		{name: "balance credits 503", route: of.RouteCredits, fault: of.Fault{Status: 503}, call: "balance", status: 503, code: "upstream_unavailable"},

		// Transcriptions.
		{name: "transcribe 402", route: of.RouteTranscriptions, fault: of.Fault{Status: 402}, call: "transcribe", status: 402, code: "insufficient_credits"},
		{name: "transcribe stall", route: of.RouteTranscriptions, fault: of.Fault{Latency: 6 * time.Second}, call: "transcribe", status: 504, code: "timeout"},
		{name: "transcribe malformed", route: of.RouteTranscriptions, fault: of.Fault{Malformed: true}, call: "transcribe", status: 502, code: "bad_upstream_response"},

		// The connection test answers 200 and says why.
		{name: "connection 401", route: key, fault: of.Fault{Status: 401}, call: "connection", status: 200, code: "invalid_key"},
		{name: "connection 429", route: key, fault: of.Fault{Status: 429, RetryAfter: "30"}, call: "connection", status: 200, code: "rate_limited"},
		{name: "connection stall", route: key, fault: of.Fault{Latency: 6 * time.Second}, call: "connection", status: 200, code: "timeout"},
		{name: "connection reset", route: key, fault: of.Fault{ResetConnection: true}, call: "connection", status: 200, code: "network_error"},
	}
}

// TestUpstreamFaults injects each upstream failure class and checks the
// mapped status and error code, the answer's promptness, and that the
// server stays healthy; then the stale catalog.
func TestUpstreamFaults(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL(), env: []string{
		"AIMODELS_UPSTREAM_TIMEOUT=2s", "AIMODELS_CATALOG_TTL=1s", "AIMODELS_SETTINGS_TTL=1s",
	}})
	defer s.stop(t)

	// A cold catalog that cannot be fetched is an error, not an empty list.
	fake.SetFault(of.RouteModels, of.Fault{Status: 503})
	r := s.do(t, req{method: "GET", path: "/api/v1/settings/openrouter/models"})
	if r.status != 503 || r.errCode(t) != "upstream_unavailable" {
		t.Errorf("cold catalog with the upstream down: %d %s, want 503 upstream_unavailable", r.status, r.body)
	}
	fake.Reset()

	s.storeKey(t, of.DefaultAPIKey)
	s.saveSelection(t, map[string]string{"text": "openai/gpt-4o-mini", "audio": "openai/whisper-1"})

	// Every request below must be answered within this: the retries of
	// the client (three, backoff at most 5 s but about 1.4 s in total for
	// immediate failures) plus one 2 s attempt, with slack for a loaded
	// machine.
	const deadline = 9 * time.Second
	audio := mustJSON(map[string]any{"model": "whisper-1", "input_audio": map[string]string{
		"data": base64.StdEncoding.EncodeToString(wavBytes), "format": "wav"}})
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			fake.Reset()
			fake.SetMidstreamError(tc.midstream)
			defer fake.SetMidstreamError(false)
			// Warm the catalog (model "text" resolves through it) before
			// the fault, so the case tests only its route.
			s.do(t, req{method: "GET", path: "/api/v1/settings/openrouter/models"})
			if tc.route != "" && !tc.midstream {
				fake.SetFault(tc.route, tc.fault)
			}
			var q req
			switch tc.call {
			case "chat":
				q = req{method: "POST", path: "/api/v1/chat/completions", body: []byte(`{"model":"text","messages":[{"role":"user","content":"hi"}]}`)}
			case "stream":
				q = req{method: "POST", path: "/api/v1/chat/completions", body: []byte(`{"model":"text","stream":true,"messages":[{"role":"user","content":"hi"}]}`)}
			case "balance":
				q = req{method: "GET", path: "/api/v1/settings/openrouter/balance"}
			case "transcribe":
				q = req{method: "POST", path: "/api/v1/audio/transcriptions", body: audio}
			case "connection":
				q = req{method: "POST", path: "/api/v1/settings/openrouter/test-connection"}
			default:
				t.Fatalf("unknown call %q", tc.call)
			}
			r := s.do(t, q)
			fake.ClearFaults() // let a hung upstream go
			if r.took > deadline {
				t.Errorf("answered after %v, want within %v", r.took.Round(time.Millisecond), deadline)
			}
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, tail(string(r.body), 400))
			}
			switch {
			case tc.call == "connection":
				var c struct {
					Success bool   `json:"success"`
					Status  string `json:"status"`
				}
				r.json(t, &c)
				if c.Success || c.Status != tc.code {
					t.Errorf("test-connection: %s, want success false, status %s", r.body, tc.code)
				}
			case tc.call == "stream" && tc.status == 200:
				chunks, last := sseData(r.body)
				if len(chunks) < 2 || last != "[DONE]" {
					t.Fatalf("stream: %d chunks, last %q; want chunks, an error event, [DONE]", len(chunks), last)
				}
				var e struct {
					Error struct {
						Code string `json:"code"`
					} `json:"error"`
				}
				if err := json.Unmarshal([]byte(chunks[len(chunks)-1]), &e); err != nil || e.Error.Code != tc.code {
					t.Errorf("the last event before [DONE] is %.300s, want an error with code %s", chunks[len(chunks)-1], tc.code)
				}
			default:
				if code := r.errCode(t); code != tc.code {
					t.Errorf("error code %q, want %q: %s", code, tc.code, tail(string(r.body), 300))
				}
			}
			if got := r.header.Get("Retry-After"); tc.retryAfter != "" && got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
			if tc.route != "" && !tc.midstream && fake.RequestCount(tc.route) == 0 {
				t.Errorf("the fault on %s was never hit: the case proves nothing", tc.route)
			}
			hr := s.do(t, req{method: "GET", path: "/healthz", auth: new(string)})
			if hr.status != 200 {
				t.Errorf("/healthz after the fault: %d", hr.status)
			}
		})
	}

	// A failed refresh after a good fetch serves the last good catalog,
	// marked stale.
	t.Run("stale catalog", func(t *testing.T) {
		fake.Reset()
		r := s.do(t, req{method: "GET", path: "/api/v1/settings/openrouter/models?refresh=true"})
		if r.status != 200 || r.header.Get("X-Catalog-Stale") != "false" {
			t.Fatalf("fresh catalog: %d stale=%q", r.status, r.header.Get("X-Catalog-Stale"))
		}
		fresh := len(r.body)
		fake.SetFault(of.RouteModels, of.Fault{Status: 500})
		time.Sleep(1200 * time.Millisecond) // past AIMODELS_CATALOG_TTL=1s
		r = s.do(t, req{method: "GET", path: "/api/v1/settings/openrouter/models"})
		if r.status != 200 || r.header.Get("X-Catalog-Stale") != "true" {
			t.Fatalf("after a failed refresh: %d X-Catalog-Stale=%q, want 200 and true: %s",
				r.status, r.header.Get("X-Catalog-Stale"), tail(string(r.body), 300))
		}
		var g struct {
			Text []json.RawMessage `json:"text"`
		}
		r.json(t, &g)
		if len(g.Text) == 0 || len(r.body) < fresh/2 {
			t.Errorf("the stale catalog is %d bytes with %d text models; the fresh one was %d bytes", len(r.body), len(g.Text), fresh)
		}
		if fake.RequestCount(of.RouteModels) < 2 {
			t.Errorf("the refresh never reached the failing upstream")
		}
		fake.ClearFaults()
	})
	if !s.logged("level=DEBUG") {
		t.Error("no debug logs")
	}
}
