package echoapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/core/domain"
)

// OpenAIModelDTO is one model in the OpenAI / OpenRouter list shape:
// OpenAI's id, object, created and owned_by, then OpenRouter's fields
// where the catalog has them. An alias (text, image, audio) names the
// model it resolves to in alias_for and carries that model's fields.
type OpenAIModelDTO struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Created       int64             `json:"created"`
	OwnedBy       string            `json:"owned_by"`
	AliasFor      string            `json:"alias_for,omitempty"`
	Name          string            `json:"name,omitempty"`
	Description   string            `json:"description,omitempty"`
	ContextLength int               `json:"context_length,omitempty"`
	Architecture  *openAIArchDTO    `json:"architecture,omitempty"`
	Pricing       map[string]string `json:"pricing,omitempty"`
}

type openAIArchDTO struct {
	InputModalities  []string `json:"input_modalities"`
	OutputModalities []string `json:"output_modalities"`
}

// OpenAIModelListDTO is GET /models: {"object":"list","data":[…]}.
type OpenAIModelListDTO struct {
	Object string           `json:"object"`
	Data   []OpenAIModelDTO `json:"data"`
}

func openAIModel(id string, m *domain.Model) OpenAIModelDTO {
	d := OpenAIModelDTO{ID: id, Object: "model", OwnedBy: "openrouter"}
	if m == nil {
		return d
	}
	if id != m.ID {
		d.AliasFor, d.OwnedBy = m.ID, "aimodels"
	}
	d.Name, d.Description, d.ContextLength = m.Name, m.Description, m.ContextLength
	if m.Provider != "" && d.AliasFor == "" {
		d.OwnedBy = m.Provider
	}
	if !m.Created.IsZero() {
		d.Created = m.Created.Unix()
	}
	d.Architecture = &openAIArchDTO{InputModalities: nonNil(m.InputModalities), OutputModalities: nonNil(m.OutputModalities)}
	// OpenRouter's pricing fields: exact decimal strings in dollars per
	// token (prompt, completion), per request, per image.
	d.Pricing = map[string]string{}
	for k, p := range map[string]domain.Price{"prompt": m.Pricing.Prompt, "completion": m.Pricing.Completion,
		"request": m.Pricing.Request, "image": m.Pricing.Image, "audio": m.Pricing.Audio} {
		if p.Known {
			d.Pricing[k] = p.String()
		}
	}
	return d
}

// modelList answers the OpenAI-compatible model list: the aliases text,
// image and audio first (each the scope's model of that type), then every
// catalog model; ?offset= and ?limit= page it.
func (a *api) modelList(c echo.Context) error {
	ctx := c.Request().Context()
	view, err := a.models.Catalog(ctx, false)
	if err != nil {
		return a.fail(c, err)
	}
	sel, err := a.models.Selection(ctx, a.scope(c))
	if err != nil {
		return a.fail(c, err)
	}
	all := make([]OpenAIModelDTO, 0, view.Catalog.Len()+len(domain.ModelTypes))
	for _, t := range domain.ModelTypes {
		if e := sel[t]; e.Model != nil {
			all = append(all, openAIModel(string(t), e.Model))
		}
	}
	models := view.Catalog.Models()
	for i := range models {
		all = append(all, openAIModel(models[i].ID, &models[i]))
	}
	offset, limit := 0, len(all)
	if v := c.QueryParam("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return a.fail(c, &domain.ValidationError{Field: "offset", Reason: "must be a number of 0 or more"})
		}
	}
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return a.fail(c, &domain.ValidationError{Field: "limit", Reason: "must be a number of 1 or more"})
		}
	}
	offset = min(offset, len(all))
	return c.JSON(http.StatusOK, OpenAIModelListDTO{Object: "list", Data: all[offset:min(offset+limit, len(all))]})
}

// oneModel answers GET /models/{id}: an alias or a catalog model id
// ("openai/gpt-4o" is two path segments).
func (a *api) oneModel(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	if c.Param("slug") != "" {
		id = c.Param("author") + "/" + c.Param("slug")
	}
	if t := domain.ModelType(id); t.Valid() {
		sel, err := a.models.Selection(ctx, a.scope(c))
		if err != nil {
			return a.fail(c, err)
		}
		if e := sel[t]; e.Model != nil {
			return c.JSON(http.StatusOK, openAIModel(id, e.Model))
		}
		return a.fail(c, &domain.ModelError{Kind: domain.ErrModelNotFound, ModelID: id, Type: t})
	}
	view, err := a.models.Catalog(ctx, false)
	if err != nil {
		return a.fail(c, err)
	}
	m, ok := view.Catalog.Lookup(id)
	if !ok {
		return a.fail(c, echo.NewHTTPError(http.StatusNotFound, "model "+strconv.Quote(id)+" is not in the catalog"))
	}
	return c.JSON(http.StatusOK, openAIModel(id, m))
}
