package domain_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/aimodels/aimodels/core/domain"
)

// FuzzChatRequestDecode: any body either decodes or fails with a
// validation error (never a panic), and whatever decodes and validates
// re-encodes to JSON that decodes to the same model and message count.
func FuzzChatRequestDecode(f *testing.F) {
	for _, s := range []string{
		`{"model":"text","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"image","messages":[{"role":"user","content":[{"type":"text","text":"what?"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}],"temperature":0.1}`,
		`{"model":"audio","stream":true,"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}`,
		`{"model":"x","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"1"}]}],"tools":[]}`,
		`{"messages":5}`, `[]`, `null`, `{"model":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var r domain.ChatRequest
		if err := json.Unmarshal(body, &r); err != nil {
			var se *json.SyntaxError
			if !errors.Is(err, domain.ErrValidation) && !errors.As(err, &se) {
				t.Fatalf("decode error is neither validation nor syntax: %T %v", err, err)
			}
			return
		}
		if r.Validate() != nil {
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("valid request does not encode: %v", err)
		}
		var back domain.ChatRequest
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-encoded request does not decode: %v\n%s", err, out)
		}
		if back.Model != r.Model || len(back.Messages) != len(r.Messages) || back.Stream != r.Stream {
			t.Fatalf("round trip changed the request: %s", out)
		}
	})
}
