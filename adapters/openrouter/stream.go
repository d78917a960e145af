package openrouter

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	json "github.com/goccy/go-json"
	"io"
	"mime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// ChatCompletionStream sends a streaming chat completion and returns the
// event stream once the response headers have arrived. Failures before
// that are retried like any request; once the stream has started nothing
// is retried, and an error object inside the stream comes back from Recv
// as a *Error.
func (c *Client) ChatCompletionStream(ctx context.Context, key domain.APIKey, req *domain.ChatRequest) (_ ports.ChatStream, err error) {
	defer func() { err = redactKey(err, key) }()
	payload, err := chatPayload(req, true)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancelCause(ctx)
	var timedOut atomic.Bool
	timer := time.AfterFunc(c.timeout, func() {
		timedOut.Store(true)
		cancel(errHeaderTimeout)
	})
	resp, err := c.send(sctx, c.rs, opChat, "POST", c.endpoint("/chat/completions"), key, payload, "text/event-stream")
	stopped := timer.Stop()
	if err == nil && !stopped {
		// The header timer fired as the headers arrived: sctx is cancelled,
		// so the body is unusable. Report the timeout it was.
		resp.Body.Close()
		cancel(nil)
		return nil, &Error{Kind: domain.ErrTimeout, Op: opChat, Message: "no response headers in time", Err: errHeaderTimeout}
	}
	if err != nil {
		cancel(nil)
		if !stopped && timedOut.Load() && ctx.Err() == nil {
			return nil, &Error{Kind: domain.ErrTimeout, Op: opChat, Message: "no response headers in time", Err: errHeaderTimeout}
		}
		return nil, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "text/event-stream" {
		defer cancel(nil)
		defer resp.Body.Close()
		body, err := readBody(ctx, opChat, resp, c.maxBody)
		if err != nil {
			return nil, err
		}
		var eb errorBody
		if json.Unmarshal(body, &eb) == nil && eb.Error != nil {
			return nil, inBodyError(opChat, resp.StatusCode, eb.Error)
		}
		return nil, &Error{Kind: domain.ErrBadUpstreamResponse, Op: opChat, Status: resp.StatusCode,
			Message: "expected text/event-stream, got " + mt, Err: errStreamNotEvents}
	}
	st := newStream(ctx, resp.Body, c.maxLine, func() { cancel(nil) })
	st.key = key
	st.idle = c.timeout
	return st, nil
}

// Stream reads OpenRouter's server-sent events. It is not safe for
// concurrent Recv calls; Close may be called from any goroutine.
type Stream struct {
	key     domain.APIKey // redacted from mid-stream error messages
	ctx     context.Context
	body    io.ReadCloser
	sc      *bufio.Scanner
	cancel  func()
	data    bytes.Buffer
	err     error // terminal: io.EOF or the error returned
	closeMu sync.Once
	// idle bounds the wait for the next event (0: no bound). A stalled
	// upstream ends the stream with ErrTimeout instead of holding the
	// client until the request's deadline. Keep-alive comments count.
	idle      time.Duration
	idleFired atomic.Bool
	// afterFunc arms the idle timer; nil means time.AfterFunc. Tests set
	// a fake clock here to decide when the bound runs out.
	afterFunc func(time.Duration, func()) stopper
	// meta is what the chunks said of the completion (StreamMeta): the
	// first chunk's id, model and provider, and the usage chunk's.
	metaMu sync.Mutex
	meta   domain.StreamMeta
	seen   bool // a chunk was read for its id
}

// stopper is what Recv needs of an idle timer (*time.Timer or a fake).
type stopper interface{ Stop() bool }

var (
	_ ports.ChatStream         = (*Stream)(nil)
	_ ports.StreamMetaReporter = (*Stream)(nil)
)

// NewStream reads server-sent events from r (for tests and other
// transports); maxLine bounds one line.
func NewStream(r io.ReadCloser, maxLine int) *Stream {
	return newStream(context.Background(), r, maxLine, func() {})
}

func newStream(ctx context.Context, body io.ReadCloser, maxLine int, cancel func()) *Stream {
	sc := bufio.NewScanner(body)
	// The limit is the larger of maxLine and the initial buffer's capacity.
	sc.Buffer(make([]byte, 0, min(4<<10, maxLine)), maxLine)
	return &Stream{ctx: ctx, body: body, sc: sc, cancel: cancel}
}

// Recv returns the next data event. It skips comments (": OPENROUTER
// PROCESSING"), joins multi-line data, returns io.EOF after "data: [DONE]"
// or at the end of the body, and returns a *Error for an
// event that carries an "error" object. After an error every call
// returns the same error.
func (s *Stream) Recv() (domain.StreamChunk, error) {
	if s.err != nil {
		return domain.StreamChunk{}, s.err
	}
	for {
		var timer stopper
		if s.idle > 0 {
			timer = s.armIdle(func() {
				s.idleFired.Store(true)
				_ = s.body.Close() // unblocks the read in nextEvent
			})
		}
		ev, ok, err := s.nextEvent()
		if timer != nil {
			timer.Stop()
		}
		if err != nil && s.idleFired.Load() {
			err = &Error{Kind: domain.ErrTimeout, Op: opChat, Message: "no stream data for " + s.idle.String(), Err: err}
		}
		if err != nil {
			s.err = err
			s.Close()
			return domain.StreamChunk{}, err
		}
		if !ok {
			continue
		}
		if bytes.Equal(ev, []byte("[DONE]")) {
			s.err = io.EOF
			s.Close()
			return domain.StreamChunk{}, io.EOF
		}
		if err := eventError(ev); err != nil {
			err = redactKey(err, s.key)
			s.err = err
			s.Close()
			return domain.StreamChunk{}, err
		}
		s.readMeta(ev)
		return domain.StreamChunk{Data: json.RawMessage(bytes.Clone(ev))}, nil
	}
}

// usageMember is how a chunk with a usage object starts it.
var usageMember = []byte(`"usage":`)

// readMeta decodes what the usage ledger needs of a chunk, and only of
// the first one (id, model, provider) and those that carry usage (the
// last): the others are not decoded at all.
func (s *Stream) readMeta(ev []byte) {
	hasUsage := bytes.Contains(ev, usageMember)
	if s.seen && !hasUsage {
		return
	}
	var w struct {
		ID       string     `json:"id"`
		Model    string     `json:"model"`
		Provider string     `json:"provider"`
		Usage    *wireUsage `json:"usage"`
	}
	if lenient(ev, &w) != nil {
		return
	}
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	s.seen = true
	if w.ID != "" {
		s.meta.ID = w.ID
	}
	if w.Model != "" {
		s.meta.Model = w.Model
	}
	if w.Provider != "" {
		s.meta.Provider = w.Provider
	}
	if w.Usage != nil {
		s.meta.Usage, s.meta.HasUsage = w.Usage.domain(), true
	}
}

// StreamMeta returns what the chunks read so far said of the completion
// (ports.StreamMetaReporter).
func (s *Stream) StreamMeta() domain.StreamMeta {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	return s.meta
}

// armIdle starts the idle bound of one wait for an event.
func (s *Stream) armIdle(f func()) stopper {
	if s.afterFunc != nil {
		return s.afterFunc(s.idle, f)
	}
	return time.AfterFunc(s.idle, f)
}

// nextEvent reads lines up to the end of one event; ok is false for an
// event without data (only comments or other fields).
func (s *Stream) nextEvent() (data []byte, ok bool, err error) {
	s.data.Reset()
	hasData := false
	for s.sc.Scan() {
		line := bytes.TrimSuffix(s.sc.Bytes(), []byte("\r"))
		if len(line) == 0 {
			if hasData {
				return s.data.Bytes(), true, nil
			}
			continue
		}
		if line[0] == ':' {
			if !hasData {
				// A keep-alive comment between events: report it, so the
				// caller's idle bound starts again.
				return nil, false, nil
			}
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		if string(field) != "data" {
			continue
		}
		if hasData {
			s.data.WriteByte('\n')
		}
		s.data.Write(value)
		hasData = true
	}
	if err := s.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, false, &Error{Kind: domain.ErrBadUpstreamResponse, Op: opChat, Status: 200,
				Message: "stream line too long", Err: err}
		}
		return nil, false, transportError(opChat, s.ctx, err)
	}
	if hasData {
		return s.data.Bytes(), true, nil
	}
	return nil, false, io.EOF
}

// eventError returns the typed error of an event that carries an "error"
// object, a bad-response error for an event that is not JSON, or nil.
func eventError(ev []byte) error {
	var probe struct {
		Error *apiError `json:"error"`
	}
	if !json.Valid(ev) {
		return &Error{Kind: domain.ErrBadUpstreamResponse, Op: opChat, Status: 200,
			Message: "stream event is not JSON"}
	}
	if !bytes.Contains(ev, []byte(`"error"`)) {
		return nil
	}
	if err := lenient(ev, &probe); err != nil || probe.Error == nil {
		return nil
	}
	return inBodyError(opChat, 200, probe.Error)
}

// Close releases the connection; it is safe to call more than once.
func (s *Stream) Close() error {
	var err error
	s.closeMu.Do(func() {
		err = s.body.Close()
		s.cancel()
	})
	return err
}
