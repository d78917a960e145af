package domain

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Prompt is a text that the application sends to a model of one type.
type Prompt struct {
	ID        int64
	Scope     string
	Name      string
	Type      ModelType
	Text      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PromptQuery selects prompts of one scope in their order: by name (byte
// order), then ID.
type PromptQuery struct {
	// Type keeps only prompts of this type; "" keeps every type.
	Type ModelType
	// AfterName and AfterID continue after the prompt with this name and
	// ID (the last one of the previous page); empty name for the start.
	AfterName string
	AfterID   int64
	// Limit bounds how many are returned; 0 means no bound.
	Limit int
}

// PromptPage is one page of prompts; Next continues after its last one
// and is empty on the last page.
type PromptPage struct {
	Prompts []Prompt
	Next    string
}

// Prompt list bounds.
const (
	DefaultPromptPage = 100
	MaxPromptPage     = 500
	// DefaultMaxPromptsPerScope is how many prompts a scope may keep unless configured.
	DefaultMaxPromptsPerScope = 10_000
)

// Prompt field bounds.
const (
	MaxPromptNameLength = 200
	MaxPromptTextLength = 100_000
)

// placeholder is {{name}} in a prompt's text, spaces inside the braces allowed.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}`)

// Placeholders returns the names of the {{name}} placeholders in the
// prompt's text, each once, in order of first use.
func (p *Prompt) Placeholders() []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(p.Text, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// Fill returns the prompt's text with every {{name}} replaced by
// vars[name]. A placeholder without a value is a *ValidationError naming
// it; values are inserted as they are (a value's own braces are not
// expanded again).
func (p *Prompt) Fill(vars map[string]string) (string, error) {
	var missing []string
	for _, name := range p.Placeholders() {
		if _, ok := vars[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return "", &ValidationError{Field: "variables", Reason: "prompt " + strconv.Quote(p.Name) + " needs a value for " + strings.Join(missing, ", ")}
	}
	return placeholder.ReplaceAllStringFunc(p.Text, func(m string) string {
		return vars[placeholder.FindStringSubmatch(m)[1]]
	}), nil
}

// invisible reports a rune that changes how a name looks without being
// seen: a control character or a bidirectional embedding or override.
func invisible(r rune) bool {
	return unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// Validate trims the name and checks every field.
func (p *Prompt) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	switch {
	case p.Name == "":
		return &ValidationError{Field: "name", Reason: "is required"}
	case !utf8.ValidString(p.Name):
		return &ValidationError{Field: "name", Reason: "must be valid UTF-8"}
	case utf8.RuneCountInString(p.Name) > MaxPromptNameLength:
		return &ValidationError{Field: "name", Reason: "must be at most 200 characters"}
	case strings.IndexFunc(p.Name, invisible) >= 0:
		return &ValidationError{Field: "name", Reason: "must not contain control characters (such as NUL, ESC, CR or LF) or bidirectional overrides"}
	case !p.Type.Valid():
		return &ValidationError{Field: "type", Reason: "must be one of text, image, audio"}
	case strings.TrimSpace(p.Text) == "":
		return &ValidationError{Field: "text", Reason: "is required"}
	case !utf8.ValidString(p.Text):
		return &ValidationError{Field: "text", Reason: "must be valid UTF-8"}
	case len(p.Text) > MaxPromptTextLength:
		return &ValidationError{Field: "text", Reason: "must be at most 100000 bytes"}
	}
	return nil
}
