package openrouter

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

func chatSeeds(tb testing.TB) [][]byte {
	seeds := [][]byte{
		[]byte(`{"id":"a","model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"cost":0.0001}}`),
		[]byte(`{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"image","x":1},{"type":"text","text":"b"}]}}]}`),
		[]byte(`{"choices":[{"message":{"content":null},"finish_reason":null}],"usage":null}`),
		[]byte(`{"choices":[{"message":null}],"error":null}`),
		[]byte(`{"choices":null}`), []byte(`{}`), []byte(`[]`), []byte(`null`), []byte(`{"choices":[]}`),
		[]byte(`{"choices":[5]}`), []byte(`{"choices":[{"index":1.5}]}`), []byte(`{"choices":[{"index":"1"}]}`),
		[]byte(`{"ID":"upper","choices":[]}`), []byte(`{"id":"a","id":"b","choices":[]}`),
		[]byte(`{"error":{"code":402,"message":"no credits"},"choices":[]}`), []byte(`{"Error":{"code":429,"message":"slow"}}`),
		[]byte(`{"choices":[{"message":{"content":"caf\u00e9 \ud83d\ude00\n"}}],"usage":{"cost":1e400}}`),
		[]byte(`{"choices":[{"index":9223372036854775808}]}`), []byte(`{"choices":[{"index":-0}]}`),
		[]byte(`{"choices":[{"MESSAGE":{"content":"x"}}]}`), []byte(`{"choices":[{"message":{"Content":"x"}}]}`),
		[]byte(` {"choices":[]} `), []byte(`{"choices":[]`), []byte(``),
	}
	dir, err := openroutertest.FixturesDir()
	if err == nil {
		for _, name := range []string{"chat-completion-google.json", "chat-completion-tool-call.json"} {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				seeds = append(seeds, b)
			} else {
				tb.Fatal(err)
			}
		}
	}
	return seeds
}

// FuzzParseChatResponseFastPath: the one-pass reading of a completion
// gives what encoding/json gives, value and error, for any body.
func FuzzParseChatResponseFastPath(f *testing.F) {
	for _, s := range chatSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkChatFast(t, body) })
}

func TestParseChatResponseFastPathMatchesEncodingJSON(t *testing.T) {
	fastCount := 0
	for _, s := range chatSeeds(t) {
		if _, ok := parseChatFast(s); ok {
			fastCount++
		}
		checkChatFast(t, s)
	}
	if fastCount < 5 {
		t.Fatalf("only %d seeds took the fast path", fastCount)
	}
}

func checkChatFast(t *testing.T, body []byte) {
	t.Helper()
	got, errGot := ParseChatResponse(body)
	want, errWant := parseChatSlow(body)
	if (errGot == nil) != (errWant == nil) {
		t.Fatalf("%s: error %v, encoding/json error %v", body, errGot, errWant)
	}
	if errGot != nil {
		var ug, uw *domain.UpstreamError
		if !errors.As(errGot, &ug) || !errors.As(errWant, &uw) || ug.Kind != uw.Kind || ug.Message != uw.Message {
			t.Fatalf("%s: error %v, encoding/json error %v", body, errGot, errWant)
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\nfast %#v\nslow %#v", body, got, want)
	}
}

func BenchmarkParseChatResponse(b *testing.B) {
	dir, err := openroutertest.FixturesDir()
	if err != nil {
		b.Skip(err)
	}
	body, err := os.ReadFile(filepath.Join(dir, "chat-completion-google.json"))
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []struct {
		name  string
		parse func([]byte) (*domain.ChatResponse, error)
	}{{"fast", ParseChatResponse}, {"encoding-json", parseChatSlow}} {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.parse(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
