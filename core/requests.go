package core

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// TranscribeInstruction is the text sent with the audio when a chat model
// that accepts audio input (rather than a dedicated speech-to-text model)
// is asked to transcribe.
const TranscribeInstruction = "Transcribe this audio verbatim. Reply with the transcript only, in the language spoken."

// Requests is the use case of requests to the models: chat completions
// (plain and streamed) and transcriptions, each sent to the scope's
// selected model of its type unless the request names a model.
type Requests struct {
	gw      ports.InferenceGateway
	keys    *Keys
	models  *ModelManager
	prompts *Prompts
	clock   ports.Clock
	ledger  *Ledger // nil: no usage ledger (requests_usage.go)
}

// NewRequests returns the requests use case: keys supplies the decrypted
// key, models the selection and the catalog, prompts (may be nil) the
// prompts a request names.
func NewRequests(gw ports.InferenceGateway, keys *Keys, models *ModelManager, prompts *Prompts, opts Options) *Requests {
	return &Requests{gw: gw, keys: keys, models: models, prompts: prompts, clock: opts.withDefaults().Clock}
}

// resolveModel turns a type name into the scope's model for that type, or
// returns an explicit model id unchanged. The catalog entry is returned
// when the catalog is at hand (nil otherwise), and so is the type's route
// when it has fallbacks: the model then its fallbacks, shared and never
// to be changed (nil otherwise).
func (rq *Requests) resolveModel(ctx context.Context, scope, name string) (string, *domain.Model, []string, error) {
	t := domain.ModelType(name)
	if !t.Valid() {
		var m *domain.Model
		if v, ok := rq.models.catalog.cached(); ok {
			m, _ = v.Catalog.Lookup(name)
		}
		return name, m, nil, nil
	}
	set, err := rq.models.savedSet(ctx, scope)
	if err != nil {
		return "", nil, nil, err
	}
	saved := set.rows
	for i := range saved {
		if saved[i].Type == t {
			var m *domain.Model
			if v, ok := rq.models.catalog.cached(); ok {
				m, _ = v.Catalog.Lookup(saved[i].ModelID)
			} else if t == domain.TypeAudio {
				// Audio requests are routed by the model's kind: fetch once.
				if v, err := rq.models.catalog.get(ctx, false); err == nil {
					m, _ = v.Catalog.Lookup(saved[i].ModelID)
				}
			}
			return saved[i].ModelID, m, set.routes[i], nil
		}
	}
	view, err := rq.models.catalog.get(ctx, false)
	if err != nil {
		return "", nil, nil, fmt.Errorf("no %s model is selected and the catalog is unavailable for a default: %w", t, err)
	}
	rec := rq.models.recs.model(view.Catalog, t)
	if rec == nil {
		return "", nil, nil, &domain.ModelError{Kind: domain.ErrModelNotFound, ModelID: name, Type: t}
	}
	return rec.ID, rec, nil, nil
}

// prepareChat validates a chat request and returns the decrypted key, the
// request to send (req with the resolved model id and the named prompt's
// system message) and, when at hand, the model's catalog entry.
func (rq *Requests) prepareChat(ctx context.Context, scope string, req *domain.ChatRequest) (domain.APIKey, *domain.ChatRequest, *domain.Model, error) {
	scope = scopeOrDefault(scope)
	if err := req.Validate(); err != nil {
		return "", nil, nil, err
	}
	key, err := rq.keys.apiKey(ctx, scope)
	if err != nil {
		return "", nil, nil, err
	}
	id, m, route, err := rq.resolveModel(ctx, scope, req.Model)
	if err != nil {
		return "", nil, nil, err
	}
	out := *req
	out.Model = id
	if route != nil && len(req.Models) == 0 && req.Extra["models"] == nil {
		// OpenRouter falls back over the list itself; a caller's own list wins.
		out.Models = route
		if domain.ModelType(req.Model) == domain.TypeAudio && !sttOnly(m) {
			out.Models = rq.chatModels(route)
		}
	}
	if req.Prompt != "" || rq.prompts != nil {
		if err := rq.applyPrompt(ctx, scope, &out, domain.ModelType(req.Model), m); err != nil {
			return "", nil, nil, err
		}
	}
	return key, &out, m, nil
}

// sttOnly reports a dedicated speech-to-text model, which answers a chat
// request through the transcription endpoint.
func sttOnly(m *domain.Model) bool {
	return m != nil && m.IsTranscription() && !m.Serves(domain.TypeText)
}

// chatModels is the part of an audio route a chat completion can be
// routed over: without the speech-to-text models (which OpenRouter's chat
// endpoint does not serve); nil when fewer than two remain.
func (rq *Requests) chatModels(route []string) []string {
	v, ok := rq.models.catalog.cached()
	if !ok {
		return route
	}
	var out []string
	for _, id := range route {
		if m, ok := v.Catalog.Lookup(id); !ok || !sttOnly(m) {
			out = append(out, id)
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// applyPrompt puts the text of the prompt req.Prompt names ("name" or
// "name@version"), its placeholders filled from req.Variables, before
// req's messages as a system message. The prompt must be of the request's
// type: the type the request named, or one the model serves. A request
// that names no prompt gets the scope's default prompt of its type when
// it asked for a type ("text", "image", "audio") and that type has one; a
// request to an explicit model id gets none (the caller chose everything).
func (rq *Requests) applyPrompt(ctx context.Context, scope string, req *domain.ChatRequest, asked domain.ModelType, m *domain.Model) error {
	if rq.prompts == nil {
		return &domain.ValidationError{Field: "prompt", Reason: "this server keeps no prompts"}
	}
	var p *domain.Prompt
	var err error
	if req.Prompt == "" {
		if !asked.Valid() {
			return nil
		}
		if p, err = rq.prompts.defaultFor(ctx, scope, asked); err != nil || p == nil {
			return err
		}
	} else if p, err = rq.prompts.byName(ctx, scope, req.Prompt); err != nil {
		return err
	}
	if m == nil && !asked.Valid() {
		if v, err := rq.models.catalog.get(ctx, false); err == nil {
			m, _ = v.Catalog.Lookup(req.Model)
		}
	}
	switch {
	case asked.Valid() && asked != p.Type, !asked.Valid() && m != nil && !m.Serves(p.Type):
		return &domain.ValidationError{Field: "prompt", Reason: fmt.Sprintf("prompt %q is for %s requests, not for model %s", p.Name, p.Type, req.Model)}
	}
	text, err := p.Fill(req.Variables)
	if err != nil {
		return err
	}
	msgs := make([]domain.Message, 0, len(req.Messages)+1)
	msgs = append(msgs, domain.Message{Role: "system", Content: domain.TextContent(text)})
	req.Messages = append(msgs, req.Messages...)
	req.AppliedPrompt, req.AppliedVersion = p.Name, p.Version
	req.Prompt, req.Variables = "", nil
	return nil
}

// Complete sends a chat completion to the model req.Model names: a type
// ("text", "image", "audio") means the scope's selected model of that type.
// A dedicated speech-to-text model gets the request's audio part sent to
// the transcription endpoint, answered as a chat completion.
func (rq *Requests) Complete(ctx context.Context, scope string, req *domain.ChatRequest) (*domain.ChatResponse, error) {
	key, out, m, err := rq.prepareChat(ctx, scope, req)
	if err != nil {
		return nil, err
	}
	if sttOnly(m) {
		return rq.completeByTranscription(ctx, usageReq{scope, req.Model}, key, out.Model, m, out)
	}
	var ev domain.UsageEvent
	rec := rq.usageStart(ctx, &ev, scope, domain.EndpointChat, req.Model, out.Model, out)
	resp, err := rq.gw.ChatCompletion(ctx, key, out)
	if rec {
		rq.recordChat(&ev, resp, err)
	}
	if err != nil {
		return nil, fmt.Errorf("chat completion with %s: %w", out.Model, err)
	}
	return resp, nil
}

func (rq *Requests) completeByTranscription(ctx context.Context, u usageReq, key domain.APIKey, id string, m *domain.Model, req *domain.ChatRequest) (*domain.ChatResponse, error) {
	var audio *domain.InputAudio
	prompt := ""
	for i := range req.Messages {
		for _, p := range req.Messages[i].Content.Parts {
			switch {
			case p.Type == domain.PartInputAudio && audio == nil:
				audio = p.InputAudio
			case p.Type == domain.PartText && prompt == "":
				prompt = p.Text
			}
		}
	}
	if audio == nil {
		return nil, &domain.ValidationError{Field: "messages", Reason: "model " + id + " transcribes speech: send an input_audio part"}
	}
	data, err := base64.StdEncoding.DecodeString(audio.Data)
	if err != nil {
		return nil, &domain.ValidationError{Field: "messages", Reason: "input_audio.data must be base64"}
	}
	tr := &domain.TranscriptionRequest{Model: id, Audio: data, Format: audio.Format, Prompt: prompt}
	if err := tr.Validate(); err != nil {
		return nil, err
	}
	t, err := rq.transcribeRoute(ctx, u, key, id, m, req.Models, tr)
	if err != nil {
		return nil, err
	}
	now := rq.clock.Now()
	resp := &domain.ChatResponse{
		ID:      "transcription-" + strconv.FormatInt(now.UnixNano(), 36),
		Model:   t.Model,
		Choices: []domain.Choice{{Content: t.Text, FinishReason: "stop"}},
		Usage:   domain.Usage{Cost: t.Usage.Cost, CostKnown: t.Usage.CostKnown, PromptTokens: t.Usage.InputTokens, CompletionTokens: t.Usage.OutputTokens, TotalTokens: t.Usage.TotalTokens},
	}
	return resp, nil
}

// Stream sends a streaming chat completion to the resolved model.
func (rq *Requests) Stream(ctx context.Context, scope string, req *domain.ChatRequest) (ports.ChatStream, error) {
	key, out, m, err := rq.prepareChat(ctx, scope, req)
	if err != nil {
		return nil, err
	}
	if sttOnly(m) {
		return nil, &domain.ValidationError{Field: "stream", Reason: "model " + out.Model + " is a speech-to-text model and does not stream; send without stream"}
	}
	out.Stream = true
	var ev domain.UsageEvent
	rec := rq.usageStart(ctx, &ev, scope, domain.EndpointStream, req.Model, out.Model, out)
	st, err := rq.gw.ChatCompletionStream(ctx, key, out)
	if err != nil {
		if rec {
			rq.usageEnd(&ev, err)
		}
		return nil, fmt.Errorf("chat stream with %s: %w", out.Model, err)
	}
	if rec {
		st = &recordedStream{ChatStream: st, rq: rq, ev: ev}
	}
	return routedStream{st, out.Model}, nil
}

// routedStream is a stream that names the model it was sent to (first):
// its Model method. Which model served each chunk, a fallback perhaps, is
// the chunk's own "model" member.
type routedStream struct {
	ports.ChatStream
	model string
}

// Model returns the model id the stream was requested from.
func (s routedStream) Model() string { return s.model }

// Transcribe turns audio into text. The model is the scope's selected
// audio model unless req.Model names one. A dedicated speech-to-text model
// (output "transcription") is called on the transcription endpoint; a chat
// model that accepts audio gets the audio as an input_audio part with
// TranscribeInstruction.
func (rq *Requests) Transcribe(ctx context.Context, scope string, req *domain.TranscriptionRequest) (*domain.Transcription, error) {
	scope = scopeOrDefault(scope)
	if err := req.Validate(); err != nil {
		return nil, err
	}
	key, err := rq.keys.apiKey(ctx, scope)
	if err != nil {
		return nil, err
	}
	name := req.Model
	if name == "" {
		name = string(domain.TypeAudio)
	}
	id, m, route, err := rq.resolveModel(ctx, scope, name)
	if err != nil {
		return nil, err
	}
	req, err = rq.transcriptionPrompt(ctx, scope, req)
	if err != nil {
		return nil, err
	}
	return rq.transcribeRoute(ctx, usageReq{scope, name}, key, id, m, route, req)
}

// transcribeRoute transcribes with model id (catalog entry m, nil when not
// at hand) and, when route lists fallbacks after it, falls back to each in
// turn on a failure that another model may not have (see fallsBack): the
// upstream does not route transcriptions itself. Each model is called
// according to its kind (see transcribeWith). The answer's Model is the
// model that served.
func (rq *Requests) transcribeRoute(ctx context.Context, u usageReq, key domain.APIKey, id string, m *domain.Model, route []string, req *domain.TranscriptionRequest) (*domain.Transcription, error) {
	if len(route) < 2 || route[0] != id {
		return rq.transcribeWith(ctx, u, key, id, m, req, false)
	}
	t, err := rq.transcribeWith(ctx, u, key, id, m, req, true)
	if !fallsBack(ctx, err) {
		return t, err
	}
	tried := 1
	for i, fb := range route[1:] {
		var fm *domain.Model
		if v, cerr := rq.models.catalog.get(ctx, false); cerr == nil {
			fm, _ = v.Catalog.Lookup(fb)
		}
		if fm != nil && !fm.IsTranscription() && !fm.Serves(domain.TypeAudio) {
			continue // the catalog changed since it was saved
		}
		tried++
		t, ferr := rq.transcribeWith(ctx, u, key, fb, fm, req, i < len(route)-2)
		if ferr == nil {
			return t, nil
		}
		err = ferr
		if !fallsBack(ctx, err) {
			break
		}
	}
	return nil, fmt.Errorf("%d of %d models of the route %v tried: %w", tried, len(route), route, err)
}

// fallsBack reports whether a failed attempt is worth trying on the next
// model: a rate limit, the upstream unavailable or timing out (429, 5xx),
// or no endpoint for the model (OpenRouter's 404 "no endpoints"). A
// refusal of the request, the key or the credits (400, 401, 402, 403)
// would fail on every model, and a request whose context is done is over.
func fallsBack(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var me *domain.ModelError
	if errors.As(err, &me) {
		return false // the catalog's verdict, not the upstream's
	}
	return errors.Is(err, domain.ErrRateLimited) || errors.Is(err, domain.ErrUpstreamUnavailable) ||
		errors.Is(err, domain.ErrTimeout) || errors.Is(err, domain.ErrModelNotFound)
}

// transcribeWith transcribes with one model: a dedicated speech-to-text
// model (or one the catalog does not describe) on the transcription
// endpoint, a chat model that accepts audio by chat. once asks the
// gateway not to retry (another model follows).
func (rq *Requests) transcribeWith(ctx context.Context, u usageReq, key domain.APIKey, id string, m *domain.Model, req *domain.TranscriptionRequest, once bool) (*domain.Transcription, error) {
	if m == nil {
		if v, err := rq.models.catalog.get(ctx, false); err == nil {
			m, _ = v.Catalog.Lookup(id)
		}
	}
	if m != nil && !m.IsTranscription() {
		if !m.Serves(domain.TypeAudio) {
			return nil, &domain.ModelError{Kind: domain.ErrModelTypeMismatch, ModelID: id, Type: domain.TypeAudio}
		}
		return rq.transcribeByChat(ctx, u, key, id, req, once)
	}
	out := *req
	out.Model, out.SendOnce = id, once
	var ev domain.UsageEvent
	rec := rq.usageStart(ctx, &ev, u.scope, domain.EndpointTranscription, u.asked, id, nil)
	t, err := rq.gw.Transcribe(ctx, key, &out)
	if rec {
		rq.recordTranscription(&ev, t, err)
	}
	if err != nil {
		return nil, fmt.Errorf("transcription with %s: %w", id, err)
	}
	if t.Model == "" {
		t.Model = id
	}
	return t, nil
}

// transcriptionPrompt returns req with the stored audio prompt it names
// (req.PromptName, "name" or "name@version"), or else the scope's default
// audio prompt when req carries no Prompt text, filled from req.Variables
// and put in Prompt; PromptName stays set (the default's name when the
// default was applied), which tells transcribeByChat that Prompt is a
// stored prompt's text. req itself is not changed. The prompt must be an
// audio prompt (else a *domain.ValidationError), and Prompt text and a
// PromptName together are refused.
func (rq *Requests) transcriptionPrompt(ctx context.Context, scope string, req *domain.TranscriptionRequest) (*domain.TranscriptionRequest, error) {
	if rq.prompts == nil {
		if req.PromptName != "" {
			return nil, &domain.ValidationError{Field: "prompt", Reason: "this server keeps no prompts"}
		}
		return req, nil
	}
	var p *domain.Prompt
	var err error
	switch {
	case req.PromptName != "" && req.Prompt != "":
		return nil, &domain.ValidationError{Field: "prompt", Reason: "name a stored prompt or send prompt text, not both"}
	case req.PromptName != "":
		if p, err = rq.prompts.byName(ctx, scope, req.PromptName); err != nil {
			return nil, err
		}
		if p.Type != domain.TypeAudio {
			return nil, &domain.ValidationError{Field: "prompt", Reason: fmt.Sprintf("prompt %q is for %s requests, not for transcription (audio)", p.Name, p.Type)}
		}
	case req.Prompt == "":
		if p, err = rq.prompts.defaultFor(ctx, scope, domain.TypeAudio); err != nil || p == nil {
			return req, err
		}
	default:
		return req, nil
	}
	text, err := p.Fill(req.Variables)
	if err != nil {
		return nil, err
	}
	out := *req
	out.Prompt, out.PromptName, out.Variables = text, p.Name, nil
	return &out, nil
}

// transcribeByChat sends the audio to a chat model with an instruction:
// TranscribeInstruction, or the stored prompt's filled text when
// req.PromptName is set (req.Prompt then holds it, see
// transcriptionPrompt), then the language hint, then req.Prompt as
// context when it is the caller's own text.
func (rq *Requests) transcribeByChat(ctx context.Context, u usageReq, key domain.APIKey, id string, req *domain.TranscriptionRequest, once bool) (*domain.Transcription, error) {
	instruction := TranscribeInstruction
	stored := req.PromptName != ""
	if stored {
		instruction = req.Prompt
	}
	if req.Language != "" {
		instruction += " Language hint: " + req.Language + "."
	}
	if req.Prompt != "" && !stored {
		instruction += " Context: " + req.Prompt
	}
	chat := &domain.ChatRequest{
		Model: id, SendOnce: once,
		Messages: []domain.Message{{
			Role: "user",
			Content: domain.Content{Parts: []domain.ContentPart{
				{Type: domain.PartText, Text: instruction},
				{Type: domain.PartInputAudio, InputAudio: &domain.InputAudio{Data: base64.StdEncoding.EncodeToString(req.Audio), Format: req.Format}},
			}},
		}},
	}
	var ev domain.UsageEvent
	rec := rq.usageStart(ctx, &ev, u.scope, domain.EndpointTranscription, u.asked, id, nil)
	resp, err := rq.gw.ChatCompletion(ctx, key, chat)
	if rec {
		rq.recordChat(&ev, resp, err)
	}
	if err != nil {
		return nil, fmt.Errorf("transcription with %s: %w", id, err)
	}
	return &domain.Transcription{
		Text:  resp.Text(),
		Model: id,
		Usage: domain.TranscriptionUsage{Cost: resp.Usage.Cost, CostKnown: resp.Usage.CostKnown, InputTokens: resp.Usage.PromptTokens, OutputTokens: resp.Usage.CompletionTokens, TotalTokens: resp.Usage.TotalTokens},
	}, nil
}
