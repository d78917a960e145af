package core

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// The usage ledger's hooks in the requests use case: every call sent
// upstream (chat, stream, transcription) records one domain.UsageEvent
// through Ledger.Record, which only buffers it. Nothing here reads or
// keeps the content of a message, prompt or answer.

type usageEndpointKey struct{}

// usageReq is what the usage ledger needs of a request down the calls
// that send it: its scope and the model or type it named.
type usageReq struct{ scope, asked string }

// WithUsageEndpoint marks the requests made with ctx as of endpoint ep in
// the usage ledger (such as domain.EndpointTry for a model tried from the
// models page) instead of the endpoint the call itself is.
func WithUsageEndpoint(ctx context.Context, ep domain.UsageEndpoint) context.Context {
	return context.WithValue(ctx, usageEndpointKey{}, ep)
}

// usageType is the type a request named, or UsageTypeExplicit.
func usageType(asked string) string {
	if domain.ModelType(asked).Valid() {
		return asked
	}
	return domain.UsageTypeExplicit
}

// usageStart begins the event of a call about to be sent: what was
// asked, the prompt applied to sent (nil: none) and when. It returns
// false without a ledger.
func (rq *Requests) usageStart(ctx context.Context, ev *domain.UsageEvent, scope string, ep domain.UsageEndpoint, asked, model string, sent *domain.ChatRequest) bool {
	if rq.ledger == nil {
		return false
	}
	if v, ok := ctx.Value(usageEndpointKey{}).(domain.UsageEndpoint); ok {
		ep = v
	}
	*ev = domain.UsageEvent{
		Time: rq.clock.Now(), Scope: scopeOrDefault(scope), Endpoint: ep, Type: usageType(asked),
		RequestedModel: model,
	}
	if sent != nil {
		ev.Prompt, ev.PromptVersion = sent.AppliedPrompt, sent.AppliedVersion
	}
	return true
}

// usageEnd finishes ev with its latency and outcome and records it.
func (rq *Requests) usageEnd(ev *domain.UsageEvent, err error) {
	ev.Latency = rq.clock.Now().Sub(ev.Time)
	ev.Outcome = domain.OutcomeOK
	if err != nil {
		ev.Outcome = domain.ErrorKind(err)
	}
	rq.ledger.Record(*ev)
}

// chatUsage fills ev from what a chat completion said of itself.
func chatUsage(ev *domain.UsageEvent, id, model, provider string, u *domain.Usage) {
	ev.GenerationID, ev.Model, ev.Provider = id, model, provider
	ev.Tokens = domain.UsageTokens{
		Prompt: int64(u.PromptTokens), Completion: int64(u.CompletionTokens), Cached: int64(u.CachedTokens),
		Reasoning: int64(u.ReasoningTokens), Audio: int64(u.AudioTokens), Image: int64(u.ImageTokens),
	}
	ev.Cost = u.Cost
}

// recordChat records a chat completion call that returned resp or err.
func (rq *Requests) recordChat(ev *domain.UsageEvent, resp *domain.ChatResponse, err error) {
	if resp != nil {
		chatUsage(ev, resp.ID, resp.Model, resp.Provider, &resp.Usage)
	}
	rq.usageEnd(ev, err)
}

// recordTranscription records a transcription call that returned t or err.
func (rq *Requests) recordTranscription(ev *domain.UsageEvent, t *domain.Transcription, err error) {
	if t != nil {
		u := t.Usage
		ev.Model = t.Model
		if ev.Model == "" {
			ev.Model = ev.RequestedModel
		}
		ev.Cost, ev.AudioSeconds = u.Cost, u.Seconds
		ev.Tokens = domain.UsageTokens{Prompt: int64(u.InputTokens), Completion: int64(u.OutputTokens)}
	}
	rq.usageEnd(ev, err)
}

// recordedStream records its stream's event when it ends: at io.EOF, at
// an error, or at Close before either (outcome "canceled": the client
// went away). Time to first token is the first chunk's arrival.
type recordedStream struct {
	ports.ChatStream
	rq    *Requests
	ev    domain.UsageEvent
	first bool
	once  sync.Once
}

func (s *recordedStream) Recv() (domain.StreamChunk, error) {
	ch, err := s.ChatStream.Recv()
	if err == nil && !s.first {
		s.first = true
		s.ev.TTFT = s.rq.clock.Now().Sub(s.ev.Time)
	}
	if err != nil {
		s.finish(err)
	}
	return ch, err
}

func (s *recordedStream) Close() error {
	err := s.ChatStream.Close()
	s.finish(context.Canceled)
	return err
}

// finish records the event once; io.EOF is success.
func (s *recordedStream) finish(err error) {
	s.once.Do(func() {
		if errors.Is(err, io.EOF) {
			err = nil
		}
		if r, ok := s.ChatStream.(ports.StreamMetaReporter); ok {
			m := r.StreamMeta()
			chatUsage(&s.ev, m.ID, m.Model, m.Provider, &m.Usage)
		}
		s.rq.usageEnd(&s.ev, err)
	})
}
