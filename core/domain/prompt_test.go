package domain_test

import (
	"errors"
	"testing"

	"github.com/aimodels/aimodels/core/domain"
)

func TestParsePromptRef(t *testing.T) {
	for _, c := range []struct {
		in      string
		name    string
		version int
	}{
		{"reply-to-customer", "reply-to-customer", 0},
		{"reply-to-customer@3", "reply-to-customer", 3},
		{"ответ@12", "ответ", 12},
		{"x@999999999", "x", 999999999},
	} {
		r, err := domain.ParsePromptRef(c.in)
		if err != nil || r.Name != c.name || r.Version != c.version {
			t.Errorf("ParsePromptRef(%q) = %+v, %v; want %q version %d", c.in, r, err, c.name, c.version)
		}
		if r.String() != c.in {
			t.Errorf("%+v.String() = %q, want %q", r, r.String(), c.in)
		}
	}
	for _, bad := range []string{"reply@", "reply@0", "reply@03", "reply@-1", "reply@v3", "reply@3.0", "@3", " @3", "reply@1234567890", "a@b"} {
		_, err := domain.ParsePromptRef(bad)
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || ve.Field != "prompt" {
			t.Errorf("ParsePromptRef(%q) = %v, want a validation error of prompt", bad, err)
		}
	}
}

func TestPromptNameWithoutAt(t *testing.T) {
	p := domain.Prompt{Name: "support@acme", Type: domain.TypeText, Text: "x"}
	var ve *domain.ValidationError
	if err := p.Validate(); !errors.As(err, &ve) || ve.Field != "name" {
		t.Fatalf("a name with @: %v, want a validation error of name", err)
	}
}

func TestPromptVersionFill(t *testing.T) {
	v := domain.PromptVersion{PromptID: 4, Version: 2, Name: "r", Type: domain.TypeText, Text: "Hi {{who}}"}
	p := v.Prompt()
	got, err := p.Fill(map[string]string{"who": "Анна"})
	if err != nil || got != "Hi Анна" || p.Version != 2 || p.ID != 4 {
		t.Fatalf("version as prompt: %+v fill %q %v", p, got, err)
	}
}
