package echoapi

import (
	"time"

	"github.com/aimodels/aimodels/core/domain"
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
	return d
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
}

func selectionDTO(sel domain.Selection) map[string]SelectionEntryDTO {
	out := make(map[string]SelectionEntryDTO, len(sel))
	for _, t := range domain.ModelTypes {
		e := sel[t]
		d := SelectionEntryDTO{Type: string(t), ModelID: e.ModelID, Saved: e.Saved, Recommended: e.Recommended, Available: e.Available}
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
		out[string(t)] = d
	}
	return out
}

// BalanceDTO is the balance response: the original specification's fields
// first, then the detail beside them.
type BalanceDTO struct {
	Balance               float64           `json:"balance"`
	Usage                 float64           `json:"usage"`
	FormattedBalance      string            `json:"formatted_balance"`
	FormattedUsage        string            `json:"formatted_usage"`
	RateLimit             *domain.RateLimit `json:"rate_limit"`
	BalanceKnown          bool              `json:"balance_known"`
	CreditsKnown          bool              `json:"credits_known"`
	TotalCredits          *float64          `json:"total_credits"`
	FormattedTotalCredits string            `json:"formatted_total_credits,omitempty"`
	Limit                 *float64          `json:"limit"`
	LimitRemaining        *float64          `json:"limit_remaining"`
	LimitReset            string            `json:"limit_reset,omitempty"`
	UsageDaily            float64           `json:"usage_daily"`
	UsageWeekly           float64           `json:"usage_weekly"`
	UsageMonthly          float64           `json:"usage_monthly"`
	IsFreeTier            bool              `json:"is_free_tier"`
}

func balanceDTO(b domain.Balance) BalanceDTO {
	d := BalanceDTO{
		Balance: b.Balance, Usage: b.Usage,
		FormattedUsage: domain.FormatUSDFloat(b.Usage),
		RateLimit:      b.Key.RateLimit, BalanceKnown: b.BalanceKnown, CreditsKnown: b.CreditsKnown,
		Limit: b.Key.Limit, LimitRemaining: b.Key.LimitRemaining, LimitReset: b.Key.LimitReset,
		UsageDaily: b.Key.UsageDaily, UsageWeekly: b.Key.UsageWeekly, UsageMonthly: b.Key.UsageMonthly,
		IsFreeTier: b.Key.IsFreeTier,
	}
	if b.BalanceKnown {
		d.FormattedBalance = domain.FormatUSDFloat(b.Balance)
	} else {
		d.FormattedBalance = "unknown"
	}
	if b.CreditsKnown {
		tc := b.TotalCredits
		d.TotalCredits = &tc
		d.FormattedTotalCredits = domain.FormatUSDFloat(tc)
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
	Keys []domain.KeyStatus `json:"keys"`
}

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

// PromptInput is the body of prompt create and update.
type PromptInput struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Text string `json:"text"`
}

// KeyInput is the body of PUT /settings/api-keys/{provider}.
type KeyInput struct {
	Key string `json:"key"`
}
