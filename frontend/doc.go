// Package frontend is the aimodels settings UI: a React + TypeScript + Vite
// single-page application (API keys, AI models, prompts) and, at the same
// time, the Go package that ships its built files.
//
// The built files in dist/ are committed, so `go build` and `go install` need
// no Node toolchain. To change the UI, edit src/ and rebuild with
// `npm ci && npm run build` in this folder; CI rebuilds and checks that dist/
// is unchanged. Only the composition root (cmd/aimodels) imports this package.
package frontend
