// Package domain holds aimodels' entities, value objects and typed errors.
//
// It depends on the standard library only: model types and their
// classification from OpenRouter modalities, exact decimal prices, the
// catalog, the per-type selection, account balance, API key masking,
// prompts, chat and transcription requests, and the errors that every
// adapter maps to (errors.Is / errors.As).
package domain
