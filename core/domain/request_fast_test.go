package domain

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/aimodels/aimodels/core/domain/jsonscan"
)

var requestSeeds = []string{
	`{"model":"text","messages":[{"role":"user","content":"hi"}]}`,
	`{"model":"text","temperature":0.2,"max_tokens":256,"messages":[{"role":"system","content":"Sort.\nAnswer with one word."},{"role":"user","content":"I was charged twice \u2014 refund?"}]}`,
	`{"model":"image","messages":[{"role":"user","content":[{"type":"text","text":"what?"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}],"temperature":0.1}`,
	`{"model":"audio","stream":true,"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}`,
	`{"model":"x","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"1"}]},{"role":"tool","tool_call_id":"1","content":"42"}],"tools":[]}`,
	`{"model":"x","messages":[{"role":"assistant","content":"a","tool_calls":null}]}`,
	`{"model":"x","messages":[{"Role":"user","CONTENT":"case"}]}`,
	`{"model":"x","messages":[{"role":"user","content":"a","refusal":null}]}`,
	`{"model":"x","messages":[null,{"role":"user","content":"b"}]}`,
	`{"model":"x","messages":[5,{"role":"user","content":5}]}`,
	`{"model":"x","messages":[{"role":"user","role":null,"content":"twice"}]}`,
	`{"model":5,"model":"last wins"}`, `{"model":"first","model":5}`, `{"mod\u0065l":"escaped key"}`,
	`{"stream":null}`, `{"stream":"yes"}`, `{"stream":false,"stream":true}`, `{"messages":{}}`, `{"messages":5}`,
	`{"messages":[]}`, `{"messages":null}`, `{"model":null}`, `{"extra":{"a":[1,2]}, "x\"y":1}`,
	`[]`, `null`, `"str"`, `5`, `{`, ``, `{"model":"\u0000"}`, "{\"model\":\"\xff\"}", ` {"model":"sp"} `,
}

// FuzzChatRequestFastPath: the one-pass reading of a request gives what
// the encoding/json reading gives, value and error, for any input.
func FuzzChatRequestFastPath(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFastDecode(t, body)
	})
}

func TestChatRequestFastPathMatchesEncodingJSON(t *testing.T) {
	for _, s := range requestSeeds {
		checkFastDecode(t, []byte(s))
	}
}

func checkFastDecode(t *testing.T, body []byte) {
	t.Helper()
	var fast, slow ChatRequest
	errFast := fast.UnmarshalJSON(body)
	errSlow := slow.unmarshalSlow(jsonscan.Trim(body))
	if (errFast == nil) != (errSlow == nil) {
		t.Fatalf("%s: fast error %v, encoding/json error %v", body, errFast, errSlow)
	}
	if errFast != nil {
		var vf, vs *ValidationError
		if !errors.As(errFast, &vf) || !errors.As(errSlow, &vs) || vf.Field != vs.Field {
			t.Fatalf("%s: fast error %v, encoding/json error %v", body, errFast, errSlow)
		}
		return
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s:\nfast %#v\nslow %#v", body, fast, slow)
	}
	// Encoding: the same JSON as the encoding/json writer of the request.
	got, errGot := fast.MarshalJSON()
	want, errWant := referenceMarshal(slow)
	if errWant != nil {
		return // Extra or tool_calls that encoding/json cannot write
	}
	if errGot != nil {
		t.Fatalf("%s: MarshalJSON: %v", body, errGot)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: MarshalJSON wrote invalid JSON %s: %v", body, got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\nMarshalJSON %s\nreference   %s", body, got, want)
	}
}

// referenceMarshal is the reflection-based writer the fast one replaced.
func referenceMarshal(r ChatRequest) ([]byte, error) {
	type ref struct {
		Model    string    `json:"model"`
		Messages []Message `json:"messages"`
		Stream   bool      `json:"stream,omitempty"`
	}
	base, err := json.Marshal(ref{r.Model, r.Messages, r.Stream})
	if err != nil {
		return nil, err
	}
	m := map[string]json.RawMessage{}
	for k, v := range r.Extra {
		m[k] = v
	}
	var fixed map[string]json.RawMessage
	if err := json.Unmarshal(base, &fixed); err != nil {
		return nil, err
	}
	for k, v := range fixed {
		m[k] = v
	}
	if !r.Stream {
		delete(m, "stream")
	}
	return json.Marshal(m)
}

func TestMarshalRejectsInvalidExtra(t *testing.T) {
	r := ChatRequest{Model: "m", Extra: map[string]json.RawMessage{"temperature": json.RawMessage(`0.2,`)}}
	if _, err := r.MarshalJSON(); !errors.Is(err, ErrValidation) {
		t.Fatalf("invalid Extra: %v", err)
	}
	r.Extra = map[string]json.RawMessage{"b": json.RawMessage(`2`), "a": json.RawMessage(` {"x":1} `), "model": json.RawMessage(`"no"`)}
	got, err := r.MarshalJSON()
	if err != nil || string(got) != `{"model":"m","messages":null,"a":{"x":1},"b":2}` {
		t.Fatalf("MarshalJSON = %s, %v", got, err)
	}
}

func BenchmarkChatRequestDecode(b *testing.B) {
	body := []byte(requestSeeds[1])
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r ChatRequest
			if err := r.UnmarshalJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r ChatRequest
			if err := r.unmarshalSlow(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkChatRequestEncode(b *testing.B) {
	var r ChatRequest
	if err := r.UnmarshalJSON([]byte(requestSeeds[1])); err != nil {
		b.Fatal(err)
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := referenceMarshal(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
