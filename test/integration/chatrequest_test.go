package integration

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/aimodels/aimodels/adapters/echoapi"
	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
)

// A chat request read by the HTTP adapter and written by the OpenRouter
// adapter keeps every field aimodels does not interpret, and the content
// kinds (parts, null) as sent.
func TestChatRequestRoundTripKeepsUnknownFields(t *testing.T) {
	in := `{"model":"text","messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"1"}]}],"temperature":0.2,"tools":[{"type":"function"}],"stream":true}`
	r, err := echoapi.DecodeChatRequest([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if r.Model != "text" || !r.Stream || len(r.Messages) != 2 || !r.HasPart(domain.PartImageURL) || string(r.Extra["temperature"]) != "0.2" {
		t.Fatalf("%+v", r)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	out, err := openrouter.EncodeChatRequest(r, true)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back["temperature"] != 0.2 || back["tools"] == nil || back["stream"] != true {
		t.Fatalf("round trip lost fields: %s", out)
	}
	msgs := back["messages"].([]any)
	if c, ok := msgs[1].(map[string]any)["content"]; !ok || c != nil {
		t.Fatalf("null content changed: %s", out)
	}
	if _, ok := msgs[1].(map[string]any)["tool_calls"]; !ok {
		t.Fatalf("tool_calls lost: %s", out)
	}
	// A client's stream flag never overrides the call's.
	out, _ = openrouter.EncodeChatRequest(r, false)
	var plain map[string]any
	if json.Unmarshal(out, &plain) != nil || plain["stream"] != nil {
		t.Fatalf("stream sent on a plain call: %s", out)
	}
	if _, err := echoapi.DecodeChatRequest([]byte(`{"model":`)); !errors.Is(err, echoapi.ErrMalformedJSON) {
		t.Errorf("truncated body: %v", err)
	}
	for _, bad := range []string{`[]`, `null`, `{"messages":"x"}`, `{"model":5}`, `{"stream":"yes"}`, `{"messages":[{"role":"user","content":5}]}`} {
		if _, err := echoapi.DecodeChatRequest([]byte(bad)); !errors.Is(err, domain.ErrValidation) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	// A key given twice counts once, the last, for what is validated and what is sent.
	r, err = echoapi.DecodeChatRequest([]byte(`{"model":"a","model":"text","messages":[{"role":"user","content":"hi"}],"top_p":1,"top_p":0.5}`))
	if err != nil || r.Model != "text" || string(r.Extra["top_p"]) != "0.5" {
		t.Fatalf("duplicate keys: %+v %v", r, err)
	}
}

// FuzzChatRequestDecode: any body either decodes or fails with a syntax or
// validation error (never a panic), and whatever decodes and validates is
// written for OpenRouter as JSON that reads back as the same request.
func FuzzChatRequestDecode(f *testing.F) {
	for _, s := range []string{
		`{"model":"text","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"image","messages":[{"role":"user","content":[{"type":"text","text":"what?"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}],"temperature":0.1}`,
		`{"model":"audio","stream":true,"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}`,
		`{"model":"x","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"1"}]}],"tools":[]}`,
		`{"messages":5}`, `[]`, `null`, `{"model":"\u0000"}`, `{"model":"a","model":"b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := echoapi.DecodeChatRequest(body)
		// The adapter's JSON library agrees with encoding/json on what is JSON.
		if malformed := errors.Is(err, echoapi.ErrMalformedJSON); malformed == json.Valid(body) {
			t.Fatalf("encoding/json says valid=%v, the decoder says %v", json.Valid(body), err)
		}
		if err != nil {
			if !errors.Is(err, domain.ErrValidation) && !errors.Is(err, echoapi.ErrMalformedJSON) {
				t.Fatalf("decode error is neither validation nor malformed JSON: %T %v", err, err)
			}
			return
		}
		// … and on the members of the object.
		var ref map[string]json.RawMessage
		if json.Unmarshal(body, &ref) != nil {
			t.Fatalf("encoding/json refuses what the decoder took: %q", body)
		}
		for k := range r.Extra {
			if _, ok := ref[k]; !ok {
				t.Fatalf("member %q not in encoding/json's reading", k)
			}
		}
		if len(r.Extra)+5 < len(ref) { // model, messages, stream, prompt, variables are read, not kept
			t.Fatalf("the decoder lost members: %d extra of %d", len(r.Extra), len(ref))
		}
		if r.Validate() != nil {
			return
		}
		out, err := openrouter.EncodeChatRequest(r, r.Stream)
		if err != nil {
			t.Fatalf("valid request does not encode: %v", err)
		}
		back, err := echoapi.DecodeChatRequest(out)
		if err != nil {
			t.Fatalf("encoded request does not decode: %v\n%s", err, out)
		}
		// The encoder asks a stream for its usage (the ledger reads the
		// cost from it) when the caller did not say: that member may be new.
		if _, asked := r.Extra["usage"]; r.Stream && !asked {
			if string(back.Extra["usage"]) != `{"include":true}` {
				t.Fatalf("a stream does not ask for usage: %s", out)
			}
			delete(back.Extra, "usage")
		}
		if back.Model != r.Model || len(back.Messages) != len(r.Messages) || back.Stream != r.Stream ||
			!slices.Equal(slices.Sorted(maps.Keys(back.Extra)), slices.Sorted(maps.Keys(r.Extra))) {
			t.Fatalf("round trip changed the request: %s", out)
		}
	})
}
