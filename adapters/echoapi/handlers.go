package echoapi

import (
	"bytes"
	"errors"
	json "github.com/goccy/go-json"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/core/domain"
)

// fail writes err as the JSON error response and logs the failures that
// are the server's or the upstream's (5xx) with their full detail.
func (a *api) fail(c echo.Context, err error) error {
	if status, code := StatusOf(err); status >= 500 {
		a.log.Warn("request failed", "method", c.Request().Method, "path", c.Path(), "status", status, "code", code, "error", err)
	}
	return WriteError(c, err)
}

// readJSON reads a JSON body: it must be declared application/json and be
// valid UTF-8. Whoever decodes it reports malformed JSON (errMalformed).
func readJSON(c echo.Context) ([]byte, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if mt, _, _ := mime.ParseMediaType(ct); mt != echo.MIMEApplicationJSON {
		return nil, echo.NewHTTPError(http.StatusUnsupportedMediaType, "Content-Type must be application/json")
	}
	presize := int64(maxPresizedBody)
	if c.Get(uploadSlotKey) != nil {
		presize = math.MaxInt64 // BodyLimit and the upload slots bound it
	}
	body, err := readBody(c.Request(), presize)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, he
		}
		return nil, echo.NewHTTPError(http.StatusBadRequest, "cannot read the request body")
	}
	if !utf8.Valid(body) {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "the request body is not valid UTF-8")
	}
	return body, nil
}

// readBody reads a request body in one allocation when its length is
// known and at most presize (BodyLimit has already refused one that is too
// long); a larger one grows with the bytes that actually arrive, so a
// client announcing a length it never sends holds no memory for it. A
// request holding an upload slot is read in one allocation whatever its
// length: the slots bound what such announcements can hold, and a 32 MB
// body read by doubling allocated 74 MB.
func readBody(r *http.Request, presize int64) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n <= presize {
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(r.Body)
}

// maxPresizedBody bounds what readBody allocates up front on the word of
// a Content-Length header.
const maxPresizedBody = 64 << 10

// errMalformed answers a body that is not JSON: a 400, never a 500.
var errMalformed = echo.NewHTTPError(http.StatusBadRequest, "malformed JSON")

// decodeStrict decodes a settings body, refusing unknown fields and
// anything after the value.
func decodeStrict(c echo.Context, v any) error {
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		return errMalformed
	}
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errMalformed
	}
	var ve *domain.ValidationError
	if errors.As(err, &ve) { // from a field's own UnmarshalJSON
		return ve
	}
	if err != nil {
		msg := "the JSON body does not have the expected shape"
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			msg = "field " + strconv.Quote(te.Field) + " must be " + te.Type.String()
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			msg = "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
		}
		return echo.NewHTTPError(http.StatusBadRequest, msg)
	}
	return nil
}

func (a *api) listModels(c echo.Context) error {
	refresh, _ := strconv.ParseBool(c.QueryParam("refresh"))
	view, err := a.models.Catalog(c.Request().Context(), refresh)
	if err != nil {
		return a.fail(c, err)
	}
	return a.catalog.serve(c, view)
}

func (a *api) selection(c echo.Context) error {
	sel, err := a.models.Selection(c.Request().Context(), a.scope(c))
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, selectionDTO(sel))
}

func (a *api) saveSelection(c echo.Context) error {
	var raw map[string]any
	if err := decodeStrict(c, &raw); err != nil {
		return a.fail(c, err)
	}
	choices := make(map[domain.ModelType]domain.SelectionChoice, len(raw))
	for k, v := range raw {
		t, err := domain.ParseModelType(k)
		if err != nil {
			return WriteError(c, &domain.ValidationError{Field: k, Reason: "unknown model type; use text, image or audio"})
		}
		ch, err := selectionChoice(k, v)
		if err != nil {
			return WriteError(c, err)
		}
		choices[t] = ch
	}
	sel, err := a.models.SaveChoices(c.Request().Context(), a.scope(c), choices)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, selectionDTO(sel))
}

// selectionChoice reads one type's value of PUT /settings/openrouter/selection:
// a model id, which keeps the type's fallbacks, or {"model": id,
// "fallbacks": [id, …]}, whose fallbacks replace the saved ones ([] clears
// them; absent or null keeps them).
func selectionChoice(k string, v any) (domain.SelectionChoice, error) {
	if id, ok := v.(string); ok {
		if strings.TrimSpace(id) == "" {
			return domain.SelectionChoice{}, &domain.ValidationError{Field: k, Reason: "must be a model id"}
		}
		return domain.SelectionChoice{Model: id, KeepFallbacks: true}, nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		return domain.SelectionChoice{}, &domain.ValidationError{Field: k, Reason: `must be a model id or {"model": id, "fallbacks": [id, …]}`}
	}
	for name := range o {
		if name != "model" && name != "fallbacks" {
			return domain.SelectionChoice{}, &domain.ValidationError{Field: k + "." + name, Reason: "unknown field; use model and fallbacks"}
		}
	}
	id, ok := o["model"].(string)
	if !ok || strings.TrimSpace(id) == "" {
		return domain.SelectionChoice{}, &domain.ValidationError{Field: k + ".model", Reason: "must be a model id"}
	}
	ch := domain.SelectionChoice{Model: id, KeepFallbacks: o["fallbacks"] == nil}
	if ch.KeepFallbacks {
		return ch, nil
	}
	list, ok := o["fallbacks"].([]any)
	if !ok {
		return domain.SelectionChoice{}, &domain.ValidationError{Field: k + ".fallbacks", Reason: "must be an array of model ids"}
	}
	if len(list) > domain.MaxFallbacks {
		return domain.SelectionChoice{}, &domain.ValidationError{Field: k + ".fallbacks", Reason: "at most " + strconv.Itoa(domain.MaxFallbacks) + " fallbacks"}
	}
	ch.Fallbacks = make([]string, len(list))
	for i, e := range list {
		if ch.Fallbacks[i], ok = e.(string); !ok {
			return domain.SelectionChoice{}, &domain.ValidationError{Field: k + ".fallbacks[" + strconv.Itoa(i) + "]", Reason: "must be a model id"}
		}
	}
	return ch, nil
}

func (a *api) balance(c echo.Context) error {
	b, err := a.account.Balance(c.Request().Context(), a.scope(c))
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, balanceDTO(b))
}

func (a *api) testConnection(c echo.Context) error {
	r := a.account.TestConnection(c.Request().Context(), a.scope(c))
	return c.JSON(http.StatusOK, ConnectionDTO{Success: r.Success, Message: r.Message, Status: string(r.Status)})
}

func (a *api) listKeys(c echo.Context) error {
	ks, err := a.keys.KeyStatuses(c.Request().Context(), a.scope(c))
	if err != nil {
		return a.fail(c, err)
	}
	out := KeysDTO{Keys: make([]KeyStatusDTO, len(ks))}
	for i, k := range ks {
		out.Keys[i] = keyStatusDTO(k)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *api) setKey(c echo.Context) error {
	var in KeyInput
	if err := decodeStrict(c, &in); err != nil {
		return a.fail(c, err)
	}
	st, err := a.keys.SetKey(c.Request().Context(), a.scope(c), c.Param("provider"), in.Key)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, keyStatusDTO(st))
}

func (a *api) deleteKey(c echo.Context) error {
	if err := a.keys.DeleteKey(c.Request().Context(), a.scope(c), c.Param("provider")); err != nil {
		return a.fail(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// chatCompletions is OpenAI-compatible: the upstream body is passed
// through unchanged; stream:true answers Server-Sent Events.
func (a *api) chatCompletions(c echo.Context) error {
	body, err := readJSON(c)
	if err != nil {
		return a.fail(c, err)
	}
	req, err := DecodeChatRequest(body)
	if err != nil {
		if errors.Is(err, ErrMalformedJSON) {
			err = errMalformed
		}
		return a.fail(c, err)
	}
	if req.Stream {
		return a.stream(c, req)
	}
	resp, err := a.requests.Complete(c.Request().Context(), a.scope(c), req)
	if err != nil {
		return a.fail(c, err)
	}
	if resp.Model != "" {
		// Which model served it, whatever the request named (an alias).
		c.Response().Header().Set("X-Aimodels-Model", resp.Model)
	}
	if len(resp.Raw) > 0 {
		return c.JSONBlob(http.StatusOK, resp.Raw)
	}
	return c.JSON(http.StatusOK, openAIResponse(resp, time.Now()))
}

var (
	sseData = []byte("data: ")
	sseEnd  = []byte("\n\n")
	sseDone = []byte("data: [DONE]\n\n")
)

// stream answers Server-Sent Events. The connection's write deadline,
// whatever the server set, is cleared for the stream and renewed before
// each event (Options.StreamWriteTimeout), so a stream lasts as long as
// its events come and the client takes them, and a client that stops
// reading is dropped when one event could not be written in time.
func (a *api) stream(c echo.Context, req *domain.ChatRequest) error {
	st, err := a.requests.Stream(c.Request().Context(), a.scope(c), req)
	if err != nil {
		return a.fail(c, err)
	}
	defer st.Close()
	w := c.Response()
	// Under Echo's Response, whose Flush hides write errors.
	rc := http.NewResponseController(w.Writer)
	_ = rc.SetWriteDeadline(time.Time{})
	renew := func() { _ = rc.SetWriteDeadline(time.Now().Add(a.streamTimeout)) }
	h := w.Header()
	if m, ok := st.(interface{ Model() string }); ok && m.Model() != "" {
		// Sent before any event, so it names the model asked first (an
		// alias resolved); each event's "model" says which one served.
		h.Set("X-Aimodels-Model", m.Model())
	}
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	renew()
	w.WriteHeader(http.StatusOK)
	if rc.Flush() != nil {
		return nil
	}
	for {
		ch, err := st.Recv()
		renew()
		if errors.Is(err, io.EOF) {
			_, _ = w.Write(sseDone)
			_ = rc.Flush()
			return nil
		}
		if err != nil {
			// Headers are sent: the error travels inside the stream, as
			// OpenRouter and OpenAI do, then the stream ends.
			_, body := errorBody(err)
			b, _ := json.Marshal(body)
			_, _ = w.Write(sseData)
			_, _ = w.Write(b)
			_, _ = w.Write(sseEnd)
			_, _ = w.Write(sseDone)
			_ = rc.Flush()
			a.log.Warn("stream ended with an error", "error", err)
			return nil
		}
		if _, werr := w.Write(sseData); werr != nil {
			return nil
		}
		data := ch.Data
		if bytes.IndexByte(data, '\n') >= 0 {
			// One SSE data line per event: a multi-line JSON event from
			// upstream would otherwise lose every line after the first.
			var buf bytes.Buffer
			if json.Compact(&buf, data) == nil {
				data = buf.Bytes()
			} else {
				data = bytes.ReplaceAll(data, []byte("\n"), []byte(" "))
			}
		}
		_, _ = w.Write(data)
		_, _ = w.Write(sseEnd)
		if rc.Flush() != nil {
			// The client did not take the event in time (or left).
			return nil
		}
	}
}

// TranscriptionInput is the JSON body of POST /audio/transcriptions
// (OpenRouter's shape).
type TranscriptionInput struct {
	Model      string `json:"model"`
	InputAudio struct {
		// Data is the audio in standard base64, decoded as the JSON is.
		Data   base64Audio `json:"data"`
		Format string      `json:"format"`
	} `json:"input_audio"`
	Language string `json:"language"`
	// Prompt names a stored audio prompt ("name" or "name@3"); Variables
	// fill its placeholders.
	Prompt         string          `json:"prompt"`
	Variables      promptVariables `json:"variables"`
	ResponseFormat string          `json:"response_format"`
	Temperature    *float64        `json:"temperature,omitempty"`
}

func (a *api) transcriptions(c echo.Context) error {
	req, format, err := readTranscription(c)
	if err != nil {
		return a.fail(c, err)
	}
	tr, err := a.requests.Transcribe(c.Request().Context(), a.scope(c), req)
	if err != nil {
		return a.fail(c, err)
	}
	if tr.Model != "" {
		// Which model served it: a fallback, when the first failed.
		c.Response().Header().Set("X-Aimodels-Model", tr.Model)
	}
	if format == "text" {
		return c.String(http.StatusOK, tr.Text)
	}
	return c.JSON(http.StatusOK, transcriptionOut(tr))
}

// transcriptionModel maps what a client names to what the core resolves:
// OpenAI clients must send a model such as "whisper-1", which is no
// OpenRouter id, so any name without an author ("/") means the scope's
// selected audio model.
func transcriptionModel(name string) string {
	if !strings.Contains(name, "/") {
		return string(domain.TypeAudio)
	}
	return name
}

// openapi answers the OpenAPI document; HEAD gets the same headers,
// Content-Length included, and no body.
func (a *api) openapi(c echo.Context) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(a.doc)))
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, a.doc)
}
