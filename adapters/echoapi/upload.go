package echoapi

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/core/domain"
)

// errTooManyUploads answers a large upload beyond Options.MaxUploads.
var errTooManyUploads = echo.NewHTTPError(http.StatusServiceUnavailable,
	"too many large uploads are being processed; try again in a moment")

// uploadSlot is the middleware of the routes that take large bodies: the
// request holds one of Options.MaxUploads slots while it is read and
// served, or is answered 503 with Retry-After at once, its body unread.
// With always false only bodies over LargeBodyBytes or of unknown length
// take a slot.
func (a *api) uploadSlot(always bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a.uploads == nil {
				return next(c)
			}
			if n := c.Request().ContentLength; !always && n >= 0 && n <= LargeBodyBytes {
				return next(c)
			}
			select {
			case a.uploads <- struct{}{}:
				defer func() { <-a.uploads }()
				c.Set(uploadSlotKey, true)
				return next(c)
			default:
				c.Response().Header().Set("Retry-After", "1")
				return answerUnread(c, errTooManyUploads)
			}
		}
	}
}

// uploadSlotKey marks, in the echo.Context, a request holding an upload
// slot: its body is read in one allocation of its declared length.
const uploadSlotKey = "echoapi.upload_slot"

// Limits of the multipart fields other than the file.
const maxFormField = 4 << 10

// readTranscription reads a transcription request: OpenAI's multipart
// upload or OpenRouter's JSON, and the response format asked for. In both
// prompt names a stored audio prompt (not free text, as in OpenAI's API)
// and variables holds its values (in a multipart upload, a field holding
// a JSON object).
func readTranscription(c echo.Context) (*domain.TranscriptionRequest, string, error) {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt == echo.MIMEMultipartForm {
		return readMultipartTranscription(c.Request())
	}
	var in TranscriptionInput
	if err := decodeStrict(c, &in); err != nil {
		return nil, "", err
	}
	return &domain.TranscriptionRequest{Model: transcriptionModel(in.Model), Audio: in.InputAudio.Data, Format: in.InputAudio.Format,
		Language: in.Language, PromptName: in.Prompt, Variables: in.Variables}, in.ResponseFormat, nil
}

// readMultipartTranscription reads a multipart upload part by part, as it
// arrives: the file part into one buffer of at most domain.MaxAudioBytes
// (sized from the declared length when there is one), the other fields
// (at most 4 kB each) as text; nothing goes to temporary files and nothing
// is kept twice, unlike ParseMultipartForm.
func readMultipartTranscription(r *http.Request) (*domain.TranscriptionRequest, string, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", &domain.ValidationError{Field: "file", Reason: "a multipart/form-data body with a boundary is required"}
	}
	req := &domain.TranscriptionRequest{}
	var responseFormat, format, formatField, model string
	haveFile := false
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", readError(err, "the multipart body is malformed")
		}
		switch name := p.FormName(); name {
		case "file":
			if haveFile {
				return nil, "", &domain.ValidationError{Field: "file", Reason: "only one file part is allowed"}
			}
			haveFile = true
			data, err := readFilePart(p, r.ContentLength)
			if err != nil {
				return nil, "", err
			}
			req.Audio = data
			format = strings.TrimPrefix(strings.ToLower(path.Ext(p.FileName())), ".")
			if format == "" {
				format = strings.TrimPrefix(p.Header.Get(echo.HeaderContentType), "audio/")
			}
		case "model", "language", "prompt", "variables", "response_format", "format":
			b, err := io.ReadAll(io.LimitReader(p, maxFormField+1))
			if err != nil {
				return nil, "", readError(err, "cannot read the multipart body")
			}
			if len(b) > maxFormField {
				return nil, "", &domain.ValidationError{Field: name, Reason: "must be at most 4 kB"}
			}
			v := string(b)
			switch name {
			case "model":
				model = v
			case "language":
				req.Language = v
			case "prompt": // a stored prompt's name, as in the JSON body
				req.PromptName = v
			case "variables":
				var vars promptVariables
				if err := vars.UnmarshalJSON(b); err != nil {
					return nil, "", err
				}
				req.Variables = vars
			case "response_format":
				responseFormat = v
			case "format":
				formatField = v
			}
		default:
			// Fields OpenAI's API has and this one does not read
			// (temperature, timestamp_granularities[]): skipped.
			if _, err := io.Copy(io.Discard, p); err != nil {
				return nil, "", readError(err, "cannot read the multipart body")
			}
		}
		_ = p.Close()
	}
	if !haveFile {
		return nil, "", &domain.ValidationError{Field: "file", Reason: "a multipart file part named file is required"}
	}
	req.Model = transcriptionModel(model)
	req.Format = format
	if formatField != "" { // the field wins over the file's name and type
		req.Format = formatField
	}
	return req, responseFormat, nil
}

// readFilePart reads the file part into one buffer: of the declared body
// length (at most domain.MaxAudioBytes + 1) when there is one, growing
// with what arrives otherwise. More than domain.MaxAudioBytes is a
// validation error.
func readFilePart(p io.Reader, declared int64) ([]byte, error) {
	const limit = domain.MaxAudioBytes + 1
	size := 64 << 10
	if declared > 0 {
		size = int(min(declared, limit))
	}
	buf := make([]byte, 0, size)
	lr := io.LimitReader(p, limit)
	for {
		if len(buf) == cap(buf) {
			// Only a body longer than it said, or of unknown length,
			// gets here: grow by doubling, up to the limit.
			buf = slices.Grow(buf, max(1, min(cap(buf), limit-len(buf))))
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readError(err, "cannot read the uploaded file")
		}
	}
	if len(buf) > domain.MaxAudioBytes {
		return nil, &domain.ValidationError{Field: "file", Reason: "must be at most 25 MB"}
	}
	return buf, nil
}

// readError is what a failed read of the body answers: BodyLimit's 413
// when the body was too large, else a 400 saying msg.
func readError(err error, msg string) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the upload is too large")
	}
	return echo.NewHTTPError(http.StatusBadRequest, msg)
}

// base64Audio is input_audio.data of a JSON transcription: decoded from
// base64 straight out of the JSON text, so the body is decoded once and
// the audio held once (not as a string and then as bytes).
type base64Audio []byte

// UnmarshalJSON decodes a JSON string of standard base64; anything else
// is a validation error of input_audio.data.
func (b *base64Audio) UnmarshalJSON(data []byte) error {
	bad := &domain.ValidationError{Field: "input_audio.data", Reason: "must be base64"}
	if bytes.Equal(data, []byte("null")) {
		*b = nil
		return nil
	}
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return bad
	}
	src := data[1 : len(data)-1]
	if bytes.IndexByte(src, '\\') >= 0 {
		// Escaped (some encoders write "/" as "\/"): unquote first.
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return bad
		}
		src = []byte(s)
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	n, err := base64.StdEncoding.Decode(out, src)
	if err != nil {
		return bad
	}
	*b = out[:n]
	return nil
}
