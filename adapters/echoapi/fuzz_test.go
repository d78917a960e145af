package echoapi_test

import (
	"encoding/json"
	"testing"

	"github.com/golang/mock/gomock"

	"github.com/aimodels/aimodels/core/domain"
)

// FuzzRequestDecoders sends arbitrary bodies to every route that decodes
// one. Whatever the body, the answer is never a 500, and every non-2xx
// answer is the JSON error shape. The service behind accepts anything, so
// what is tested is the decoding and validation in front of it.
func FuzzRequestDecoders(f *testing.F) {
	for _, s := range []string{
		`{"key":"sk-or-v1-0123456789abcdef0123456789abcdef"}`, `{"text":"openai/gpt-4o","video":"x"}`,
		`{"name":"n","type":"text","text":"t"}`, `{"name":"\xff","type":"text","text":"t"}`,
		`{"model":"text","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}`,
		`{"input_audio":{"data":"UklGRg==","format":"wav"}}`, `[]`, `{`, `null`, `{"key":5}`, `{"text":["a"]}`,
	} {
		f.Add([]byte(s), uint8(0))
	}
	routes := []struct{ method, path string }{
		{"PUT", "/api/v1/settings/api-keys/openrouter"},
		{"PUT", "/api/v1/settings/openrouter/selection"},
		{"POST", "/api/v1/settings/prompts"},
		{"PUT", "/api/v1/settings/prompts/3"},
		{"POST", "/api/v1/chat/completions"},
		{"POST", "/api/v1/audio/transcriptions"},
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		e, svc := newServer(t)
		svc.keys.EXPECT().SetKey(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Return(domain.KeyStatus{Provider: "openrouter"}, nil).AnyTimes()
		svc.models.EXPECT().SaveSelection(gomock.Any(), gomock.Any(), gomock.Any()).Return(domain.Selection{}, nil).AnyTimes()
		svc.prompts.EXPECT().CreatePrompt(gomock.Any(), gomock.Any(), gomock.Any()).Return(&domain.Prompt{ID: 1}, nil).AnyTimes()
		svc.prompts.EXPECT().UpdatePrompt(gomock.Any(), gomock.Any(), gomock.Any()).Return(&domain.Prompt{ID: 3}, nil).AnyTimes()
		svc.requests.EXPECT().Complete(gomock.Any(), gomock.Any(), gomock.Any()).Return(&domain.ChatResponse{Raw: json.RawMessage(`{}`)}, nil).AnyTimes()
		svc.requests.EXPECT().Stream(gomock.Any(), gomock.Any(), gomock.Any()).Return(&fakeStream{}, nil).AnyTimes()
		svc.requests.EXPECT().Transcribe(gomock.Any(), gomock.Any(), gomock.Any()).Return(&domain.Transcription{Text: "x"}, nil).AnyTimes()
		r := routes[int(which)%len(routes)]
		rec := do(e, call{method: r.method, path: r.path, body: string(body)})
		if rec.Code >= 500 {
			t.Fatalf("%s %s answered %d for %q: %s", r.method, r.path, rec.Code, body, rec.Body)
		}
		if rec.Code >= 300 {
			errCode(t, rec)
		}
	})
}
