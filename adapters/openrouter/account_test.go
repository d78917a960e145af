package openrouter_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

func TestKeyInfoFixtures(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s)
	ctx := context.Background()

	ki, err := c.KeyInfo(ctx, testKey)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Data struct {
			Label string      `json:"label"`
			Usage json.Number `json:"usage"`
		} `json:"data"`
	}
	if err := json.Unmarshal(s.Fixture(openroutertest.FixtureKey), &raw); err != nil {
		t.Fatal(err)
	}
	if ki.Label != raw.Data.Label || !ki.Usage.Equal(domain.MustDecimal(string(raw.Data.Usage))) || ki.Limit != nil || ki.LimitRemaining != nil {
		t.Fatalf("key info %+v, fixture %+v", ki, raw.Data)
	}
	if ki.RateLimit == nil || ki.RateLimit.Requests != -1 || ki.RateLimit.Interval != "10s" {
		t.Fatalf("rate limit %+v", ki.RateLimit)
	}
	req, _ := s.LastRequest(openroutertest.RouteKey)
	if got := req.Header.Get("Authorization"); got != "Bearer "+testKey.Reveal() {
		t.Fatalf("Authorization %q", got)
	}

	older := s.Fixture(openroutertest.FixtureKeyOlderSchema)
	var rawOld struct {
		Usage     json.Number `json:"usage"`
		RateLimit struct {
			Requests int `json:"requests"`
		} `json:"rate_limit"`
	}
	if err := json.Unmarshal(older, &rawOld); err != nil {
		t.Fatal(err)
	}
	wrapped := append(append([]byte(`{"data":`), older...), '}')
	for name, body := range map[string][]byte{"wrapped in data": wrapped, "bare": older} {
		t.Run(name, func(t *testing.T) {
			s.SetFault(openroutertest.RouteKey, openroutertest.Fault{Body: body, Times: 1})
			ki, err := c.KeyInfo(ctx, testKey)
			if err != nil {
				t.Fatal(err)
			}
			if !ki.Usage.Equal(domain.MustDecimal(string(rawOld.Usage))) || ki.RateLimit == nil || ki.RateLimit.Requests != rawOld.RateLimit.Requests || ki.Limit != nil {
				t.Fatalf("older schema: %+v", ki)
			}
		})
	}
}

func TestCredits(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s)
	cr, err := c.Credits(context.Background(), testKey)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Data struct {
			TotalCredits json.Number `json:"total_credits"`
			TotalUsage   json.Number `json:"total_usage"`
		} `json:"data"`
	}
	if err := json.Unmarshal(s.Fixture(openroutertest.FixtureCredits), &m); err != nil {
		t.Fatal(err)
	}
	if !cr.TotalCredits.Equal(domain.MustDecimal(string(m.Data.TotalCredits))) || !cr.TotalUsage.Equal(domain.MustDecimal(string(m.Data.TotalUsage))) || cr.TotalCredits.IsZero() {
		t.Fatalf("credits %+v, fixture %+v", cr, m.Data)
	}

	f := newFake(t, openroutertest.WithCreditsForbidden())
	_, err = newClient(t, f).Credits(context.Background(), testKey)
	ue := upstream(t, err, domain.ErrForbidden)
	if ue.Status != 403 || f.RequestCount(openroutertest.RouteCredits) != 1 {
		t.Fatalf("status %d, %d requests", ue.Status, f.RequestCount(openroutertest.RouteCredits))
	}
}
