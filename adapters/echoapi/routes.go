package echoapi

import (
	"log/slog"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Body limits.
const (
	// SettingsBodyLimit bounds settings bodies (keys, selection, prompts).
	SettingsBodyLimit = "1M"
	// RequestBodyLimit bounds chat bodies: images and up to 25 MB of audio
	// inline as base64 (a third larger).
	RequestBodyLimit = "35M"
	// TranscriptionBodyLimit bounds audio uploads: 25 MB of audio as base64
	// in JSON, or as a multipart file.
	TranscriptionBodyLimit = "35M"
)

// Options configure Register.
type Options struct {
	// Scope returns the tenant or workspace of a request; default: "default".
	Scope func(c echo.Context) string
	// Logger receives handler-level logs; default: discard.
	Logger *slog.Logger
	// Prefix is the path prefix the group is mounted at, used in the
	// OpenAPI document's paths (default "/api/v1").
	Prefix string
	// StreamWriteTimeout is how long one event of a chat completion
	// stream may take to be written to its client: a client that stops
	// reading is dropped after it (default DefaultStreamWriteTimeout).
	StreamWriteTimeout time.Duration
	// MaxUploads is how many requests with a large body (every
	// transcription, and chat completions whose body is over
	// LargeBodyBytes or of unknown length) are read and served at once;
	// beyond it they are refused with 503 and Retry-After before their
	// body is read. 0 means DefaultMaxUploads; negative, no limit.
	MaxUploads int
}

// Defaults of Options.
const (
	DefaultStreamWriteTimeout = 30 * time.Second
	DefaultMaxUploads         = 4
	// LargeBodyBytes is the size from which a chat completion body counts
	// as a large upload (Options.MaxUploads).
	LargeBodyBytes = 1 << 20
)

// route is one API route. The same table registers the routes and
// generates the OpenAPI document, so the two cannot drift apart.
type route struct {
	method  string
	path    string
	summary string
	tag     string
	limit   string
	body    string // OpenAPI request schema name, "" for none
	resp    string // OpenAPI success schema name
	status  int    // success status
	params  []string
	upload  uploadKind // whether the request takes an upload slot
	stream  bool       // with "stream": true the success is text/event-stream
	plain   bool       // the success may be text/plain (response_format=text)
	public  bool       // answered without the bearer token (BearerAuth's Public)
	csv     bool       // the success is text/csv (resp unused)
	handle  func(a *api, c echo.Context) error
}

// uploadKind says which requests of a route hold one of the
// Options.MaxUploads slots.
type uploadKind int

const (
	noUpload     uploadKind = iota
	largeUpload             // bodies over LargeBodyBytes or of unknown length
	alwaysUpload            // every request
)

func routes() []route {
	return append([]route{
		{method: "GET", path: "/settings/openrouter/models", summary: "Models grouped by type (text, image, audio); ?refresh=true bypasses the cache", tag: "models", resp: "GroupedModels", status: 200, params: []string{"refresh"}, handle: (*api).listModels},
		{method: "GET", path: "/models", summary: "OpenAI-compatible model list: the aliases text, image and audio first (each naming the model it resolves to in alias_for), then every catalog model; ?offset= and ?limit= page it", tag: "models", resp: "OpenAIModelList", status: 200, params: []string{"offset", "limit"}, handle: (*api).modelList},
		{method: "GET", path: "/models/:id", summary: "One model of the list by alias (text, image, audio)", tag: "models", resp: "OpenAIModel", status: 200, handle: (*api).oneModel},
		{method: "GET", path: "/models/:author/:slug", summary: "One model of the list by OpenRouter id (author/slug)", tag: "models", resp: "OpenAIModel", status: 200, handle: (*api).oneModel},
		{method: "GET", path: "/settings/openrouter/selection", summary: "The selected (or recommended) model of every type", tag: "models", resp: "Selection", status: 200, handle: (*api).selection},
		{method: "PUT", path: "/settings/openrouter/selection", summary: "Save the model of one or more types", tag: "models", limit: SettingsBodyLimit, body: "SelectionInput", resp: "Selection", status: 200, handle: (*api).saveSelection},
		{method: "GET", path: "/settings/openrouter/balance", summary: "What the account can still spend and what it spent", tag: "account", resp: "Balance", status: 200, handle: (*api).balance},
		{method: "POST", path: "/settings/openrouter/try", summary: "Try a model before choosing it: a tiny real request of the type (text: a short fixed question; image: a small picture shipped in the binary, described; audio: a short spoken clip shipped in the binary, transcribed) to the model (absent: the type's selected model), through the normal request path, with the answer, latency, usage and cost (usage.cost)", tag: "try", limit: SettingsBodyLimit, body: "TryInput", resp: "Try", status: 200, handle: (*api).try},
		{method: "POST", path: "/settings/openrouter/test-connection", summary: "Check the stored key against OpenRouter", tag: "account", resp: "Connection", status: 200, handle: (*api).testConnection},
		{method: "GET", path: "/settings/api-keys", summary: "Masked API keys", tag: "keys", resp: "Keys", status: 200, handle: (*api).listKeys},
		{method: "PUT", path: "/settings/api-keys/:provider", summary: "Store or replace a provider's API key (encrypted)", tag: "keys", limit: SettingsBodyLimit, body: "KeyInput", resp: "KeyStatus", status: 200, handle: (*api).setKey},
		{method: "DELETE", path: "/settings/api-keys/:provider", summary: "Delete a provider's API key", tag: "keys", status: 204, handle: (*api).deleteKey},
		{method: "GET", path: "/settings/prompts", summary: "List prompts by name, a page at a time: ?type= filters, ?limit= (default 100, at most 500), ?cursor= continues", tag: "prompts", resp: "Prompts", status: 200, params: []string{"type", "limit", "cursor"}, handle: (*api).listPrompts},
		{method: "POST", path: "/settings/prompts", summary: "Create a prompt", tag: "prompts", limit: SettingsBodyLimit, body: "PromptInput", resp: "Prompt", status: 201, handle: (*api).createPrompt},
		{method: "GET", path: "/settings/prompts/:id", summary: "Get a prompt", tag: "prompts", resp: "Prompt", status: 200, handle: (*api).getPrompt},
		{method: "PUT", path: "/settings/prompts/:id", summary: "Replace a prompt", tag: "prompts", limit: SettingsBodyLimit, body: "PromptInput", resp: "Prompt", status: 200, handle: (*api).updatePrompt},
		{method: "DELETE", path: "/settings/prompts/:id", summary: "Delete a prompt", tag: "prompts", status: 204, handle: (*api).deletePrompt},
		{method: "GET", path: "/settings/prompts/:id/versions", summary: "A prompt's versions, newest first, a page at a time: ?limit= (default 50, at most 500), ?cursor= continues", tag: "prompts", resp: "PromptVersions", status: 200, params: []string{"limit", "cursor"}, handle: (*api).listPromptVersions},
		{method: "POST", path: "/settings/prompts/:id/versions/:version/restore", summary: "Save an earlier version's type and text as the prompt's new latest version (the history is kept)", tag: "prompts", resp: "Prompt", status: 200, handle: (*api).restorePromptVersion},
		{method: "POST", path: "/chat/completions", summary: "OpenAI-compatible chat completion; model may be text, image, audio or a model id; stream supported", tag: "requests", limit: RequestBodyLimit, body: "ChatRequest", resp: "ChatCompletion", status: 200, upload: largeUpload, stream: true, handle: (*api).chatCompletions},
		{method: "POST", path: "/audio/transcriptions", summary: "Transcribe audio with the selected audio model (JSON with base64 input_audio, or multipart file)", tag: "requests", limit: TranscriptionBodyLimit, body: "TranscriptionInput", resp: "Transcription", status: 200, upload: alwaysUpload, plain: true, handle: (*api).transcriptions},
		{method: "GET", path: "/openapi.json", summary: "This OpenAPI document", tag: "meta", resp: "OpenAPI", status: 200, public: true, handle: (*api).openapi},
		{method: "HEAD", path: "/openapi.json", summary: "The headers GET /openapi.json answers, without the body", tag: "meta", status: 200, public: true, handle: (*api).openapi},
	}, usageRoutes()...)
}

// Services are the driving ports the routes call, one per group of
// routes; a nil one leaves its routes out (the OpenAPI document still
// describes them all). All fills every field from one ports.Service.
type Services struct {
	Models   ports.ModelService   // catalog and selection
	Account  ports.AccountService // balance and connection test
	Keys     ports.KeyService     // API keys
	Prompts  ports.PromptService  // prompts
	Requests ports.RequestService // chat completions and transcriptions
	Usage    ports.UsageService   // the usage ledger's reports
	Try      ports.TryService     // trying a model before choosing it
}

// All returns Services that call svc for every route.
func All(svc ports.Service) Services {
	return Services{Models: svc, Account: svc, Keys: svc, Prompts: svc, Requests: svc, Usage: svc, Try: svc}
}

// present reports whether the service of a route's tag is set.
func (s Services) present(tag string) bool {
	switch tag {
	case "models":
		return s.Models != nil
	case "account":
		return s.Account != nil
	case "keys":
		return s.Keys != nil
	case "prompts":
		return s.Prompts != nil
	case "usage":
		return s.Usage != nil
	case "requests":
		return s.Requests != nil
	case "try":
		return s.Try != nil
	}
	return true
}

type api struct {
	models   ports.ModelService
	account  ports.AccountService
	keys     ports.KeyService
	prompts  ports.PromptService
	requests ports.RequestService
	usage    ports.UsageService
	tryer    ports.TryService
	log      *slog.Logger
	scope    func(echo.Context) string
	catalog  catalogEncoder
	list     listEncoder
	prefix   string
	doc      []byte

	streamTimeout time.Duration
	uploads       chan struct{} // a slot per upload in progress; nil: no limit
}

// Register mounts the API routes of svc on g (typically
// e.Group("/api/v1", auth)). Authentication is the caller's: the aimodels
// binary uses BearerAuth; an importing service may use its own.
func Register(g *echo.Group, svc Services, opts Options) {
	a := &api{models: svc.Models, account: svc.Account, keys: svc.Keys, prompts: svc.Prompts, requests: svc.Requests, usage: svc.Usage,
		tryer: svc.Try, log: opts.Logger, scope: opts.Scope, prefix: opts.Prefix}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.scope == nil {
		a.scope = func(echo.Context) string { return domain.DefaultScope }
	}
	if a.prefix == "" {
		a.prefix = "/api/v1"
	}
	a.streamTimeout = opts.StreamWriteTimeout
	if a.streamTimeout <= 0 {
		a.streamTimeout = DefaultStreamWriteTimeout
	}
	switch n := opts.MaxUploads; {
	case n == 0:
		a.uploads = make(chan struct{}, DefaultMaxUploads)
	case n > 0:
		a.uploads = make(chan struct{}, n)
	}
	a.doc = buildOpenAPI(strings.TrimSuffix(a.prefix, "/"))
	for _, r := range routes() {
		if !svc.present(r.tag) {
			continue
		}
		var mw []echo.MiddlewareFunc
		if r.limit != "" {
			mw = append(mw, middleware.BodyLimit(r.limit))
		}
		if r.upload != noUpload {
			mw = append(mw, a.uploadSlot(r.upload == alwaysUpload))
		}
		h := r.handle
		g.Add(r.method, r.path, func(c echo.Context) error { return h(a, c) }, mw...)
	}
}
