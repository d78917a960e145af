package openrouter_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// testKey is the key the fake accepts.
const testKey = domain.APIKey(openroutertest.DefaultAPIKey)

func newFake(t testing.TB, opts ...openroutertest.Option) *openroutertest.Server {
	t.Helper()
	s, err := openroutertest.Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// newClient returns a client of s with tiny retry waits.
func newClient(t testing.TB, s *openroutertest.Server, opts ...openrouter.Option) *openrouter.Client {
	t.Helper()
	all := append([]openrouter.Option{
		openrouter.WithBaseURL(s.URL()),
		openrouter.WithRetry(3, time.Millisecond, 5*time.Millisecond, 2*time.Second),
	}, opts...)
	c, err := openrouter.New(all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	dir, err := openroutertest.FixturesDir()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upstream asserts err is a *openrouter.Error of kind.
func upstream(t testing.TB, err error, kind error) *openrouter.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", kind)
	}
	var ue *openrouter.Error
	if !errors.As(err, &ue) {
		t.Fatalf("error %T %v is not a *openrouter.Error", err, err)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %v: kind %v, want %v", err, ue.Kind, kind)
	}
	return ue
}

// fixtureError decodes error.message and error.code of an error fixture.
func fixtureError(t testing.TB, body []byte) (string, int) {
	t.Helper()
	var e struct {
		Error struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	return e.Error.Message, e.Error.Code
}
