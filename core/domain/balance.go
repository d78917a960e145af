package domain

import (
	"math"
	"strconv"
)

// KeyInfo is what OpenRouter's GET /key says about the key in use.
type KeyInfo struct {
	Label          string
	Limit          *float64
	LimitRemaining *float64
	LimitReset     string
	Usage          float64
	UsageDaily     float64
	UsageWeekly    float64
	UsageMonthly   float64
	IsFreeTier     bool
	RateLimit      *RateLimit
}

// RateLimit is the key's request rate limit; OpenRouter marks it
// deprecated and may send requests = -1.
type RateLimit struct {
	Requests int    `json:"requests"`
	Interval string `json:"interval"`
}

// Credits is what OpenRouter's GET /credits says about the account.
type Credits struct {
	TotalCredits float64
	TotalUsage   float64
}

// Balance is what the account can still spend and what it has spent.
type Balance struct {
	// Balance is what can still be spent: min(key limit_remaining,
	// total_credits − total_usage) over what is known. Meaningful only
	// when BalanceKnown.
	Balance float64
	// BalanceKnown is false when neither credits nor a key limit are known.
	BalanceKnown bool
	// Usage is what was spent: the account's total_usage, or the key's
	// own usage when the account's credits are unknown.
	Usage float64
	// CreditsKnown is false when /credits refused the key.
	CreditsKnown bool
	// TotalCredits is the account's purchased credits (when CreditsKnown).
	TotalCredits float64
	// Key is what GET /key said.
	Key KeyInfo
}

// ComputeBalance combines /key and, when available, /credits.
func ComputeBalance(key KeyInfo, credits *Credits) Balance {
	b := Balance{Key: key, Usage: key.Usage}
	remaining := math.Inf(1)
	if credits != nil {
		b.CreditsKnown = true
		b.TotalCredits = credits.TotalCredits
		b.Usage = credits.TotalUsage
		remaining = credits.TotalCredits - credits.TotalUsage
	}
	if key.LimitRemaining != nil && *key.LimitRemaining < remaining {
		remaining = *key.LimitRemaining
	}
	if !math.IsInf(remaining, 1) {
		b.Balance = roundCents(remaining, 8)
		b.BalanceKnown = true
	}
	return b
}

func roundCents(f float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(f*p) / p
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// ConnectionStatus is the outcome of a connection test.
type ConnectionStatus string

// Connection test outcomes.
const (
	ConnSuccess            ConnectionStatus = "success"
	ConnNoKey              ConnectionStatus = "no_key"
	ConnInvalidKey         ConnectionStatus = "invalid_key"
	ConnInsufficientCredit ConnectionStatus = "insufficient_credits"
	ConnRateLimited        ConnectionStatus = "rate_limited"
	ConnNetworkError       ConnectionStatus = "network_error"
	ConnTimeout            ConnectionStatus = "timeout"
	ConnUpstreamError      ConnectionStatus = "upstream_error"
	ConnKeyUnreadable      ConnectionStatus = "key_unreadable"
)

// ConnectionResult is the outcome of testing the stored key against OpenRouter.
type ConnectionResult struct {
	Success bool
	Status  ConnectionStatus
	Message string
	// Key is what GET /key said, on success.
	Key *KeyInfo
}
