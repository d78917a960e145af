package domain_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

func TestParseDecimalExact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"0.0000005", "0.0000005"}, {"0", "0"}, {"-1", "-1"}, {"12", "12"}, {"1e-7", "0.0000001"},
		{"0.00000333", "0.00000333"}, {"0.0000166667", "0.0000166667"}, {"100.50", "100.5"}, {"+2", "2"}, {"2.5E3", "2500"},
	}
	for _, c := range cases {
		d, err := domain.ParseDecimal(c.in)
		if err != nil || d.String() != c.want {
			t.Errorf("ParseDecimal(%q) = %s, %v; want %s", c.in, d, err, c.want)
		}
	}
	for _, bad := range []string{"", "abc", "1.2.3", "-", ".", "1e", "NaN", "0x10", "12345678901234567890"} {
		if _, err := domain.ParseDecimal(bad); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", bad)
		}
	}
}

func TestPriceFormatting(t *testing.T) {
	cases := []struct{ in, want string }{
		{"0.0000005", "$0.50/1M tokens"}, {"0.0000015", "$1.50/1M tokens"}, {"0", "free"}, {"-1", "variable"},
		{"0.00001", "$10.00/1M tokens"}, {"0.000000001", "$0.001/1M tokens"}, {"0.00000045", "$0.45/1M tokens"},
		{"0.000000005", "$0.005/1M tokens"}, {"0.0000000000001", "<$0.000001/1M tokens"}, {"0.00006", "$60.00/1M tokens"},
		{"0.000000125", "$0.13/1M tokens"}, {"x", ""},
	}
	for _, c := range cases {
		if got := domain.ParsePrice(c.in).PerMillionTokens(); got != c.want {
			t.Errorf("PerMillionTokens(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := domain.ParsePrice("0.006").PerUnit("min"); got != "$0.006/min" {
		t.Errorf("per minute = %q", got)
	}
	if got := domain.FormatUSD(domain.MustDecimal("239.26104433")); got != "$239.26" {
		t.Errorf("FormatUSD = %q", got)
	}
	if got := domain.FormatUSD(domain.MustDecimal("-2.5")); got != "-$2.50" {
		t.Errorf("negative = %q", got)
	}
}

func TestPriceFloatWouldRound(t *testing.T) {
	// The float64 route gives 0.49999999999999994 for this price; exact decimals do not.
	f := 0.0000005 * 1e6
	if fmt.Sprintf("%.20f", f) == "0.50000000000000000000" {
		t.Skip("this platform's float happens to be exact")
	}
	if got := domain.MustDecimal("0.0000005").Shift(6).String(); got != "0.5" {
		t.Fatalf("exact shift = %s", got)
	}
}

func TestClassify(t *testing.T) {
	T, I, A := domain.TypeText, domain.TypeImage, domain.TypeAudio
	cases := []struct {
		in, out []string
		want    []domain.ModelType
	}{
		{[]string{"text"}, []string{"text"}, []domain.ModelType{T}},
		{[]string{"text", "image"}, []string{"text"}, []domain.ModelType{T, I}},
		{[]string{"image"}, []string{"text"}, []domain.ModelType{I}},
		{[]string{"audio"}, []string{"transcription"}, []domain.ModelType{A}},
		{[]string{"text", "audio"}, []string{"text", "audio"}, []domain.ModelType{T, A}},
		{[]string{"text"}, []string{"embeddings"}, nil},
		{[]string{"text"}, []string{"speech"}, nil},
		{[]string{"text", "image"}, []string{"image"}, nil},
		{[]string{"text", "image"}, []string{"video"}, nil},
		{[]string{"text"}, []string{"rerank"}, nil},
	}
	for _, c := range cases {
		got := domain.Classify(c.in, c.out)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("Classify(%v, %v) = %v, want %v", c.in, c.out, got, c.want)
		}
	}
}

func TestSplitName(t *testing.T) {
	cases := []struct{ id, name, display, provider string }{
		{"openai/gpt-3.5-turbo", "OpenAI: GPT-3.5 Turbo", "GPT-3.5 Turbo", "OpenAI"},
		{"qwen/qwen3-reranker-8b", "Qwen3 Reranker 8B", "Qwen3 Reranker 8B", "qwen"},
		{"~openai/gpt-latest", "OpenAI GPT Latest", "OpenAI GPT Latest", "openai"},
		{"x-ai/grok-stt-1.0", "SpaceXAI: Grok STT 1.0", "Grok STT 1.0", "SpaceXAI"},
		{"a/b", "", "a/b", "a"},
		{"noauthor", "Name: ", "Name:", "noauthor"},
	}
	for _, c := range cases {
		d, p := domain.SplitName(c.id, c.name)
		if d != c.display || p != c.provider {
			t.Errorf("SplitName(%q, %q) = %q, %q", c.id, c.name, d, p)
		}
	}
}

func TestMaskAndRedaction(t *testing.T) {
	key := "sk-or-v1-0123456789abcdef0123456789abcdef"
	if got := domain.MaskKey(key); got != "sk-or-v1-…cdef" {
		t.Errorf("mask = %q", got)
	}
	k := domain.APIKey(key)
	b, _ := json.Marshal(map[string]any{"k": k})
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %s %#v %+v", k, k, k, k), string(b)} {
		if strings.Contains(s, "0123456789") {
			t.Errorf("key leaks through formatting: %s", s)
		}
	}
	if k.Reveal() != key {
		t.Error("Reveal lost the key")
	}
}

func TestComputeBalance(t *testing.T) {
	d := domain.MustDecimal
	b := domain.ComputeBalance(domain.KeyInfo{Usage: d("0.004")}, &domain.Credits{TotalCredits: d("300"), TotalUsage: d("60.73895567")})
	if !b.CreditsKnown || !b.BalanceKnown || b.Balance.String() != "239.26104433" || b.Usage.String() != "60.73895567" {
		t.Fatalf("%+v", b)
	}
	unknown := domain.ComputeBalance(domain.KeyInfo{Usage: d("0.65")}, nil)
	if unknown.CreditsKnown || unknown.BalanceKnown || unknown.Usage.String() != "0.65" {
		t.Fatalf("%+v", unknown)
	}
	// A key limit below what the account holds is what can be spent.
	lr := d("12.5")
	limited := domain.ComputeBalance(domain.KeyInfo{LimitRemaining: &lr}, &domain.Credits{TotalCredits: d("300"), TotalUsage: d("60")})
	if !limited.BalanceKnown || limited.Balance.String() != "12.5" {
		t.Fatalf("%+v", limited)
	}
	onlyKey := domain.ComputeBalance(domain.KeyInfo{LimitRemaining: &lr}, nil)
	if !onlyKey.BalanceKnown || onlyKey.CreditsKnown || onlyKey.Balance.String() != "12.5" {
		t.Fatalf("%+v", onlyKey)
	}
}

func TestDecimalArithmetic(t *testing.T) {
	d := domain.MustDecimal
	cases := []struct{ a, b, sum, diff string }{
		{"0.1", "0.2", "0.3", "-0.1"},
		{"300", "60.73895567", "360.73895567", "239.26104433"},
		{"0.0000005", "0", "0.0000005", "0.0000005"},
		{"-1.5", "1.5", "0", "-3"},
		{"999999999999999999", "1", "1000000000000000000", "999999999999999998"},
		{"0.000000000000000001", "1", "1", "-0.999999999999999999"}, // the sum has 19 significant digits: rounded to 18
	}
	for _, c := range cases {
		if got := d(c.a).Add(d(c.b)).String(); got != c.sum {
			t.Errorf("%s + %s = %s, want %s", c.a, c.b, got, c.sum)
		}
		if got := d(c.a).Sub(d(c.b)).String(); got != c.diff {
			t.Errorf("%s - %s = %s, want %s", c.a, c.b, got, c.diff)
		}
	}
	if d("0.3").Cmp(d("0.30")) != 0 || d("0.1").Cmp(d("0.2")) != -1 || d("2").Cmp(d("-3")) != 1 {
		t.Error("Cmp")
	}
	// A thousand costs of $0.000123 add up to exactly $0.123.
	var total domain.Decimal
	for range 1000 {
		total = total.Add(d("0.000123"))
	}
	if total.String() != "0.123" {
		t.Errorf("sum = %s", total)
	}
}

// retryAfterErr is an adapter's error that knows how long to wait.
type retryAfterErr struct{ wait time.Duration }

func (e retryAfterErr) Error() string             { return "slow down" }
func (e retryAfterErr) Unwrap() error             { return domain.ErrRateLimited }
func (e retryAfterErr) RetryAfter() time.Duration { return e.wait }

func TestErrorsAreTyped(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", retryAfterErr{2 * time.Second})
	if !errors.Is(err, domain.ErrRateLimited) || domain.RetryAfterOf(err) != 2*time.Second {
		t.Fatal("rate limit not typed")
	}
	if domain.RetryAfterOf(errors.New("plain")) != 0 {
		t.Fatal("RetryAfterOf of a plain error")
	}
	if !errors.Is(&domain.ValidationError{Field: "x"}, domain.ErrValidation) {
		t.Fatal("validation not typed")
	}
	if !errors.Is(&domain.StoreError{Kind: domain.ErrNotFound}, domain.ErrNotFound) {
		t.Fatal("store error not typed")
	}
}

func FuzzPriceFormatting(f *testing.F) {
	for _, s := range []string{"0.0000005", "0", "-1", "1e-7", "0.0000166667", "12345678901234567", "9e99", "0.000000000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := domain.ParsePrice(s)
		out := p.PerMillionTokens()
		if !p.Known {
			if out != "" {
				t.Fatalf("unknown price formatted as %q", out)
			}
			return
		}
		if p.Amount.Sign() < 0 && out != "variable" {
			t.Fatalf("negative price %q shown as %q", s, out)
		}
		if strings.Contains(out, "-") {
			t.Fatalf("negative amount shown: %q", out)
		}
		back, err := domain.ParseDecimal(p.Amount.String())
		if err != nil || !back.Equal(p.Amount) {
			t.Fatalf("String() does not round-trip for %q: %q", s, p.Amount.String())
		}
	})
}

func TestPromptNamesPeopleCannotSee(t *testing.T) {
	for _, name := range []string{"a\x00b", "a\x1b[31mred", "two\r\nlines", "tab\there", "rtl\u202eevil", "iso\u2066late"} {
		p := domain.Prompt{Name: name, Type: domain.TypeText, Text: "t"}
		var ve *domain.ValidationError
		if err := p.Validate(); !errors.As(err, &ve) || ve.Field != "name" {
			t.Errorf("%q accepted: %v", name, err)
		}
	}
	for _, name := range []string{"reply-to-customer", "Ответ клиенту", "emoji 👩‍💻 joined", "café"} {
		p := domain.Prompt{Name: name, Type: domain.TypeText, Text: "t"}
		if err := p.Validate(); err != nil {
			t.Errorf("%q refused: %v", name, err)
		}
	}
}

func TestPromptFill(t *testing.T) {
	p := domain.Prompt{Name: "reply", Text: "Reply to {{customer}} in a {{ tone }} tone. Sign as {{customer}}'s agent. {{x}}"}
	if got := strings.Join(p.Placeholders(), ","); got != "customer,tone,x" {
		t.Fatalf("placeholders %s", got)
	}
	out, err := p.Fill(map[string]string{"customer": "Анна", "tone": "warm", "x": "{{tone}}"})
	if err != nil || out != "Reply to Анна in a warm tone. Sign as Анна's agent. {{tone}}" {
		t.Fatalf("%q %v", out, err)
	}
	_, err = p.Fill(map[string]string{"customer": "A"})
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || ve.Field != "variables" || !strings.Contains(ve.Reason, "tone, x") {
		t.Fatalf("missing values: %v", err)
	}
	plain := domain.Prompt{Text: "No placeholders {here}."}
	if out, err := plain.Fill(nil); err != nil || out != plain.Text {
		t.Fatalf("%q %v", out, err)
	}
}
