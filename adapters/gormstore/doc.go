// Package gormstore stores aimodels' data with GORM in MySQL/MariaDB or in
// an embedded SQLite file (pure Go, no cgo).
//
// A *Store implements ports.KeyStore, ports.SelectionStore,
// ports.PromptStore and ports.Pinger. Open connects, configures the pool
// and applies the versioned migrations (see Store.Migrate); every table
// carries a scope column so one database can serve many tenants. To run
// the server as a user that may only read and write rows, run the
// migrations first with the package function Migrate (`aimodels migrate`)
// as a user that may change the schema, and Open with
// Config.SkipMigrations, which only checks the schema's version (the
// GRANT lines are on Config.SkipMigrations).
//
// Every database error a Store returns is a *domain.StoreError whose Kind
// is domain.ErrNotFound, domain.ErrConflict or domain.ErrStoreUnavailable,
// so callers test it with errors.Is; input the store cannot hold (a scope
// over 64 bytes, a selection without a model id) is a
// *domain.ValidationError instead. A database that is full, read-only or
// refuses the user a privilege gives ErrStoreUnavailable too (an HTTP
// server answers 503, not 500), wrapping ErrStorageFull, ErrReadOnly or
// ErrNoPrivilege, with a message that says what an operator can do. Ping
// fails while a MySQL server is read-only and for Config.WriteFaultHold
// after a write found the storage full or read-only, so a readiness
// probe reports a database that takes no writes. The store keeps only the
// ciphertext and the masked hint of an API key; it never sees the
// plaintext. Prompt names are stored in Unicode NFC.
//
// SQLite runs in WAL mode with a busy timeout and foreign keys on. A new
// database file is created with mode 0600, and SQLite gives its -wal and
// -shm files the same mode, so other local users cannot read them. Writes
// go through a single-connection pool (one writer, as SQLite allows) with
// BEGIN IMMEDIATE transactions, while reads use a separate pool, so many
// concurrent writers queue in the process instead of failing with
// SQLITE_BUSY. MySQL upserts use INSERT … ON DUPLICATE KEY UPDATE and are
// retried on InnoDB deadlocks.
package gormstore
