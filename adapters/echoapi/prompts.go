package echoapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/core/domain"
)

// PromptDTO is a stored prompt.
type PromptDTO struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func promptDTO(p *domain.Prompt) PromptDTO {
	return PromptDTO{ID: p.ID, Name: p.Name, Type: string(p.Type), Text: p.Text, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

// PromptsDTO is one page of prompts; next_cursor, when present, asks for
// the next page (?cursor=).
type PromptsDTO struct {
	Prompts []PromptDTO `json:"prompts"`
	Next    string      `json:"next_cursor,omitempty"`
}

// PromptInput is the body of prompt create and update.
type PromptInput struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Text string `json:"text"`
}

func promptID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &domain.ValidationError{Field: "id", Reason: "must be a positive integer"}
	}
	return id, nil
}

func (a *api) listPrompts(c echo.Context) error {
	limit := 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return a.fail(c, &domain.ValidationError{Field: "limit", Reason: "must be a number"})
		}
		limit = n
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
	p, err := a.prompts.CreatePrompt(c.Request().Context(), a.scope(c), domain.Prompt{Name: in.Name, Type: domain.ModelType(in.Type), Text: in.Text})
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
	p, err := a.prompts.UpdatePrompt(c.Request().Context(), a.scope(c), domain.Prompt{ID: id, Name: in.Name, Type: domain.ModelType(in.Type), Text: in.Text})
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
