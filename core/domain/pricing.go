package domain

// Price is one optional price from OpenRouter's pricing object. A price
// that OpenRouter did not send, or sent in a form that is not a plain
// decimal, is not Known; parsing a catalog never fails because of one.
type Price struct {
	// Amount is the exact value in US dollars per unit.
	Amount Decimal
	// Known is false when the price was absent or unparsable.
	Known bool
}

// ParsePrice returns a Known price for a decimal string, or an unknown one.
func ParsePrice(s string) Price {
	d, err := ParseDecimal(s)
	if err != nil {
		return Price{}
	}
	return Price{Amount: d, Known: true}
}

// IsVariable reports whether OpenRouter marks the price as variable: it
// sends a negative amount ("-1") for routers whose cost depends on the
// model they pick.
func (p Price) IsVariable() bool { return p.Known && p.Amount.Sign() < 0 }

// IsFree reports whether the price is known to be zero.
func (p Price) IsFree() bool { return p.Known && p.Amount.IsZero() }

// String returns the exact decimal amount, or "" when unknown.
func (p Price) String() string {
	if !p.Known {
		return ""
	}
	return p.Amount.String()
}

// PerMillionTokens formats a per-token price for people:
// "0.0000005" → "$0.50/1M tokens", "0" → "free", "-1" → "variable",
// unknown → "".
func (p Price) PerMillionTokens() string {
	return p.format(6, "/1M tokens")
}

// PerUnit formats a price per unit such as "image", "request" or "min":
// "0.006", "min" → "$0.006/min".
func (p Price) PerUnit(unit string) string {
	return p.format(0, "/"+unit)
}

func (p Price) format(shift int, suffix string) string {
	switch {
	case !p.Known:
		return ""
	case p.IsVariable():
		return "variable"
	case p.Amount.IsZero():
		return "free"
	}
	return FormatUSD(p.Amount.Shift(shift)) + suffix
}

var cent = MustDecimal("0.01")

// FormatUSD formats an amount of US dollars: two decimals ("$0.50",
// "$25.50"), or as many as it takes to show a small non-zero amount
// ("$0.006", up to six decimals, then "<$0.000001").
func FormatUSD(d Decimal) string {
	sign := ""
	if d.Sign() < 0 {
		sign = "-"
		d = d.Neg()
	}
	if d.IsZero() || d.Cmp(cent) >= 0 {
		return sign + "$" + d.FixedString(2)
	}
	if r := d.Round(6); !r.IsZero() {
		return sign + "$" + r.String()
	}
	return sign + "<$0.000001"
}

// Pricing is a model's price list, in US dollars, as OpenRouter sends it.
// Each field's unit is the one OpenRouter's API reference documents for
// it (see FieldUnit); where a figure evidently is not in that unit the
// entries built from it say so (see Model.AllPrices).
type Pricing struct {
	// Prompt is per input token (for a dedicated speech-to-text model
	// priced by duration the unit is not documented, see
	// Model.TranscriptionUnit).
	Prompt Price
	// Completion is per output token.
	Completion Price
	// Request is per request.
	Request Price
	// Image is per input image.
	Image Price
	// ImageToken is per image token.
	ImageToken Price
	// ImageOutput is per output image.
	ImageOutput Price
	// Audio is per input audio token.
	Audio Price
	// AudioOutput is per output audio token.
	AudioOutput Price
	// InputAudioCache is per cached input audio token.
	InputAudioCache Price
	// InputCacheRead is per cached input token read.
	InputCacheRead Price
	// InputCacheWrite is per cached input token written.
	InputCacheWrite Price
	// InputCacheWrite1h is OpenRouter's input_cache_write_1h, whose unit
	// the API reference does not document.
	InputCacheWrite1h Price
	// WebSearch is per web search.
	WebSearch Price
	// InternalReasoning is per reasoning token.
	InternalReasoning Price
	// Other holds the decimal fields of the pricing object that aimodels
	// does not know, by name; their unit is not documented.
	Other map[string]Price
}
