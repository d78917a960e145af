package openroutertest

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// ControlFault is the JSON body of POST /_fake/fault: a route and the
// fields of a Fault. Latency is a Go duration string ("250ms") and Body is
// the body as text.
type ControlFault struct {
	Route           string `json:"route"`
	Status          int    `json:"status,omitempty"`
	Body            string `json:"body,omitempty"`
	FixtureName     string `json:"fixture,omitempty"`
	RetryAfter      string `json:"retry_after,omitempty"`
	Latency         string `json:"latency,omitempty"`
	Times           int    `json:"times,omitempty"`
	Truncate        bool   `json:"truncate,omitempty"`
	Malformed       bool   `json:"malformed,omitempty"`
	HugeBytes       int64  `json:"huge_bytes,omitempty"`
	Hang            bool   `json:"hang,omitempty"`
	ResetConnection bool   `json:"reset_connection,omitempty"`
	RedirectTo      string `json:"redirect_to,omitempty"`
	// Model limits the fault to one model of the route (Fault.Model).
	Model string `json:"model,omitempty"`
	// Clear removes the route's fault instead of setting one.
	Clear bool `json:"clear,omitempty"`
}

// Fault converts c to a Fault.
func (c ControlFault) Fault() (Fault, error) {
	f := Fault{
		Status: c.Status, FixtureName: c.FixtureName, RetryAfter: c.RetryAfter, Times: c.Times,
		Truncate: c.Truncate, Malformed: c.Malformed, HugeBytes: c.HugeBytes, Hang: c.Hang,
		ResetConnection: c.ResetConnection, RedirectTo: c.RedirectTo, Model: c.Model,
	}
	if c.Body != "" {
		f.Body = []byte(c.Body)
	}
	if c.Latency != "" {
		d, err := time.ParseDuration(c.Latency)
		if err != nil {
			return Fault{}, err
		}
		f.Latency = d
	}
	return f, nil
}

// serveControl answers the control API:
//
//	POST /_fake/fault     body ControlFault: set (or with "clear":true remove) a route's fault
//	POST /_fake/reset     forget requests and faults
//	POST /_fake/midstream body {"on":true}: switch streams to the mid-stream error fixture
//	GET  /_fake/requests  the recorded requests as a JSON list
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch r.Method + " " + r.URL.Path {
	case "POST /_fake/fault":
		var c ControlFault
		if err := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody)).Decode(&c); err != nil || c.Route == "" {
			http.Error(w, `{"error":"body must be {\"route\": \"GET /key\", ...}"}`, http.StatusBadRequest)
			return
		}
		switch {
		case c.Clear && c.Model != "":
			s.ClearModelFault(c.Route, c.Model)
		case c.Clear:
			s.ClearFault(c.Route)
		default:
			f, err := c.Fault()
			if err != nil {
				http.Error(w, `{"error":"bad latency"}`, http.StatusBadRequest)
				return
			}
			s.SetFault(c.Route, f)
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	case "POST /_fake/reset":
		s.Reset()
		s.SetMidstreamError(false)
		_, _ = io.WriteString(w, `{"ok":true}`)
	case "POST /_fake/midstream":
		var b struct {
			On bool `json:"on"`
		}
		_ = json.NewDecoder(io.LimitReader(r.Body, 1<<10)).Decode(&b)
		s.SetMidstreamError(b.On)
		_, _ = io.WriteString(w, `{"ok":true}`)
	case "GET /_fake/requests":
		reqs := s.Requests()
		if reqs == nil {
			reqs = []Request{}
		}
		_ = json.NewEncoder(w).Encode(reqs)
	default:
		http.Error(w, `{"error":"unknown control route"}`, http.StatusNotFound)
	}
}
