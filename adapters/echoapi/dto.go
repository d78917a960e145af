package echoapi

import (
	json "github.com/goccy/go-json"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// ModelDTO is a catalog model as the API shows it. The first fields are
// the original specification's; the rest were added beside them.
type ModelDTO struct {
	ID               string     `json:"id"`
	Name             string     `json:"name"`
	Description      string     `json:"description"`
	ContextLength    int        `json:"context_length"`
	Pricing          PricingDTO `json:"pricing"`
	Provider         string     `json:"provider"`
	Capabilities     []string   `json:"capabilities"`
	InputModalities  []string   `json:"input_modalities"`
	OutputModalities []string   `json:"output_modalities"`
	Created          int64      `json:"created,omitempty"`
	// What choosing and comparing needs, as data.
	ProviderID          string                     `json:"provider_id"`
	ProviderName        string                     `json:"provider_name"`
	MaxOutputTokens     *int                       `json:"max_output_tokens"`
	SupportedParameters []string                   `json:"supported_parameters"`
	BaseModel           string                     `json:"base_model"`
	Variant             string                     `json:"variant"`
	IsFree              bool                       `json:"is_free"`
	URL                 string                     `json:"url"`
	Prices              map[string][]PriceEntryDTO `json:"prices"`
	SortPrice           map[string]string          `json:"sort_price"`
	AllPrices           []PriceEntryDTO            `json:"all_prices"`
}

// PriceEntryDTO is one price: the pricing field it comes from, the exact
// amount in US dollars per unit, the unit (null when OpenRouter does not
// document it: show the field's name), and an English display form.
type PriceEntryDTO struct {
	Field   string  `json:"field"`
	USD     string  `json:"usd"`
	Unit    *string `json:"unit"`
	Display string  `json:"display"`
}

func priceEntryDTO(e domain.PriceEntry) PriceEntryDTO {
	d := PriceEntryDTO{Field: string(e.Field), USD: e.Amount.String(), Display: e.Display()}
	if e.Unit != domain.UnitUndocumented {
		u := string(e.Unit)
		d.Unit = &u
	}
	return d
}

func priceEntriesDTO(es []domain.PriceEntry) []PriceEntryDTO {
	out := make([]PriceEntryDTO, len(es))
	for i, e := range es {
		out[i] = priceEntryDTO(e)
	}
	return out
}

// PricingDTO holds prices formatted for people and the exact per-unit
// amounts they come from.
type PricingDTO struct {
	PromptCost     string `json:"prompt_cost"`
	CompletionCost string `json:"completion_cost"`
	ImageCost      string `json:"image_cost,omitempty"`
	RequestCost    string `json:"request_cost,omitempty"`
	Prompt         string `json:"prompt,omitempty"`
	Completion     string `json:"completion,omitempty"`
	Image          string `json:"image,omitempty"`
	Request        string `json:"request,omitempty"`
	Audio          string `json:"audio,omitempty"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func modelDTO(m *domain.Model) ModelDTO {
	caps := make([]string, len(m.Types))
	for i, t := range m.Types {
		caps[i] = string(t)
	}
	d := ModelDTO{
		ID: m.ID, Name: m.Name, Description: m.Description, ContextLength: m.ContextLength,
		Provider: m.Provider, Capabilities: caps,
		InputModalities: nonNil(m.InputModalities), OutputModalities: nonNil(m.OutputModalities),
		Pricing: PricingDTO{
			PromptCost:     m.PromptCost(),
			CompletionCost: m.CompletionCost(),
			Prompt:         m.Pricing.Prompt.String(),
			Completion:     m.Pricing.Completion.String(),
			Image:          m.Pricing.Image.String(),
			Request:        m.Pricing.Request.String(),
			Audio:          m.Pricing.Audio.String(),
		},
	}
	if p := m.Pricing.Image; p.Known && !p.Amount.IsZero() {
		d.Pricing.ImageCost = p.PerUnit("image")
	}
	if p := m.Pricing.Request; p.Known && !p.Amount.IsZero() {
		d.Pricing.RequestCost = p.PerUnit("request")
	}
	if !m.Created.IsZero() {
		d.Created = m.Created.Unix()
	}
	d.ProviderID, d.ProviderName = m.Author, m.Provider
	if d.ProviderID == "" {
		d.ProviderID = domain.IDAuthor(m.ID)
	}
	if m.MaxOutputTokens > 0 {
		n := m.MaxOutputTokens
		d.MaxOutputTokens = &n
	}
	d.SupportedParameters = nonNil(m.SupportedParameters)
	d.BaseModel, d.Variant, d.IsFree, d.URL = m.BaseID(), m.Variant(), m.IsFree(), m.URL()
	d.Prices = make(map[string][]PriceEntryDTO, len(m.Types))
	d.SortPrice = make(map[string]string, len(m.Types))
	for _, t := range m.Types {
		d.Prices[string(t)] = priceEntriesDTO(m.TypePrices(t))
		if sp, ok := m.SortPrice(t); ok {
			d.SortPrice[string(t)] = sp.String()
		}
	}
	d.AllPrices = priceEntriesDTO(m.AllPrices())
	return d
}

// GroupedModelsDTO is GET /settings/openrouter/models: the models of
// each type, each type's recommended default with its rule, and what
// changed since the catalog served before.
type GroupedModelsDTO struct {
	Text        []ModelDTO                   `json:"text"`
	Image       []ModelDTO                   `json:"image"`
	Audio       []ModelDTO                   `json:"audio"`
	Recommended map[string]RecommendationDTO `json:"recommended"`
	Changes     *CatalogChangesDTO           `json:"changes"`
}

// RecommendationDTO is a type's recommended default and the rule that chose it.
type RecommendationDTO struct {
	ModelID string `json:"model_id"`
	Rule    string `json:"rule"`
}

// CatalogChangesDTO is what changed since the catalog served before
// (since: when that one was fetched).
type CatalogChangesDTO struct {
	Since        time.Time        `json:"since"`
	Added        []string         `json:"added"`
	Removed      []string         `json:"removed"`
	PriceChanged []PriceChangeDTO `json:"price_changed"`
}

// PriceChangeDTO is one changed price; old or new is "" when the field
// was absent.
type PriceChangeDTO struct {
	ID    string `json:"id"`
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

func groupedModelsDTO(view ports.CatalogView) GroupedModelsDTO {
	group := func(t domain.ModelType) []ModelDTO {
		g := view.Catalog.Group(t)
		list := make([]ModelDTO, len(g))
		for i, m := range g {
			list[i] = modelDTO(m)
		}
		return list
	}
	d := GroupedModelsDTO{Text: group(domain.TypeText), Image: group(domain.TypeImage), Audio: group(domain.TypeAudio),
		Recommended: make(map[string]RecommendationDTO, len(view.Recommended))}
	for t, r := range view.Recommended {
		rd := RecommendationDTO{Rule: r.Rule}
		if r.Model != nil {
			rd.ModelID = r.Model.ID
		}
		d.Recommended[string(t)] = rd
	}
	if ch := view.Changes; ch != nil {
		cd := &CatalogChangesDTO{Since: ch.Since.UTC(), Added: nonNil(ch.Added), Removed: nonNil(ch.Removed), PriceChanged: make([]PriceChangeDTO, len(ch.PriceChanged))}
		for i, p := range ch.PriceChanged {
			cd.PriceChanged[i] = PriceChangeDTO{ID: p.ID, Field: p.Field, Old: p.Old, New: p.New}
		}
		d.Changes = cd
	}
	return d
}

// SelectionFlagDTO says what happened to a selected model.
type SelectionFlagDTO struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// SelectionEntryDTO is one type's model in the selection.
type SelectionEntryDTO struct {
	Type        string `json:"type"`
	ModelID     string `json:"model_id"`
	Saved       bool   `json:"saved"`
	Recommended bool   `json:"recommended"`
	Available   bool   `json:"available"`
	// Availability says whether Available was checked: "available",
	// "unavailable", or "unknown" when the catalog could not be fetched;
	// empty when there is no model.
	Availability string     `json:"availability,omitempty"`
	SavedAt      *time.Time `json:"saved_at"`
	Model        *ModelDTO  `json:"model"`
	// Fallbacks are the models tried, in order, when ModelID cannot
	// serve; an empty array for none.
	Fallbacks []string `json:"fallbacks"`
	// Flag: null, or the selected model left the catalog or changed price.
	Flag *SelectionFlagDTO `json:"flag"`
}

func selectionDTO(sel domain.Selection) map[string]SelectionEntryDTO {
	out := make(map[string]SelectionEntryDTO, len(sel))
	for _, t := range domain.ModelTypes {
		e := sel[t]
		d := SelectionEntryDTO{Type: string(t), ModelID: e.ModelID, Saved: e.Saved, Recommended: e.Recommended, Available: e.Available,
			Fallbacks: e.Fallbacks}
		if d.Fallbacks == nil {
			d.Fallbacks = []string{}
		}
		switch {
		case e.ModelID == "":
		case !e.Checked:
			d.Availability = "unknown"
		case e.Available:
			d.Availability = "available"
		default:
			d.Availability = "unavailable"
		}
		if e.Saved {
			at := e.SavedAt.UTC()
			d.SavedAt = &at
		}
		if e.Model != nil {
			m := modelDTO(e.Model)
			d.Model = &m
		}
		if e.Flag != nil {
			d.Flag = &SelectionFlagDTO{Kind: e.Flag.Kind, Detail: e.Flag.Detail}
		}
		out[string(t)] = d
	}
	return out
}

// BalanceDTO is the balance response: the original specification's fields
// first, then the detail beside them. Amounts are exact decimals written
// as JSON numbers.
type BalanceDTO struct {
	Balance               json.Number   `json:"balance"`
	Usage                 json.Number   `json:"usage"`
	FormattedBalance      string        `json:"formatted_balance"`
	FormattedUsage        string        `json:"formatted_usage"`
	RateLimit             *RateLimitDTO `json:"rate_limit"`
	BalanceKnown          bool          `json:"balance_known"`
	CreditsKnown          bool          `json:"credits_known"`
	TotalCredits          *json.Number  `json:"total_credits"`
	FormattedTotalCredits string        `json:"formatted_total_credits,omitempty"`
	Limit                 *json.Number  `json:"limit"`
	LimitRemaining        *json.Number  `json:"limit_remaining"`
	LimitReset            string        `json:"limit_reset,omitempty"`
	UsageDaily            json.Number   `json:"usage_daily"`
	UsageWeekly           json.Number   `json:"usage_weekly"`
	UsageMonthly          json.Number   `json:"usage_monthly"`
	IsFreeTier            bool          `json:"is_free_tier"`
	// BurnRate is the ledger's spend rate (absent without a ledger).
	BurnRate *BurnRateDTO `json:"burn_rate,omitempty"`
}

// RateLimitDTO is the key's request rate limit as OpenRouter states it.
type RateLimitDTO struct {
	Requests int    `json:"requests"`
	Interval string `json:"interval"`
}

func optionalNumber(d *domain.Decimal) *json.Number {
	if d == nil {
		return nil
	}
	n := number(*d)
	return &n
}

func balanceDTO(b domain.Balance) BalanceDTO {
	k := &b.Key
	d := BalanceDTO{
		Balance: number(b.Balance), Usage: number(b.Usage),
		FormattedUsage: domain.FormatUSD(b.Usage),
		BalanceKnown:   b.BalanceKnown, CreditsKnown: b.CreditsKnown,
		Limit: optionalNumber(k.Limit), LimitRemaining: optionalNumber(k.LimitRemaining), LimitReset: k.LimitReset,
		UsageDaily: number(k.UsageDaily), UsageWeekly: number(k.UsageWeekly), UsageMonthly: number(k.UsageMonthly),
		IsFreeTier: k.IsFreeTier,
	}
	if k.RateLimit != nil {
		d.RateLimit = &RateLimitDTO{Requests: k.RateLimit.Requests, Interval: k.RateLimit.Interval}
	}
	d.BurnRate = burnRateDTO(b.Burn)
	if b.BalanceKnown {
		d.FormattedBalance = domain.FormatUSD(b.Balance)
	} else {
		d.FormattedBalance = "unknown"
	}
	if b.CreditsKnown {
		d.TotalCredits = optionalNumber(&b.TotalCredits)
		d.FormattedTotalCredits = domain.FormatUSD(b.TotalCredits)
	}
	return d
}

// ConnectionDTO is the test-connection response.
type ConnectionDTO struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

// KeysDTO lists the masked keys.
type KeysDTO struct {
	Keys []KeyStatusDTO `json:"keys"`
}

// KeyStatusDTO is one provider's key, masked.
type KeyStatusDTO struct {
	Provider   string    `json:"provider"`
	Configured bool      `json:"configured"`
	Masked     string    `json:"masked,omitempty"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
	// Verification is what OpenRouter said of the key when it was saved;
	// absent for a key saved before keys were checked, or none.
	Verification *KeyVerificationDTO `json:"verification,omitempty"`
}

// KeyVerificationDTO is the check of a key when it was saved.
type KeyVerificationDTO struct {
	Status    string    `json:"status"`
	CheckedAt time.Time `json:"checked_at"`
	Reason    string    `json:"reason"`
}

func keyStatusDTO(k domain.KeyStatus) KeyStatusDTO {
	d := KeyStatusDTO{Provider: k.Provider, Configured: k.Configured, Masked: k.Masked, UpdatedAt: k.UpdatedAt}
	if v := k.Verification; k.Configured && v.Status != "" {
		d.Verification = &KeyVerificationDTO{Status: v.Status, CheckedAt: v.CheckedAt.UTC(), Reason: v.Reason}
	}
	return d
}

// KeyInput is the body of PUT /settings/api-keys/{provider}.
type KeyInput struct {
	Key string `json:"key"`
}
