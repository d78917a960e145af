// Package browser runs the Playwright suite of the settings UI (ui.test.mjs,
// playwright-core driving Debian's headless Chromium) from `go test`, so the
// README's one test command covers the UI too. The suite starts the real
// server binary and the fake OpenRouter itself.
package browser
