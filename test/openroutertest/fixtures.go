package openroutertest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// FixturesEnv is the environment variable that names the fixtures
// directory, overriding the search.
const FixturesEnv = "AIMODELS_FIXTURES_DIR"

// fixtureRel is where the fixtures live relative to the directory that
// holds the repository checkout (X/main, X/shared/fixtures/openrouter).
var fixtureRel = filepath.Join("shared", "fixtures", "openrouter")

// Fixture file names served by the fake.
const (
	FixtureModelsAll         = "models-all-2026-08-19.json"
	FixtureModelsDefault     = "models-default-2026-08-19.json"
	FixtureKey               = "key.json"
	FixtureKeyOlderSchema    = "key-data-older-schema.json"
	FixtureCredits           = "credits.json"
	FixtureChatCompletion    = "chat-completion-google.json"
	FixtureChatToolCall      = "chat-completion-tool-call.json"
	FixtureStreamReasoning   = "stream-reasoning.sse"
	FixtureStreamMidstream   = "stream-midstream-error.sse"
	FixtureErrInvalidKey     = "error-401-invalid-key.json"
	FixtureErrMissingKey     = "error-401-missing-key.json"
	FixtureErrMissingKeyOld  = "error-401-missing-key-older.json"
	FixtureErrInsufficient   = "error-402-insufficient-credits.json"
	FixtureErrNoEndpoints    = "error-404-no-endpoints.json"
	FixtureErrUpstreamRateLm = "error-429-upstream-rate-limit.json"
)

// FixturesDir returns the directory of the shared OpenRouter fixtures:
// $AIMODELS_FIXTURES_DIR when set, else the first X/shared/fixtures/openrouter
// found walking up from the working directory, then from this source file.
func FixturesDir() (string, error) {
	if d := os.Getenv(FixturesEnv); d != "" {
		if isDir(d) {
			return d, nil
		}
		return "", fmt.Errorf("openroutertest: %s=%q is not a directory", FixturesEnv, d)
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	for _, start := range starts {
		for dir := start; ; {
			if c := filepath.Join(dir, fixtureRel); isDir(c) {
				return c, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errors.New("openroutertest: fixtures not found: set " + FixturesEnv + " or use WithFixturesDir")
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// fixtureNames are the files read at start-up.
var fixtureNames = []string{
	FixtureModelsAll, FixtureModelsDefault, FixtureKey, FixtureKeyOlderSchema, FixtureCredits,
	FixtureChatCompletion, FixtureChatToolCall, FixtureStreamReasoning, FixtureStreamMidstream,
	FixtureErrInvalidKey, FixtureErrMissingKey, FixtureErrMissingKeyOld, FixtureErrInsufficient,
	FixtureErrNoEndpoints, FixtureErrUpstreamRateLm,
}

// loadFixtures reads every fixture once.
func loadFixtures(dir string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(fixtureNames))
	for _, n := range fixtureNames {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("openroutertest: read fixture: %w", err)
		}
		out[n] = b
	}
	return out, nil
}
