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
	ID    int64
	Scope string
	Name  string
	Type  ModelType
	Text  string
	// Version is the number of the prompt's current text: 1 when it is
	// created, one more at every update that changes its name, type or
	// text (see PromptVersion).
	Version int
	// Default marks the default prompt of its type in its scope: the one
	// applied to a request of that type that names none. At most one
	// prompt per scope and type is marked.
	Default   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PromptVersion is one numbered text of a prompt, as it was saved: the
// current one and every earlier one. Restoring a version saves its type
// and text again as a new latest version.
type PromptVersion struct {
	PromptID int64
	Scope    string
	Version  int
	// Name and Type are the prompt's when this version was saved.
	Name string
	Type ModelType
	Text string
	// CreatedAt is when this version was saved.
	CreatedAt time.Time
}

// Prompt returns the version as a prompt of id v.PromptID, for Fill and
// Placeholders.
func (v *PromptVersion) Prompt() Prompt {
	return Prompt{ID: v.PromptID, Scope: v.Scope, Name: v.Name, Type: v.Type, Text: v.Text, Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.CreatedAt}
}

// PromptVersionQuery selects versions of one prompt, newest first.
type PromptVersionQuery struct {
	// Before keeps versions with a number below it; 0 keeps all.
	Before int
	// Limit bounds how many are returned; 0 means no bound.
	Limit int
}

// PromptVersionPage is one page of a prompt's versions, newest first;
// Next continues after its last one and is empty on the last page.
type PromptVersionPage struct {
	Versions []PromptVersion
	Next     string
}

// PromptRef is what a request names: a prompt, and the version pinned
// with "name@3" (0 for the current one).
type PromptRef struct {
	Name    string
	Version int
}

// String returns the reference as a request writes it.
func (r PromptRef) String() string {
	if r.Version == 0 {
		return r.Name
	}
	return r.Name + "@" + strconv.Itoa(r.Version)
}

// ParsePromptRef reads "name" or "name@version". What follows the last
// "@" must be a version number (1, 2, …, without leading zeros), else it
// is a *ValidationError of field prompt; prompt names cannot contain "@"
// (Validate), so the split is never ambiguous.
func ParsePromptRef(s string) (PromptRef, error) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return PromptRef{Name: s}, nil
	}
	name, num := s[:i], s[i+1:]
	bad := &ValidationError{Field: "prompt", Reason: "must be a prompt name, or name@version with a version number such as reply@3"}
	if strings.TrimSpace(name) == "" || num == "" || num[0] == '0' || len(num) > 9 {
		return PromptRef{}, bad
	}
	v, err := strconv.Atoi(num)
	if err != nil || v <= 0 {
		return PromptRef{}, bad
	}
	return PromptRef{Name: name, Version: v}, nil
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
	// DefaultPromptVersionPage and MaxPromptVersionPage bound a page of versions.
	DefaultPromptVersionPage = 50
	MaxPromptVersionPage     = 500
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
	case strings.Contains(p.Name, "@"):
		return &ValidationError{Field: "name", Reason: "must not contain @, which pins a version in a request (name@3)"}
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
