// Package testenv decides what a test does when something it needs from
// the machine (MySQL, Node, Chromium) is missing: on a developer's machine
// it skips with a message naming what to set or install; where
// AIMODELS_REQUIRE_ALL=1 (CI, after installing everything) it fails, so a
// missing service can never turn a red run green by skipping.
package testenv

import (
	"os"
	"testing"
)

// RequireAllEnv names the variable that turns skips into failures.
const RequireAllEnv = "AIMODELS_REQUIRE_ALL"

// Missing skips the test with reason, or fails it when RequireAllEnv is "1".
func Missing(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv(RequireAllEnv) == "1" {
		t.Fatalf("%s (and %s=1 says everything must be present)", reason, RequireAllEnv)
	}
	t.Skip(reason)
}
