package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Account is the use case of the OpenRouter account: what the key can
// still spend, and whether it works.
type Account struct {
	gw    ports.AccountGateway
	keys  *Keys
	log   *slog.Logger
	usage *usageAccount // nil without a usage ledger
}

// NewAccount returns the account use case; keys supplies the decrypted key.
func NewAccount(gw ports.AccountGateway, keys *Keys, opts Options) *Account {
	return &Account{gw: gw, keys: keys, log: opts.withDefaults().Logger}
}

// Balance returns what the scope's key can still spend and what was spent.
// GET /key and GET /credits are asked at once; when /credits refuses the
// key (401/403, as it does for ordinary keys) the balance comes from /key
// alone and says that the account's credits are unknown.
func (a *Account) Balance(ctx context.Context, scope string) (domain.Balance, error) {
	key, err := a.keys.apiKey(ctx, scopeOrDefault(scope))
	if err != nil {
		return domain.Balance{}, err
	}
	type creditsResult struct {
		c   domain.Credits
		err error
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan creditsResult, 1)
	go func() {
		c, err := a.gw.Credits(cctx, key)
		ch <- creditsResult{c, err}
	}()
	info, err := a.gw.KeyInfo(ctx, key)
	if err != nil {
		cancel() // no balance without /key: do not wait out /credits' retries
		<-ch
		return domain.Balance{}, fmt.Errorf("balance: %w", err)
	}
	cr := <-ch
	var credits *domain.Credits
	switch {
	case cr.err == nil:
		credits = &cr.c
	case errors.Is(cr.err, domain.ErrInvalidKey), errors.Is(cr.err, domain.ErrForbidden):
		a.log.Debug("credits refused for this key; balance from /key alone")
	default:
		return domain.Balance{}, fmt.Errorf("balance: %w", cr.err)
	}
	b := domain.ComputeBalance(info, credits)
	a.withUsage(ctx, scopeOrDefault(scope), &b)
	return b, nil
}

// withUsage adds the ledger's burn rate to b and keeps b as a snapshot;
// a failing ledger store only loses those (logged), never the balance.
func (a *Account) withUsage(ctx context.Context, scope string, b *domain.Balance) {
	if a.usage == nil {
		return
	}
	if br, err := a.usage.burn(ctx, scope, *b); err != nil {
		a.log.Warn("balance: the burn rate is unavailable", "error", err)
	} else {
		b.Burn = br
	}
	if err := a.usage.snapshot(ctx, scope, *b); err != nil {
		a.log.Warn("balance: the snapshot was not kept", "error", err)
	}
}

// TestConnection checks the scope's key with an authenticated call (GET
// /key; the catalog is public and would prove nothing).
func (a *Account) TestConnection(ctx context.Context, scope string) domain.ConnectionResult {
	key, err := a.keys.apiKey(ctx, scopeOrDefault(scope))
	if err != nil {
		return connectionFailure(err)
	}
	info, err := a.gw.KeyInfo(ctx, key)
	if err != nil {
		return connectionFailure(err)
	}
	return domain.ConnectionResult{Success: true, Status: domain.ConnSuccess, Message: "Connection successful", Key: &info}
}

func connectionFailure(err error) domain.ConnectionResult {
	r := domain.ConnectionResult{Status: domain.ConnUpstreamError, Message: "OpenRouter answered with an error"}
	switch {
	case errors.Is(err, domain.ErrNoAPIKey):
		r.Status, r.Message = domain.ConnNoKey, "No OpenRouter API key is configured"
	case errors.Is(err, domain.ErrDecrypt):
		r.Status, r.Message = domain.ConnKeyUnreadable, "The stored API key cannot be decrypted with the current keyset"
	case errors.Is(err, domain.ErrInvalidKey), errors.Is(err, domain.ErrForbidden):
		r.Status, r.Message = domain.ConnInvalidKey, "OpenRouter rejected the API key"
	case errors.Is(err, domain.ErrInsufficientCredits):
		r.Status, r.Message = domain.ConnInsufficientCredit, "The OpenRouter account has insufficient credits"
	case errors.Is(err, domain.ErrRateLimited):
		r.Status, r.Message = domain.ConnRateLimited, "OpenRouter is rate limiting this key; try again later"
		if ra := domain.RetryAfterOf(err); ra > 0 {
			r.Message += fmt.Sprintf(" (retry after %s)", ra)
		}
	case errors.Is(err, domain.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		r.Status, r.Message = domain.ConnTimeout, "OpenRouter did not answer in time"
	case errors.Is(err, domain.ErrUpstreamUnavailable):
		r.Status, r.Message = domain.ConnNetworkError, "OpenRouter cannot be reached"
	case errors.Is(err, domain.ErrStoreUnavailable):
		r.Status, r.Message = domain.ConnUpstreamError, "The settings database cannot be reached"
	}
	return r
}
