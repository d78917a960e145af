// Command aimodels is the composition root: it reads the configuration
// (flags and AIMODELS_* environment variables), wires the core to its
// adapters (OpenRouter over retryable HTTP, the GORM store on SQLite or
// MySQL, the Tink cipher) and serves the Echo API and the embedded
// settings UI.
//
//	aimodels [serve]          run the server (the default)
//	aimodels keyset init      create the keyset file if there is none
//	aimodels keyset rotate    add a new primary key and re-encrypt every stored key
//	aimodels version          print the version
//
// It is the only package that imports every adapter and the frontend.
package main
