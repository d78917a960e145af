package echoapi

import (
	"net/http"
	"strconv"
	"time"

	json "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/core/domain"
)

// PromptDTO is a stored prompt: version is the number of its current
// text, placeholders the {{names}} that text uses (in order of first use),
// default whether it is the default prompt of its type.
type PromptDTO struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Type         string    `json:"type"`
	Text         string    `json:"text"`
	Version      int       `json:"version"`
	Placeholders []string  `json:"placeholders"`
	Default      bool      `json:"default"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func promptDTO(p *domain.Prompt) PromptDTO {
	ph := p.Placeholders()
	if ph == nil {
		ph = []string{}
	}
	return PromptDTO{ID: p.ID, Name: p.Name, Type: string(p.Type), Text: p.Text, Version: p.Version, Placeholders: ph,
		Default: p.Default, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

// PromptVersionDTO is one saved text of a prompt, with the name and type
// it had then.
type PromptVersionDTO struct {
	Version      int       `json:"version"`
	Name         string    `json:"name"`
	Type         string    `json:"type"`
	Text         string    `json:"text"`
	Placeholders []string  `json:"placeholders"`
	CreatedAt    time.Time `json:"created_at"`
}

// PromptVersionsDTO is one page of a prompt's versions, newest first;
// next_cursor, when present, asks for the next (older) page.
type PromptVersionsDTO struct {
	Versions []PromptVersionDTO `json:"versions"`
	Next     string             `json:"next_cursor,omitempty"`
}

// PromptsDTO is one page of prompts; next_cursor, when present, asks for
// the next page (?cursor=).
type PromptsDTO struct {
	Prompts []PromptDTO `json:"prompts"`
	Next    string      `json:"next_cursor,omitempty"`
}

// PromptInput is the body of prompt create and update. Default marks the
// prompt as the default of its type (unmarking the previous one) or, when
// false, unmarks it; omitted, an update keeps the flag as it is and a
// create leaves the prompt unmarked.
type PromptInput struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Text    string `json:"text"`
	Default *bool  `json:"default,omitempty"`
}

func promptID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &domain.ValidationError{Field: "id", Reason: "must be a positive integer"}
	}
	return id, nil
}

// pageLimit reads ?limit= of a prompt list: 0 when it is absent (the
// use case's default); the use case checks its bounds.
func pageLimit(c echo.Context) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &domain.ValidationError{Field: "limit", Reason: "must be a number"}
	}
	return n, nil
}

func (a *api) listPrompts(c echo.Context) error {
	limit, err := pageLimit(c)
	if err != nil {
		return a.fail(c, err)
	}
	page, err := a.prompts.ListPrompts(c.Request().Context(), a.scope(c), domain.ModelType(c.QueryParam("type")), c.QueryParam("cursor"), limit)
	if err != nil {
		return a.fail(c, err)
	}
	out := PromptsDTO{Prompts: make([]PromptDTO, len(page.Prompts)), Next: page.Next}
	for i := range page.Prompts {
		out.Prompts[i] = promptDTO(&page.Prompts[i])
	}
	return c.JSON(http.StatusOK, out)
}

func (a *api) getPrompt(c echo.Context) error {
	id, err := promptID(c)
	if err != nil {
		return a.fail(c, err)
	}
	p, err := a.prompts.GetPrompt(c.Request().Context(), a.scope(c), id)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, promptDTO(p))
}

func (a *api) createPrompt(c echo.Context) error {
	var in PromptInput
	if err := decodeStrict(c, &in); err != nil {
		return a.fail(c, err)
	}
	p, err := a.prompts.CreatePrompt(c.Request().Context(), a.scope(c), domain.Prompt{Name: in.Name, Type: domain.ModelType(in.Type), Text: in.Text, Default: in.Default != nil && *in.Default})
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusCreated, promptDTO(p))
}

func (a *api) updatePrompt(c echo.Context) error {
	id, err := promptID(c)
	if err != nil {
		return a.fail(c, err)
	}
	var in PromptInput
	if err := decodeStrict(c, &in); err != nil {
		return a.fail(c, err)
	}
	upd := domain.Prompt{ID: id, Name: in.Name, Type: domain.ModelType(in.Type), Text: in.Text}
	if in.Default != nil {
		upd.Default = *in.Default
	} else {
		cur, err := a.prompts.GetPrompt(c.Request().Context(), a.scope(c), id)
		if err != nil {
			return a.fail(c, err)
		}
		upd.Default = cur.Default
	}
	p, err := a.prompts.UpdatePrompt(c.Request().Context(), a.scope(c), upd)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, promptDTO(p))
}

func (a *api) deletePrompt(c echo.Context) error {
	id, err := promptID(c)
	if err != nil {
		return a.fail(c, err)
	}
	if err := a.prompts.DeletePrompt(c.Request().Context(), a.scope(c), id); err != nil {
		return a.fail(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *api) listPromptVersions(c echo.Context) error {
	id, err := promptID(c)
	if err != nil {
		return a.fail(c, err)
	}
	limit, err := pageLimit(c)
	if err != nil {
		return a.fail(c, err)
	}
	page, err := a.prompts.ListPromptVersions(c.Request().Context(), a.scope(c), id, c.QueryParam("cursor"), limit)
	if err != nil {
		return a.fail(c, err)
	}
	out := PromptVersionsDTO{Versions: make([]PromptVersionDTO, len(page.Versions)), Next: page.Next}
	for i := range page.Versions {
		v := &page.Versions[i]
		vp := v.Prompt()
		ph := vp.Placeholders()
		if ph == nil {
			ph = []string{}
		}
		out.Versions[i] = PromptVersionDTO{Version: v.Version, Name: v.Name, Type: string(v.Type), Text: v.Text, Placeholders: ph, CreatedAt: v.CreatedAt.UTC()}
	}
	return c.JSON(http.StatusOK, out)
}

func (a *api) restorePromptVersion(c echo.Context) error {
	id, err := promptID(c)
	if err != nil {
		return a.fail(c, err)
	}
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n <= 0 {
		return a.fail(c, &domain.ValidationError{Field: "version", Reason: "must be a positive integer"})
	}
	p, err := a.prompts.RestorePromptVersion(c.Request().Context(), a.scope(c), id, n)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, promptDTO(p))
}

// promptVariables are the values of a named prompt's placeholders in a
// request: a JSON object of strings, anything else a validation error
// (422) of field variables.
type promptVariables map[string]string

var errVariablesShape = &domain.ValidationError{Field: "variables", Reason: "must be an object of string values"}

// UnmarshalJSON reads a JSON object of string values.
func (v *promptVariables) UnmarshalJSON(data []byte) error {
	var m map[string]string
	if json.Unmarshal(data, &m) != nil {
		return errVariablesShape
	}
	*v = m
	return nil
}
