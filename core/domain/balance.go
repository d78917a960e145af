package domain

// KeyInfo is what OpenRouter's GET /key says about the key in use.
// Amounts are US dollars.
type KeyInfo struct {
	Label string
	// Limit is the key's spending limit; nil when it has none.
	Limit *Decimal
	// LimitRemaining is what the limit still allows; nil without a limit.
	LimitRemaining *Decimal
	// LimitReset is the limit's reset period ("daily", "weekly", "monthly"), if any.
	LimitReset   string
	Usage        Decimal
	UsageDaily   Decimal
	UsageWeekly  Decimal
	UsageMonthly Decimal
	IsFreeTier   bool
	RateLimit    *RateLimit
}

// RateLimit is the key's request rate limit; OpenRouter marks it
// deprecated and may send requests = -1.
type RateLimit struct {
	Requests int
	Interval string
}

// Credits is what OpenRouter's GET /credits says about the account, in US dollars.
type Credits struct {
	TotalCredits Decimal
	TotalUsage   Decimal
}

// Balance is what the account can still spend and what it has spent, in
// US dollars.
type Balance struct {
	// Balance is what can still be spent: min(key limit_remaining,
	// total_credits − total_usage) over what is known. Meaningful only
	// when BalanceKnown.
	Balance Decimal
	// BalanceKnown is false when neither credits nor a key limit are known.
	BalanceKnown bool
	// Usage is what was spent: the account's total_usage, or the key's
	// own usage when the account's credits are unknown.
	Usage Decimal
	// CreditsKnown is false when /credits refused the key.
	CreditsKnown bool
	// TotalCredits is the account's purchased credits (when CreditsKnown).
	TotalCredits Decimal
	// Key is what GET /key said.
	Key KeyInfo
	// Burn is the spend rate the usage ledger shows over the last days
	// and the days the balance lasts at it; nil without a ledger.
	Burn *BurnRate
}

// ComputeBalance combines /key and, when available, /credits.
func ComputeBalance(key KeyInfo, credits *Credits) Balance {
	b := Balance{Key: key, Usage: key.Usage}
	if credits != nil {
		b.CreditsKnown, b.BalanceKnown = true, true
		b.TotalCredits = credits.TotalCredits
		b.Usage = credits.TotalUsage
		b.Balance = credits.TotalCredits.Sub(credits.TotalUsage)
	}
	if r := key.LimitRemaining; r != nil && (!b.BalanceKnown || r.Cmp(b.Balance) < 0) {
		b.Balance, b.BalanceKnown = *r, true
	}
	return b
}

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
