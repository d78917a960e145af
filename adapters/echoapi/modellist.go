package echoapi

import (
	json "github.com/goccy/go-json"
	"net/http"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
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

// OpenAIModelListDTO is GET /models: {"object":"list","data":[…]} with
// OpenRouter's total_count and links.next (the next page, null on the
// last), which @openrouter/sdk requires. Each entry carries OpenRouter's
// whole model object besides the fields of OpenAIModelDTO.
type OpenAIModelListDTO struct {
	Object     string           `json:"object"`
	Data       []OpenAIModelDTO `json:"data"`
	TotalCount int              `json:"total_count"`
	Links      ListLinksDTO     `json:"links"`
}

// ListLinksDTO is the links member of a list.
type ListLinksDTO struct {
	Next *string `json:"next"`
}

// modelListOut is how OpenAIModelListDTO is written: entries pre-encoded.
type modelListOut struct {
	Object     string            `json:"object"`
	Data       []json.RawMessage `json:"data"`
	TotalCount int               `json:"total_count"`
	Links      ListLinksDTO      `json:"links"`
}

// listEntry encodes one entry of the list: OpenRouter's own object for
// the model (domain.Model.Raw) with OpenAI's object and owned_by added,
// and for an alias its id, alias_for and owned_by set; a model without
// Raw gets OpenAIModelDTO.
func listEntry(id string, m *domain.Model) (json.RawMessage, error) {
	if m == nil || len(m.Raw) == 0 {
		return json.Marshal(openAIModel(id, m))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(m.Raw, &fields); err != nil {
		return json.Marshal(openAIModel(id, m))
	}
	d := openAIModel(id, m)
	set := func(k string, v any) {
		b, _ := json.Marshal(v)
		fields[k] = b
	}
	set("object", d.Object)
	if _, ok := fields["owned_by"]; !ok || d.AliasFor != "" {
		set("owned_by", d.OwnedBy)
	}
	if d.AliasFor != "" {
		set("id", id)
		set("alias_for", d.AliasFor)
	}
	return json.Marshal(fields)
}

// listEncoder keeps the catalog's entries encoded (listEntry) for the
// catalog they came from, so a list request encodes only the aliases.
type listEncoder struct {
	mu      sync.Mutex
	catalog *domain.Catalog
	version uint64
	entries []json.RawMessage
}

func (le *listEncoder) get(view ports.CatalogView) ([]json.RawMessage, error) {
	le.mu.Lock()
	defer le.mu.Unlock()
	if le.entries != nil && le.catalog == view.Catalog && le.version == view.Version {
		return le.entries, nil
	}
	models := view.Catalog.Models()
	entries := make([]json.RawMessage, len(models))
	for i := range models {
		e, err := listEntry(models[i].ID, &models[i])
		if err != nil {
			return nil, err
		}
		entries[i] = e
	}
	le.catalog, le.version, le.entries = view.Catalog, view.Version, entries
	return entries, nil
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
	models, err := a.list.get(view)
	if err != nil {
		return a.fail(c, err)
	}
	all := make([]json.RawMessage, 0, len(models)+len(domain.ModelTypes))
	for _, t := range domain.ModelTypes {
		if e := sel[t]; e.Model != nil {
			b, err := listEntry(string(t), e.Model)
			if err != nil {
				return a.fail(c, err)
			}
			all = append(all, b)
		}
	}
	all = append(all, models...)
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
	end := min(offset+limit, len(all))
	out := modelListOut{Object: "list", Data: all[offset:end], TotalCount: len(all)}
	if end < len(all) {
		next := a.prefix + "/models?offset=" + strconv.Itoa(end) + "&limit=" + strconv.Itoa(limit)
		out.Links.Next = &next
	}
	return c.JSON(http.StatusOK, out)
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
			return a.oneEntry(c, id, e.Model)
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
	return a.oneEntry(c, id, m)
}

func (a *api) oneEntry(c echo.Context, id string, m *domain.Model) error {
	b, err := listEntry(id, m)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSONBlob(http.StatusOK, b)
}
