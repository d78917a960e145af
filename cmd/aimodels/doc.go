// Command aimodels is the composition root: it reads the configuration
// (flags and AIMODELS_* environment variables), wires the core to its
// adapters (OpenRouter over retryable HTTP, the GORM store on SQLite or
// MySQL, the Tink cipher) and serves the Echo API and the embedded
// settings UI.
//
//	aimodels [serve] [flags]     run the server (the default)
//	aimodels keyset init         create the keyset file if there is none
//	aimodels keyset rotate       add a new primary key and re-encrypt every stored key
//	aimodels keyset disable-old  after a rotation, disable every key but the primary
//	aimodels migrate             apply the pending database migrations and exit
//	aimodels version             print the version, VCS revision and commit time
//	aimodels help [command]      list the commands, or one command's flags
//
// Help exits 0, a wrong command line 2, a failed command 1. Logs go to
// stderr through slog, one write per record.
//
// It is the only package that imports every adapter and the frontend.
package main
