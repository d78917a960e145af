package openroutertest

import (
	"net/http"
	"time"
)

// Fault changes how a route answers. Zero fields change nothing, so a
// Fault with only Latency delays the normal answer.
type Fault struct {
	// Status is the HTTP status to answer with. Without Body or
	// FixtureName the body is OpenRouter's own for that status: 401
	// error-401-invalid-key.json, 402 error-402-insufficient-credits.json,
	// 404 error-404-no-endpoints.json, 429
	// error-429-upstream-rate-limit.json; otherwise a generic
	// {"error":{"code":N,"message":"..."}}.
	Status int
	// Body is the exact body to send (with Status, default 200).
	Body []byte
	// FixtureName is a fixture file to send instead of Body (with Status,
	// default 200); an .sse fixture is sent as an event stream.
	FixtureName string
	// RetryAfter is the Retry-After header value (seconds or an HTTP date).
	RetryAfter string
	// Latency delays the answer.
	Latency time.Duration
	// Times applies the fault to the next Times requests of the route,
	// then the route answers normally again; 0 means until cleared.
	Times int
	// Truncate sends half of the body, then closes the connection.
	Truncate bool
	// Malformed sends a body that is not valid JSON.
	Malformed bool
	// HugeBytes streams about that many bytes of valid-looking JSON.
	HugeBytes int64
	// Hang blocks until the client gives up (its request context ends).
	Hang bool
	// ResetConnection hijacks the connection and resets it without answering.
	ResetConnection bool
	// RedirectTo answers with a redirect (Status, default 307) to this URL,
	// as a hostile or misconfigured upstream would.
	RedirectTo string
	// Model, when set, limits the fault to the requests of the route
	// (chat or transcription) for that model, the body's "model"; several
	// models of one route may each have a fault. A chat request with a
	// "models" list is routed as OpenRouter does: a model whose fault has
	// a Status of 404, 408, 429 or 5xx is passed over for the next one of
	// the list, and the answer's "model" names the model that served.
	Model string
}

// modelRoute is the key of a fault limited to one model of a route.
func modelRoute(route, model string) string { return route + "\x00model=" + model }

// fallsOver reports whether OpenRouter's routing passes over a model
// failing with f for the next model of a "models" list.
func fallsOver(f Fault) bool {
	return f.Status == 404 || f.Status == 408 || f.Status == 429 || f.Status >= 500
}

type faultState struct {
	f         Fault
	remaining int // for Times > 0
}

// SetFault installs f on route (such as "GET /key" or RouteChat),
// replacing any fault already there. It is safe to call at any time.
// A fault with a Model replaces only that model's fault of the route.
func (s *Server) SetFault(route string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Model != "" {
		route = modelRoute(route, f.Model)
	}
	s.faults[route] = &faultState{f: f, remaining: f.Times}
}

// ClearFault removes the route's fault (not the faults of its models:
// ClearModelFault, ClearFaults).
func (s *Server) ClearFault(route string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, route)
}

// ClearModelFault removes the fault of one model of the route.
func (s *Server) ClearModelFault(route, model string) { s.ClearFault(modelRoute(route, model)) }

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string]*faultState{}
}

// takeFault returns the route's fault, counting down Times.
func (s *Server) takeFault(route string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.faults[route]
	if !ok {
		return Fault{}, false
	}
	if st.f.Times > 0 {
		st.remaining--
		if st.remaining <= 0 {
			delete(s.faults, route)
		}
	}
	return st.f, true
}

// faultResponse builds the answer of a fault that replaces the body.
func (s *Server) faultResponse(f Fault) response {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case f.Body != nil:
		return response{status: status, contentType: "application/json", body: f.Body}
	case f.FixtureName != "":
		if _, ok := s.fixtures[f.FixtureName]; !ok {
			return jsonError(http.StatusInternalServerError, "openroutertest: unknown fixture "+f.FixtureName)
		}
		return s.fixtureResp(status, f.FixtureName)
	}
	switch status {
	case http.StatusUnauthorized:
		return s.fixtureResp(status, FixtureErrInvalidKey)
	case http.StatusPaymentRequired:
		return s.fixtureResp(status, FixtureErrInsufficient)
	case http.StatusNotFound:
		return s.fixtureResp(status, FixtureErrNoEndpoints)
	case http.StatusTooManyRequests:
		return s.fixtureResp(status, FixtureErrUpstreamRateLm)
	}
	msg := http.StatusText(status)
	if msg == "" {
		msg = "Injected fault"
	}
	return jsonError(status, msg)
}
